"""Tiers: the bracket used at the liquidation price is the one holding the position's notional there."""

from __future__ import annotations

from hypothesis import assume

from verifier.verify.properties._registry import register
from verifier.verify.properties._exact import Violation, derived, point, sim_mode
from verifier.verify.properties._examples import example_entry


def _applies(rule, view):
    if rule.tiers is None or view.tier_basis is None:
        return "the rule has no tier table"
    if "notional" not in view.definitions:
        return "the rule defines no notional"
    return None


@register("case", _applies, path=("tiers", "basis"))
def chosen_tier_holds_notional_at_liquidation(rule, case):
    """The tier chosen for the liquidation price is the bracket that contains the position's notional at that
    price (not at the entry price)."""
    solution = derived(rule, case)
    assume(solution is not None and solution.price is not None and solution.tier is not None)
    values = point(rule, case, solution.price)
    sim = sim_mode(rule, case)
    notional = sim.definitions["notional"](values)
    table = rule.tiers.table(case.market, case.date)
    row = table.row_for(notional)
    assume(row is not None)
    if row.number != solution.tier:
        view = rule.mode(case.mode)
        given = {**case.values, rule.price: solution.price}
        expect = {}
        if "maintenance_margin" in view.definitions:
            for name, column in view.tier_symbols.items():
                values[view.symbols[name].sympy] = row.values[column]
            expect["maintenance_margin"] = sim.definitions["maintenance_margin"](values)
        raise Violation(
            f"at the liquidation price {solution.price} the notional is {notional}, in tier {row.number}, "
            f"but tier {solution.tier} was used",
            example_entry(rule, case, "chosen_tier_holds_notional_at_liquidation", expect or
                          {"liquidation_price": solution.price}, note=f"tier {row.number} holds notional {notional}",
                          given=given))
