"""Published formulas against the derivation, evaluated exactly at generated points (tiers included)."""

from __future__ import annotations

from fractions import Fraction

import sympy
from hypothesis import assume

from verifier.verify.properties._registry import register
from verifier.verify.properties._exact import Violation, derived, role_of, sim_mode
from verifier.verify.properties._examples import example_entry
from verifier.model.evaluate import to_rational


def entries(rule, mode_name, date=None):
    """(quantity, condition, entry) of every published price formula of the mode in force on ``date``."""
    rule = rule.at(date)
    for quantity, items in rule.published.items():
        if not quantity.endswith("_price"):
            continue
        condition = quantity[: -len("_price")]
        for entry in items:
            if entry.position_mode == "hedge":  # needs the partner leg: proved symbolically (published_proofs)
                continue
            if mode_name in entry.modes and condition in rule.mode(mode_name).conditions:
                yield quantity, condition, entry


def _applies(rule, view):
    found = any(True for view_rule in rule.dated_views() for _ in entries(view_rule, view.name))
    return None if found else "no published price formula for this mode"




@register("case", _applies, path=("published",))
def published_formula_equals_derivation(rule, case):
    """The exchange's published closed form gives the same price as the derivation from the rule's own definitions,
    at every generated point and tier."""
    view = rule.mode(case.mode)
    sim = sim_mode(rule, case)
    checked = 0
    for quantity, condition, entry in entries(rule, case.mode, case.date):
        values = dict(case.values)
        values.update({k: Fraction(v) for k, v in entry.where.items()})
        solution = derived(rule, case, condition, values)
        if solution is None or solution.price is None:
            continue
        subs = {symbol: to_rational(value) for symbol, value in sim.params.items()}
        for name, value in values.items():
            spec = view.symbols.get(name) or view.parameters.get(name)
            subs[spec.sympy] = to_rational(value)
        if solution.tier is not None:
            row = next(r for r in rule.tiers.table(case.market, case.date).rows if r.number == solution.tier)
            for name, column in view.tier_symbols.items():
                subs.setdefault(view.symbols[name].sympy, to_rational(row.values[column]))
        anchor = case.values.get(role_of(rule, case, "entry") or "", Fraction(1))
        for symbol in entry.formula.expr.free_symbols:  # symbols of the published form only (e.g. a reading price)
            if symbol not in subs and symbol.name not in view.symbols and symbol.name not in view.parameters:
                subs[symbol] = to_rational(anchor)
        value = entry.formula.expr.xreplace(subs)
        if value.free_symbols or value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or not value.is_Rational:
            continue
        published = Fraction(int(value.p), int(value.q))
        checked += 1
        if published != solution.price:
            raise Violation(
                f"published {quantity} #{entry.index + 1} gives {published}, the derivation {solution.price}",
                example_entry(rule, case, "published_formula_equals_derivation", {quantity: published}, Fraction(0),
                              f"the value of the published formula ({rule.sources.get(entry.source) and entry.source})",
                              given=values),
                path=("published", quantity, entry.index))
    assume(checked > 0)
