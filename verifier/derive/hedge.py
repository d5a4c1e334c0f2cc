"""Hedge mode in a cross account: legs of the same market that move with the same price.

In hedge mode an account may hold a long and a short of one market at once.  In cross mode their
liquidation price is shared: when the price moves, *both* legs' unrealised PnL and maintenance margin
move with it.  Holding the opposite leg at its mark price (as the 'others' symbols do for other
markets) is wrong for them.

The mechanism, with no exchange knowledge in it: every definition summed by one of the mode's
``others:`` symbols (e.g. ``UPNL1`` sums ``upnl``, ``TMM1`` sums ``maintenance_margin``) is
instantiated once per partner leg, with every per-position symbol renamed (``q`` -> ``q__1``, ...)
by ``xreplace`` and the price symbol kept shared.  The others symbol then stands for the rest of the
account (other markets, at their marks) plus the partner legs' definitions *as functions of the price*.
The resulting condition is solved for the price like any other, per tier row of every leg, keeping
only roots where each leg's own tier basis at the root falls inside its row.

>>> from fractions import Fraction as F
>>> from verifier.read import load_rule
>>> rule = load_rule("binance/usdm-perpetual")
>>> form = hedge_form(rule, "cross", "liquidation", 1)
>>> sorted(s.name for s in form.roots[0].free_symbols)
['EP', 'EP__1', 'MMR', 'MMR__1', 'TMM1', 'UPNL1', 'WB', 'cum', 'cum__1', 'q', 'q__1', 's', 's__1']
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import sympy

from verifier.derive.closed_form import ClosedForm, _domain_conditions, _flatten
from verifier.derive.exact import NotCompilable, compile_condition, compile_fraction
from verifier.errors import DerivationError
from verifier.model.evaluate import EvaluationError, substitutions, to_fraction, to_rational

_FORMS: dict = {}


def leg_symbol(symbol, index: int):
    """The renamed copy of a per-position symbol for partner leg ``index`` (same assumptions)."""
    return sympy.Symbol(f"{symbol.name}__{index}", **symbol.assumptions0)


def per_position_symbols(mode, price_name: str) -> list[str]:
    """Names of the symbols the others-summed definitions depend on, except the shared price."""
    names = set()
    by_sym = {spec.sympy: name for name, spec in mode.symbols.items()}
    for definition in set(mode.others.values()):
        for sym in mode.definitions[definition].expr.free_symbols:
            if sym in by_sym and by_sym[sym] != price_name:
                names.add(by_sym[sym])
    return sorted(names)


def hedge_form(rule, mode_name: str, condition_name: str, partners: int) -> ClosedForm:
    """The closed form of ``condition_name`` for one leg with ``partners`` same-market legs moving with the price."""
    key = (rule.derivation_key, mode_name, condition_name, partners)
    if key in _FORMS:
        return _FORMS[key]
    mode = rule.mode(mode_name)
    if not mode.others:
        raise DerivationError(f"mode {mode_name!r} has no 'others' symbols: legs do not interact")
    condition = mode.conditions[condition_name]
    price = mode.symbols[condition.solve_for].sympy
    names = per_position_symbols(mode, condition.solve_for)
    replacement = {}
    for other_name, definition in mode.others.items():
        own = mode.symbols[other_name].sympy
        moving = sympy.S.Zero
        for index in range(1, partners + 1):
            rename = {mode.symbols[n].sympy: leg_symbol(mode.symbols[n].sympy, index) for n in names}
            moving += mode.definitions[definition].expr.xreplace(rename)
        replacement[own] = own + moving
    relation = condition.relation.xreplace(replacement)
    x = sympy.Symbol(price.name, real=True)
    equation = sympy.together((relation.lhs - relation.rhs).subs(price, x))
    try:
        solution = sympy.solveset(equation, x, sympy.S.Reals)
    except (NotImplementedError, ValueError, TypeError) as exc:
        raise DerivationError(f"no closed form for hedged {condition_name!r} in mode {mode_name!r}: {exc}") from None
    roots, excluded = _flatten(solution, mode, condition)
    roots = tuple(sympy.factor_terms(sympy.cancel(r.subs(x, price))) for r in roots)
    form = ClosedForm(condition.name, condition.solve_for, relation, roots,
                      tuple(_domain_conditions(mode.symbols[condition.solve_for], x)),
                      tuple(e.subs(x, price) for e in excluded),
                      notes=(f"{partners} same-market leg(s) move with {condition.solve_for}",))
    _FORMS[key] = form
    return form


def solve_hedged(rule, mode_name: str, condition_name: str, own: dict, partners: list[dict], *, market=None,
                 date=None, current=None):
    """(price, own tier row number) for a leg whose same-market ``partners`` move with the price.

    ``own`` and each partner are name -> value dicts of the rule's symbols (the others symbols in ``own``
    hold the rest of the account at its marks).  Tier symbols missing from a leg are taken from every row
    of the market's table in turn; a root is kept when each leg's basis at the root lies in its own row.
    """
    rule = rule.at(date)  # the formulas in force on that date
    mode = rule.mode(mode_name)
    form = hedge_form(rule, mode_name, condition_name, len(partners))
    legs = [(0, own)] + [(i, p) for i, p in enumerate(partners, start=1)]
    base = _base_substitutions(mode, form, legs, date)
    table = rule.tiers.table(market, date) if rule.tiers is not None and market is not None else None
    found = []
    base_exact = _exact_values(base)
    for rows in itertools.product(*(_row_choices(mode, values, table) for _, values in legs)):
        prices = _fast_roots(mode, form, base_exact, legs, rows, table)
        if prices is None:  # the SymPy path, the reference
            subs = dict(base)
            for (index, values), row in zip(legs, rows):
                for name, column in mode.tier_symbols.items():
                    if row is not None and name not in values:
                        subs[_leg_symbol(mode, name, index)] = to_rational(row.values[column])
            prices = _consistent_roots(mode, form, subs, legs, rows, table)
        found += [(price, rows[0].number if rows[0] is not None else None) for price in prices]
    if not found:
        return None, None
    if current is not None:
        found.sort(key=lambda item: abs(item[0] - current))
    return found[0]


def _leg_symbol(mode, name: str, index: int):
    """Leg ``index``'s symbol for ``name`` (the own leg, index 0, keeps the rule's symbol)."""
    symbol = mode.symbols[name].sympy
    return symbol if index == 0 else leg_symbol(symbol, index)


def _base_substitutions(mode, form, legs, date) -> dict:
    """Parameters and the own leg's values, plus every partner's per-position values under its renamed symbols."""
    own = legs[0][1]
    base = substitutions(mode, {k: v for k, v in own.items() if k != form.solve_for}, date=date, needed=set())
    for index, values in legs[1:]:
        for name in per_position_symbols(mode, form.solve_for):
            if name in values:
                base[_leg_symbol(mode, name, index)] = to_rational(values[name])
    return base


def _row_choices(mode, values: dict, table) -> list:
    """The tier rows a leg may be in: [None] when it gives its tier values, else every row of the table."""
    missing = [n for n in mode.tier_symbols if n not in values]
    if not missing:
        return [None]
    if table is None:
        raise EvaluationError("give " + ", ".join(missing) + " (no tier table for this market)")
    return list(table.rows)


def _exact_values(subs: dict) -> dict | None:
    """The substitutions as Fractions for the compiled path (None when one is not a plain number)."""
    try:
        return {symbol: to_fraction(value) for symbol, value in subs.items()}
    except EvaluationError:
        return None


class _Compiled:
    """A hedge form's roots, conditions, exclusions and each leg's tier basis compiled to Fraction arithmetic
    (None where something cannot be compiled: the SymPy path, the reference, answers then)."""

    def __init__(self, mode, form, legs: int):
        names = per_position_symbols(mode, form.solve_for)
        try:
            self.roots = [compile_fraction(root) for root in form.roots]
            self.conditions = [compile_condition(c) for c in form.conditions]
            self.excluded = [compile_fraction(e) for e in form.excluded]
            self.basis = None
            if mode.tier_basis is not None:
                self.basis = [compile_fraction(mode.tier_basis.expr.xreplace(
                    {} if index == 0 else {mode.symbols[n].sympy: _leg_symbol(mode, n, index) for n in names}))
                    for index in range(legs)]
        except NotCompilable:
            self.roots = None


_COMPILED: dict = {}


def _compiled(mode, form, legs: int) -> _Compiled:
    entry = _COMPILED.get(id(form))
    if entry is None or entry[0] is not form:  # keyed by identity: hedge forms live as long as their cache
        entry = _COMPILED[id(form)] = (form, _Compiled(mode, form, legs))
    return entry[1]


def _consistent_fast(mode, form, exact, legs, rows, table) -> list:
    """:func:`_consistent_roots` in Fraction arithmetic; KeyError / ZeroDivisionError send it to SymPy."""
    fast = _compiled(mode, form, len(legs))
    if fast.roots is None or (fast.basis is None and any(row is not None for row in rows)):
        raise KeyError("not compiled")
    price, out = mode.symbols[form.solve_for].sympy, []
    for root in fast.roots:
        value = root(exact)
        point = {**exact, price: value, form.variable: value}
        if not all(condition(point) for condition in fast.conditions):
            continue
        if any(excluded(exact) == value for excluded in fast.excluded):
            continue
        if all(row is None or row.contains(fast.basis[index](point), table.bounds)
               for (index, _), row in zip(legs, rows)):
            out.append(value)
    return out


def _fast_roots(mode, form, base_exact, legs, rows, table) -> list | None:
    """The consistent roots for this choice of rows in Fraction arithmetic; None: leave it to SymPy (a missing
    value, a singular point SymPy may cancel, something not compiled)."""
    if base_exact is None:
        return None
    exact = dict(base_exact)
    for (index, values), row in zip(legs, rows):
        for name, column in mode.tier_symbols.items():
            if row is not None and name not in values:
                exact[_leg_symbol(mode, name, index)] = Fraction(row.values[column])
    try:
        return _consistent_fast(mode, form, exact, legs, rows, table)
    except (KeyError, ZeroDivisionError):
        return None


def _consistent_roots(mode, form, subs, legs, rows, table) -> list:
    """The roots at ``subs`` that are valid and put each leg's tier basis inside the row chosen for it."""
    price, names, out = mode.symbols[form.solve_for].sympy, per_position_symbols(mode, form.solve_for), []
    for root in form.roots:
        value = sympy.cancel(root.xreplace(subs))
        if value.free_symbols:
            raise EvaluationError("needs " + ", ".join(sorted(s.name for s in value.free_symbols)))
        if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            continue
        point = {**subs, price: value, form.variable: value}
        if any(c.subs(point) is not sympy.true for c in form.conditions):
            continue
        if any(e.xreplace(subs) == value for e in form.excluded):
            continue
        if all(row is None or row.contains(_leg_basis(mode, names, index, point), table.bounds)
               for (index, _), row in zip(legs, rows)):
            out.append(to_fraction(value))
    return out


def _leg_basis(mode, names, index: int, point: dict):
    rename = {} if index == 0 else {mode.symbols[n].sympy: _leg_symbol(mode, n, index) for n in names}
    return to_fraction(mode.tier_basis.expr.xreplace(rename).xreplace(point))
