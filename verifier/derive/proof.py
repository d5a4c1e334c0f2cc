"""Proving an exchange's published closed form equivalent to the derived one: :func:`prove_published`.

First symbolic simplification of the difference; if that does not reach 0, exact rational
evaluation at many random points of the symbols' domains.  A mismatch is a counterexample
(``refuted``); agreement everywhere proves equality of the two rational functions with high
probability (Schwartz-Zippel), reported as ``proved`` with that method named.

>>> from verifier.read import load_rule
>>> [(r.quantity, r.status, r.method) for r in prove_published(load_rule("binance/usdm-perpetual"))]
[('liquidation_price', 'proved', 'symbolic'), ('liquidation_price', 'proved', 'symbolic'), ('liquidation_price', 'proved', 'symbolic')]
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, replace
from fractions import Fraction

import sympy

from verifier.derive import cache
from verifier.derive.derivation import derive_rule
from verifier.derive.hedge import hedge_form
from verifier.errors import DerivationError
from verifier.model.evaluate import to_rational

RANDOM_POINTS = 200


@dataclass
class ProofResult:
    quantity: str
    index: int
    modes: tuple
    status: str  # 'proved' | 'refuted' | 'undecided'
    method: str
    counterexample: dict = field(default_factory=dict)  # symbol -> Fraction, plus 'derived'/'published'
    reason: str | None = None


def prove_published(rule, *, points: int = RANDOM_POINTS, seed: int = 0, use_cache: bool = True) -> list[ProofResult]:
    """One :class:`ProofResult` per published formula (per entry, across its modes).

    Results are cached by the rule's derivation key (with the derivation), so a rule whose formulas and symbols
    are unchanged is not re-proved (editing an example or a source, or importing market data, proves nothing
    again).
    """
    formulas = "|".join(f"{q}:{e.index}:{e.modes}:{e.formula.expr}:{sorted(e.where.items())}"
                        for q, entries in rule.published.items() for e in entries)
    key = f"{rule.derivation_key}-proofs-{points}-{seed}-{hashlib.sha256(formulas.encode()).hexdigest()[:16]}"
    if use_cache:
        cached = cache.load(key)
        if cached is not None:
            return [replace(r) for r in cached]
    derivation = derive_rule(rule, use_cache=use_cache)
    results = []
    for quantity, entries in rule.published.items():
        condition = quantity[: -len("_price")] if quantity.endswith("_price") else quantity
        for entry in entries:
            results.append(_prove_entry(rule, derivation, quantity, condition, entry, points, seed))
    if use_cache:
        cache.store(key, [replace(r) for r in results])
    return results


def _prove_entry(rule, derivation, quantity, condition, entry, points, seed) -> ProofResult:
    worst = None
    for mode_name in entry.modes:
        mode = rule.mode(mode_name)
        try:
            if entry.position_mode == "hedge":  # the leg's same-market opposite leg moves with the price too
                form = hedge_form(rule, mode_name, condition, 1)
            else:
                form = derivation.closed_form(mode_name, condition)
        except (DerivationError, KeyError) as exc:
            return ProofResult(quantity, entry.index, entry.modes, "undecided", "none", reason=str(exc))
        named = {sym.name: sym for sym in entry.formula.expr.free_symbols.union(*(r.free_symbols for r in form.roots))}
        where = {}
        for name, value in entry.where.items():
            symbol = (mode.symbols.get(name) or mode.parameters.get(name))
            sym = symbol.sympy if symbol is not None else named.get(name, sympy.Symbol(name))
            where[sym] = to_rational(value)
        published = entry.formula.expr.subs(where)
        roots = [r.subs(where) for r in form.roots]
        result = _compare(mode, roots, published, quantity, entry, points, seed)
        if result.status == "refuted":
            return result
        if worst is None or result.status == "undecided" or (worst.status == "proved" and result.method != "symbolic"):
            worst = result
    return worst or ProofResult(quantity, entry.index, entry.modes, "undecided", "none", reason="no modes")


def _compare(mode, roots, published, quantity, entry, points, seed) -> ProofResult:
    if not roots:
        return ProofResult(quantity, entry.index, entry.modes, "refuted", "symbolic",
                           reason="the derivation finds no root at all, but a formula is published")
    for root in roots:
        method = _symbolic(mode, root, published)
        if method is not None:
            return ProofResult(quantity, entry.index, entry.modes, "proved", method)
    symbols = sorted(set().union(published.free_symbols, *(r.free_symbols for r in roots)), key=lambda s: s.name)
    by_name = {**{s.sympy.name: s for s in mode.symbols.values()}, **{p.sympy.name: p for p in mode.parameters.values()},
               **{name: spec for name, spec in entry.symbols.items()}}
    by_name.update({s.name: by_name[s.name.partition("__")[0]] for s in symbols
                    if "__" in s.name and s.name.partition("__")[0] in by_name})  # a hedge partner leg's symbol
    rng = random.Random(seed)
    tested = 0
    for _ in range(points * 5):
        if tested >= points:
            break
        point = {s: _sample(by_name.get(s.name), rng) for s in symbols}
        pub = published.subs(point)
        if pub.has(sympy.zoo, sympy.nan) or not pub.is_Rational:
            continue
        values = [r.subs(point) for r in roots]
        values = [v for v in values if v.is_Rational]
        if not values:
            continue
        tested += 1
        if all(v != pub for v in values):
            example = {s.name: Fraction(int(v.p), int(v.q)) for s, v in point.items()}
            example["derived"] = Fraction(int(values[0].p), int(values[0].q))
            example["published"] = Fraction(int(pub.p), int(pub.q))
            return ProofResult(quantity, entry.index, entry.modes, "refuted", "exact evaluation at random points",
                               example)
    if tested == 0:
        return ProofResult(quantity, entry.index, entry.modes, "undecided", "exact evaluation at random points",
                           reason="no sample point gave finite values")
    return ProofResult(quantity, entry.index, entry.modes, "proved",
                       f"exact evaluation at {tested} random points (Schwartz-Zippel)")


def _zero(expr) -> bool:
    """True when ``expr`` is identically 0 as a rational function (``cancel`` decides that exactly)."""
    try:
        if sympy.cancel(sympy.together(expr)) == 0:
            return True
        if expr.is_rational_function():  # cancel is a decision procedure there: not identically 0
            return False
        return sympy.simplify(expr) == 0
    except (TypeError, ValueError, NotImplementedError, sympy.PolynomialError):
        return False


def _symbolic(mode, root, published) -> str | None:
    """'symbolic' when ``root - published`` simplifies to 0; else, when it does so in every case of the
    symbols restricted to a few values (``one_of``, e.g. a side s in {1, -1}), the method naming those cases."""
    difference = root - published
    if _zero(difference):
        return "symbolic"
    by_name = {s.sympy.name: s for s in mode.symbols.values()}
    finite = []
    for symbol in sorted(difference.free_symbols, key=lambda s: s.name):
        one_of = getattr(by_name.get(symbol.name), "one_of", None)
        if one_of:
            finite.append((symbol, [to_rational(v) for v in one_of]))
    if not finite or len(finite) > 3:
        return None
    cases = [{}]
    for symbol, values in finite:
        cases = [{**case, symbol: v} for case in cases for v in values]
    if all(_zero(difference.subs(case)) for case in cases):
        names = "; ".join(f"{symbol.name} in {{{', '.join(str(v) for v in values)}}}" for symbol, values in finite)
        return f"symbolic, by cases ({names})"
    return None


def _sample(spec, rng) -> sympy.Rational:
    """A random exact value strictly inside the symbol's domain (or one of its allowed values).

    Every bound narrows the interval (a lower bound is never reset by an upper one: '>= 0 and < 1' samples
    (0, 1)); an open side extends 1000 beyond the other, and a symbol with no domain samples (-1000, 1000).

    >>> import random
    >>> from verifier.model import parse_domain
    >>> class Spec: domain = parse_domain(">= 0 and < 1")
    >>> all(0 < _sample(Spec, random.Random(seed)) < 1 for seed in range(50))
    True
    """
    one_of = getattr(spec, "one_of", None)
    if one_of:
        return to_rational(rng.choice(one_of))
    domain = getattr(spec, "domain", ()) or ()
    lows = [bound for op, bound in domain if op in (">", ">=")]
    highs = [bound for op, bound in domain if op in ("<", "<=")]
    low, high = (max(lows) if lows else None), (min(highs) if highs else None)
    if getattr(spec, "from_tiers", None):  # a tier column: an amount or a rate, never negative
        low = max(low if low is not None else Fraction(0), Fraction(0))
        if str(getattr(spec, "unit", "")) == "1":
            high = min(high if high is not None else Fraction(1), Fraction(1))
    if low is None and high is None:
        low, high = Fraction(-1000), Fraction(1000)
    elif low is None:
        low = high - 1000
    elif high is None:
        high = low + 1000
    return to_rational(low + (high - low) * Fraction(rng.randint(1, 999_999), 1_000_000))
