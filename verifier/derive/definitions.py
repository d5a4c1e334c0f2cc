"""Proving a derived price against an exchange's published ratio definition: :func:`prove_definitions`.

No exchange publishes a unified account's liquidation *price*; each publishes the *ratio* its action levels compare
(Bybit's account MM rate, Binance's uniMMR, OKX's mgnRatio) and the level that triggers each action. For every
level of every ``<name>_definition`` entry and each of its modes, two things are established about the closed form
``P*`` that :mod:`verifier.derive.closed_form` solves the rule's condition for:

1. **Equality**: the published ratio at ``P*`` minus the level simplifies to 0 (``cancel`` of the rational function,
   every ``max``/``min``/``abs`` free of the price, such as a coin's positive equity ``max(A - D - I, 0)``, held as
   an independent constant, so the identity holds for every haircut row (``HR``, ``hd`` symbolic) and both signs of
   the equity), or else by the cases of the signs that decide those pieces (``max(x, 0)`` and ``min(x, 0)``: ``x >= 0``
   and ``x < 0``). When neither reaches 0, exact evaluation at random points of the symbols' domains either finds
   a counterexample (refuted) or agrees everywhere (proved with that method named).
2. **Side**: the side the rule's condition liquidates is the side the published ratio crosses its level on. For each
   haircut row of the rule's catalog (its ``HR``, ``hd``) and random exact points of the other symbols, the condition
   and the published comparison (``ratio >= level``, ...) are evaluated exactly at ``P*`` and a hair either side of
   it (``P* (1 +- 10^-9)``); they must agree at all three. Only points where the ratio's denominator as written is
   positive at ``P*`` count: over a balance at or below zero a ratio does not mean what its level says (which is
   why the rules write their conditions without the division). This is checked, not proved: the method says at
   how many points and rows.

>>> from verifier.read import load_rule
>>> [(r.condition, r.status) for r in prove_definitions(load_rule("bybit/unified-trading-account"))]
[('liquidation', 'proved')]
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, replace
from fractions import Fraction

import sympy

from verifier.derive import cache
from verifier.derive.derivation import derive_rule
from verifier.derive.proof import _sample
from verifier.errors import DerivationError
from verifier.model.evaluate import to_rational

SIDE_POINTS = 12  # per haircut row
EQUALITY_POINTS = 100
HAIR = sympy.Rational(1, 10**9)
COMPARE = {">=": sympy.GreaterThan, ">": sympy.StrictGreaterThan, "<=": sympy.LessThan, "<": sympy.StrictLessThan}


@dataclass
class DefinitionProof:
    """The proof of one level of one published definition (across its modes)."""

    key: str
    index: int
    name: str
    condition: str
    modes: tuple
    status: str  # 'proved' | 'refuted' | 'undecided'
    method: str
    side: str = ""  # how the liquidated side was established
    counterexample: dict = field(default_factory=dict)  # symbol -> Fraction
    reason: str | None = None


def prove_definitions(rule, *, seed: int = 0, use_cache: bool = True) -> list[DefinitionProof]:
    """One :class:`DefinitionProof` per level of each published definition; cached by the rule's derivation key,
    the entries and the haircut rows the side check reads."""
    if not rule.published_definitions:
        return []
    rows = _haircut_rows(rule)
    text = "|".join(f"{k}:{e.index}:{e.modes}:{e.formula.expr}:{[(lv.condition, lv.level.expr, lv.operator) for lv in e.levels]}"
                    for k, entries in rule.published_definitions.items() for e in entries) + repr(rows)
    key = f"{rule.derivation_key}-definitions-{seed}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    if use_cache:
        cached = cache.load(key)
        if cached is not None:
            return [replace(r) for r in cached]
    derivation = derive_rule(rule, use_cache=use_cache)
    results = []
    for entries in rule.published_definitions.values():
        for entry in entries:
            for level in entry.levels:
                results.append(_prove_level(rule, derivation, entry, level, rows, seed))
    if use_cache:
        cache.store(key, [replace(r) for r in results])
    return results


def _haircut_rows(rule) -> tuple:
    """The distinct tier-column values of every row of the rule's catalog (latest tables): ((column, value), ...)."""
    if rule.tiers is None:
        return ()
    found = set()
    for table in rule.tiers.tables.values():
        for row in table.rows:
            found.add(tuple(sorted((column, Fraction(value)) for column, value in row.values.items()
                                   if isinstance(value, (int, Fraction)))))
    return tuple(sorted(found))


