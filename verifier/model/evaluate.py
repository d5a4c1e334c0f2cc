"""Exact evaluation of a mode's definitions at given values (no solving).

Tier symbols not given are looked up in the tier table at the basis value the
same inputs produce, so a maintenance margin uses the bracket of its own notional.

>>> from fractions import Fraction
>>> from verifier.read import load_rule
>>> rule = load_rule("binance/usdm-perpetual")
>>> mode = rule.mode("isolated")
>>> import datetime
>>> values = {"q": Fraction(1), "P": Fraction(60000)}
>>> evaluate(mode, "maintenance_margin", values, tiers=rule.tiers, market="BTC/USDT:USDT",
...          date=datetime.date(2024, 10, 1))  # bracket 50,000-600,000: 0.5 % less 50
Fraction(250, 1)
>>> evaluate(mode, "maintenance_margin", values, tiers=rule.tiers, market="BTC/USDT:USDT",
...          date=datetime.date(2026, 10, 1))  # bracket 0-300,000: 0.4 %
Fraction(240, 1)
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from verifier.errors import EvaluationError


def to_fraction(value) -> Fraction:
    """An exact SymPy number (or int/Fraction) as a :class:`Fraction`; refuses anything inexact."""
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    value = sympy.nsimplify(value) if isinstance(value, sympy.Float) else value
    if isinstance(value, sympy.Rational):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, sympy.Integer):
        return Fraction(int(value))
    raise EvaluationError(f"not an exact number: {value}")


def to_rational(value) -> sympy.Rational:
    """An exact number (int, Fraction, or decimal text) as a SymPy ``Rational``, for substitution.

    >>> to_rational(Fraction(1, 10)), to_rational("0.25")
    (1/10, 1/4)
    """
    value = Fraction(value)
    return sympy.Rational(value.numerator, value.denominator)


_USED: dict = {}


def used_parameters(mode) -> tuple:
    """The parameters the mode's own formulas (definitions, conditions, tier basis) use.

    Only these are looked up on a date: a parameter of another mode, or one only the simulator reads, never stops
    an evaluation that does not need it (a cross-only threshold not yet in force says nothing about isolated).
    """
    entry = _USED.get(id(mode))
    if entry is None or entry[0] is not mode:  # keyed by identity: modes live as long as their rule
        used = set().union(*(d.expr.free_symbols for d in mode.definitions.values()),
                           *(c.relation.free_symbols for c in mode.conditions.values()),
                           mode.tier_basis.expr.free_symbols if mode.tier_basis is not None else set())
        entry = (mode, tuple(p for p in mode.parameters.values() if p.sympy in used))
        _USED[id(mode)] = entry
    return entry[1]


def substitutions(mode, values: dict, *, date=None, tiers=None, market=None, needed=None, parameters=None) -> dict:
    """SymPy symbol -> Rational for every parameter the mode uses (at ``date``), given value and tier column.

    Tier columns are looked up only for tier symbols in ``needed`` (all of them when None).  Parameters are looked
    up only for the names in ``parameters`` (all of the mode's when None; the tier basis's own when a tier is
    looked up): a parameter the formula does not use must not stop it for want of a value on ``date``.
    """
    wanted = None if parameters is None else set(parameters)
    if wanted is not None and mode.tier_basis is not None:
        wanted |= {s.name for s in mode.tier_basis.expr.free_symbols}
    subs = {p.sympy: to_rational(p.value_at(date)) for p in used_parameters(mode)
            if wanted is None or p.name in wanted}
    for name, value in values.items():
        spec = mode.symbols.get(name) or mode.parameters.get(name)
        if spec is None:
            raise EvaluationError(f"mode {mode.name!r} has no symbol {name!r}")
        subs[spec.sympy] = to_rational(value)
    missing_tiers = {name: column for name, column in mode.tier_symbols.items()
                     if name not in values and (needed is None or name in needed)}
    if missing_tiers and tiers is not None and mode.tier_basis is not None:
        table = tiers.lookup(market, date)
        basis = mode.tier_basis.expr.xreplace(subs)
        if basis.free_symbols:
            raise EvaluationError("the tier basis needs " + ", ".join(sorted(s.name for s in basis.free_symbols)))
        row = table.row_for(to_fraction(basis))
        if row is None:
            raise EvaluationError(f"no tier row of {table.market} holds basis {to_fraction(basis)}")
        for name, column in missing_tiers.items():
            value = row.values[column]
            subs[mode.symbols[name].sympy] = to_rational(value)
    return subs


def evaluate(mode, definition: str, values: dict, *, date=None, tiers=None, market=None) -> Fraction:
    """The exact value of ``definition`` in ``mode`` at ``values`` (name -> number)."""
    expr = mode.definitions[definition].expr
    needed = {s.name for s in expr.free_symbols}
    # xreplace, not subs: a plain structural replacement of symbols by Rationals is exact and ~10x faster.
    result = expr.xreplace(substitutions(mode, values, date=date, tiers=tiers, market=market, needed=needed,
                                         parameters=needed))
    if result.free_symbols:
        raise EvaluationError(f"{definition!r} still needs " + ", ".join(sorted(s.name for s in result.free_symbols)))
    if result.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise EvaluationError(f"{definition!r} divides by zero at these values")
    return to_fraction(result)


def holds(mode, condition: str, values: dict, *, date=None, tiers=None, market=None) -> bool:
    """Whether ``condition`` holds in ``mode`` at ``values``: exact, so a value on the boundary tells '<' from '<='."""
    relation = mode.conditions[condition].relation
    needed = {s.name for s in relation.free_symbols}
    result = relation.xreplace(substitutions(mode, values, date=date, tiers=tiers, market=market, needed=needed,
                                             parameters=needed))
    if result not in (sympy.true, sympy.false):
        raise EvaluationError(f"{condition!r} still needs " + ", ".join(sorted(s.name for s in result.free_symbols)))
    return bool(result)
