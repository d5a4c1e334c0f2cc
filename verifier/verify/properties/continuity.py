"""Tiers: the maintenance margin does not jump where a position crosses into the next bracket."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, reject

from verifier.errors import EvaluationError

from verifier.verify.properties._registry import register
from verifier.verify.properties._exact import Violation, point, role_of, sim_mode
from verifier.verify.properties._examples import example_entry


def _applies(rule, view):
    if rule.tiers is None or view.tier_basis is None:
        return "the rule has no tier table"
    if "maintenance_margin" not in view.definitions:
        return "the mode defines no maintenance_margin"
    layout = rule.tiers.catalog.layout
    if layout is None or not (layout.rate and layout.amount):
        return "its catalog's tier tables are exempt from continuity (the exchange's amounts jump)"
    return None


def _with_row(sim, values, row):
    out = dict(values)
    for symbol, column in sim.tier_symbols:
        out[symbol] = row.values[column]
    return out


@register("case", _applies, path=("tiers", "basis"))
def maintenance_margin_continuous_across_brackets(rule, case):
    """The maintenance margin is continuous across every bracket floor, whichever input (the price, the size, or
    the entry price a wrong basis reads) carries the position there: the brackets' amounts exist to make it so."""
    table = rule.tiers.table(case.market)
    assume(table is not None)
    sim = sim_mode(rule, case)
    entry = role_of(rule, case, "entry")
    anchor = case.values[entry] if entry else Fraction(1)
    try:
        base = point(rule, case, anchor)
    except EvaluationError:  # no bracket holds the position at its entry: nothing to cross
        reject()
    basis = sim.tier_basis(base)
    assume(basis > 0)
    view = rule.at(case.date).mode(case.mode)
    names = {s.name for s in view.tier_basis.expr.free_symbols} & (set(case.values) | {rule.price})
    checked = 0
    for lower, upper in zip(table.rows, table.rows[1:]):
        for name in sorted(names):
            symbol = view.symbols[name].sympy
            at = dict(base)
            at[symbol] = base[symbol] * upper.floor / basis
            if at[symbol] <= 0 or sim.tier_basis(at) != upper.floor:
                continue  # the basis is not proportional to this input
            left = sim.definitions["maintenance_margin"](_with_row(sim, at, lower))
            right = sim.definitions["maintenance_margin"](_with_row(sim, at, upper))
            checked += 1
            if left != right:
                given = {n: (at[view.symbols[n].sympy] if n in view.symbols else v) for n, v in case.values.items()}
                given[rule.price] = at[view.symbols[rule.price].sympy]
                raise Violation(f"moving {name} to {at[symbol]} puts the tier basis on the floor {upper.floor} of "
                                f"row {upper.number}, where the maintenance margin jumps from {left} (row "
                                f"{lower.number}) to {right}", _expected(rule, case, sim, table, at, given),
                                path=("tiers", "basis"))
    assume(checked)


def _expected(rule, case, sim, table, at, given):
    """The entry at the jump: the maintenance margin with the bracket the position's notional at the price holds
    (the contract's ``notional``), or None where the rule defines no notional."""
    if "notional" not in sim.definitions:
        return None
    row = table.row_for(sim.definitions["notional"](at))
    if row is None:
        return None
    value = sim.definitions["maintenance_margin"](_with_row(sim, at, row))
    return example_entry(rule, case, "maintenance_margin_continuous_across_brackets", {"maintenance_margin": value},
                         note=f"the bracket of the notional at the price (row {row.number})", given=given)