def _prove_level(rule, derivation, entry, level, rows, seed) -> DefinitionProof:
    proof = DefinitionProof(entry.key, entry.index, entry.name, level.condition, entry.modes, "undecided", "none")
    methods, sides = [], []
    for mode_name in entry.modes:
        mode = rule.mode(mode_name)
        try:
            form = derivation.closed_form(mode_name, level.condition)
        except (DerivationError, KeyError) as exc:
            return replace(proof, reason=str(exc))
        if not form.roots:
            return replace(proof, status="refuted", method="symbolic",
                           reason="the derivation finds no price at all, but the exchange publishes a level")
        price = mode.symbols[form.solve_for].sympy
        ratio, bound = entry.formula.expr, level.level.expr
        specs = {**{s.sympy.name: s for s in mode.symbols.values()}, **{p.sympy.name: p for p in mode.parameters.values()}}
        rng = random.Random(seed)
        method = None
        for root in form.roots:
            method = _equal(ratio.subs(price, root) - bound, specs, rng)
            if isinstance(method, str):
                break
        if not isinstance(method, str):
            point = method or {}
            return replace(proof, status="refuted", method="exact evaluation at random points", counterexample=point,
                           reason=f"the published {entry.name} at the derived price is not the level")
        side = _side(mode, form, price, ratio, bound, level, rows, specs, rng)
        if isinstance(side, dict):
            return replace(proof, status="refuted", method=method, counterexample=side,
                           reason=f"the condition and the published {entry.name} {level.operator} the level disagree "
                                  "beside the derived price (the liquidated side differs)")
        if side is None:
            return replace(proof, method=method, reason="no sample point gave a positive, finite derived price")
        methods.append(method)
        sides.append(side)
    return replace(proof, status="proved", method=_worst(methods), side=_worst(sides))


def _worst(texts: list) -> str:
    return next((t for t in texts if t != "symbolic"), texts[0]) if texts else "none"


def _equal(difference, specs, rng):
    """'symbolic' or the method that proved ``difference`` 0; else a counterexample point (dict) or None."""
    pieces = [p for p in difference.atoms(sympy.Max, sympy.Min, sympy.Abs)]
    held = difference.xreplace({p: sympy.Dummy(f"k{n}", real=True) for n, p in enumerate(pieces)})
    try:
        if sympy.cancel(sympy.together(held)) == 0:
            held_text = ", ".join(sorted(str(p) for p in pieces))
            return "symbolic" if not pieces else \
                f"symbolic ({held_text} held as {'a constant' if len(pieces) == 1 else 'constants'}: every haircut row)"
    except (TypeError, ValueError, NotImplementedError, sympy.PolynomialError):
        pass
    cases = _by_cases(difference, pieces)
    if cases is not None:
        return cases
    symbols = sorted(difference.free_symbols, key=lambda s: s.name)
    tested = 0
    for _ in range(EQUALITY_POINTS * 5):
        if tested >= EQUALITY_POINTS:
            break
        point = {s: _sample(specs.get(s.name), rng) for s in symbols}
        value = difference.subs(point)
        if value.has(sympy.zoo, sympy.nan) or not value.is_Rational:
            continue
        tested += 1
        if value != 0:
            return {s.name: Fraction(int(v.p), int(v.q)) for s, v in point.items()}
    if tested == 0:
        return None
    return f"exact evaluation at {tested} random points"


def _by_cases(difference, pieces) -> str | None:
    """'symbolic, by cases (...)' when ``difference`` cancels to 0 in every case of the signs that decide its
    ``max``/``min``/``abs`` pieces (``max(x, 0)`` and ``min(x, 0)`` are decided by one sign, that of ``x``); None
    otherwise, or with more than three signs.

    >>> x, P = sympy.symbols("x P", real=True)
    >>> _by_cases(sympy.Max(x, 0) + sympy.Min(x, 0) - x, [sympy.Max(x, 0), sympy.Min(x, 0)])
    'symbolic, by cases (x >= 0; x < 0)'
    """
    signs, split = [], {}  # the expressions whose sign decides a piece (each once up to its sign); piece -> (a, b)
    for piece in pieces:
        if isinstance(piece, sympy.Abs):
            split[piece] = (piece.args[0], -piece.args[0])  # |x| is the larger of x and -x
        elif len(piece.args) == 2:
            a, b = piece.args
            split[piece] = (b, a) if a == 0 else (a, b)  # max(x, 0): decided by the sign of x
        else:
            return None
        a, b = split[piece]
        key = a - b if b != -a else a
        if not any(sympy.expand(key - k) == 0 or sympy.expand(key + k) == 0 for k in signs):
            signs.append(key)
    if not signs or len(signs) > 3:
        return None
    for case in range(2 ** len(signs)):
        positive = {k: not (case >> n) & 1 for n, k in enumerate(signs)}
        chosen = {}
        for piece, (a, b) in split.items():
            key = a - b if b != -a else a
            larger = next(p if sympy.expand(key - k) == 0 else not p for k, p in positive.items()
                          if sympy.expand(key - k) == 0 or sympy.expand(key + k) == 0)  # a >= b in this case
            chosen[piece] = (a if larger else b) if not isinstance(piece, sympy.Min) else (b if larger else a)
        try:
            if sympy.cancel(sympy.together(difference.xreplace(chosen))) != 0:
                return None
        except (TypeError, ValueError, NotImplementedError, sympy.PolynomialError):
            return None
    texts = [f"{k} >= 0; {k} < 0" if len(signs) == 1 else f"{k} >= 0 or < 0" for k in signs]
    return f"symbolic, by cases ({'; '.join(texts)})"


def _side(mode, form, price, ratio, bound, level, rows, specs, rng):
    """How many points agreed (text), a disagreeing point (dict), or None when no point could be tested."""
    condition = mode.conditions[level.condition].relation
    tier_symbols = {mode.symbols[name].sympy: column for name, column in mode.tier_symbols.items()}
    symbols = sorted(set().union(condition.free_symbols, ratio.free_symbols, bound.free_symbols,
                                 *(r.free_symbols for r in form.roots)) - {price}, key=lambda s: s.name)
    compare = COMPARE[level.operator]
    denominator = sympy.fraction(ratio)[1]  # as written: Y of X / Y
    tested, row_count = 0, 0
    for row in rows or ((),):
        fixed = {symbol: to_rational(value) for symbol, column in tier_symbols.items()
                 for name, value in row if name == column}
        row_tested = 0
        for _ in range(SIDE_POINTS * 20):
            if row_tested >= SIDE_POINTS:
                break
            point = {s: fixed.get(s, None) if s in fixed else _sample(specs.get(s.name), rng) for s in symbols}
            star = next((v for v in (r.subs(point) for r in form.roots) if v.is_Rational and v > 0), None)
            if star is None:
                continue
            if not denominator.subs(point).subs(price, star) > 0:
                continue
            verdicts = []
            for at in (star * (1 - HAIR), star, star * (1 + HAIR)):
                value, limit = ratio.subs(point).subs(price, at), bound.subs(point)
                if value.has(sympy.zoo, sympy.nan) or not value.is_Rational:
                    break
                verdicts.append((bool(condition.subs(point).subs(price, at)), bool(compare(value, limit)), at))
            if len(verdicts) < 3:
                continue
            row_tested += 1
            for liquidated, published, at in verdicts:
                if liquidated != published:
                    found = {s.name: Fraction(int(v.p), int(v.q)) for s, v in point.items()}
                    found[price.name] = Fraction(int(at.p), int(at.q))
                    return found
        tested += row_tested
        row_count += 1 if row_tested else 0
    if tested == 0:
        return None
    rows_text = f" across {row_count} haircut rows of the catalog" if rows else ""
    return f"side checked exactly at {tested} points{rows_text}, at the price and 1e-9 either side"
