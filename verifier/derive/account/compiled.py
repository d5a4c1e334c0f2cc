"""A mode's definitions, conditions and tier basis compiled once to exact arithmetic, for evaluating accounts of
thousands of positions exactly.

SymPy substitution costs about a millisecond a formula; the compiled form (:mod:`verifier.derive.exact`) costs
microseconds with the same exact value.  Whatever cannot be compiled is evaluated by SymPy substitution, which
stays the reference.  Values are keyed by the rule's SymPy symbols.

The arithmetic is GMP rationals' (``gmpy2.mpq``, exact like Fraction and about ten times faster): the inputs, given
as Fractions, are read as mpq and each value is given back as the Fraction of the same number
(:func:`compiled_mode`); :func:`rational_mode` takes and gives mpq throughout, for a solver that works in them.

>>> import datetime
>>> from fractions import Fraction as F
>>> from verifier.read import load_rule
>>> mode = load_rule("binance/usdm-perpetual").mode("isolated")
>>> values = {mode.symbols[n].sympy: F(v) for n, v in {"q": 2, "P": 100, "MMR": "0.01", "cum": 0}.items()}
>>> compiled_mode(mode).value(mode, "maintenance_margin", values)
Fraction(2, 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from gmpy2 import mpq

import sympy

from verifier.derive.exact import as_fraction as _fraction, compile_condition, compile_fraction, compiled_or_none
from verifier.errors import EvaluationError
from verifier.model.evaluate import to_fraction, to_rational


class Undecidable(EvaluationError):
    """A condition that still needs a symbol, or divides by zero, at the values given (``needs``: the names)."""

    def __init__(self, message: str, needs=(), zero: bool = False):
        super().__init__(message)
        self.needs = tuple(needs)
        self.zero = zero


@dataclass(frozen=True)
class CompiledMode:
    """Compiled definitions and conditions of one mode (None where SymPy must evaluate)."""

    definitions: dict
    conditions: dict
    basis: object
    rational: bool = False  # values given back as mpq (rational_mode), else as Fractions

    def value(self, mode, name: str, values: dict) -> Fraction | None:
        """Definition ``name`` at ``values``; None when an input is missing or it divides by zero there."""
        compiled = self.definitions[name]
        if compiled is not None:
            try:
                found = compiled(values)
            except (KeyError, ZeroDivisionError):
                return None
            return found if self.rational else _fraction(found)
        value = mode.definitions[name].expr.xreplace(_rationals(values))
        if value.free_symbols or value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            return None
        return self._given(to_fraction(value))

    def _given(self, value):
        """A Fraction computed by SymPy's path, as this mode gives its values."""
        return mpq(value.numerator, value.denominator) if self.rational and value is not None else value

    def holds(self, mode, name: str, values: dict) -> bool:
        """Condition ``name`` at ``values``, exactly; :class:`Undecidable` when it cannot be decided."""
        relation = mode.conditions[name].relation
        compiled = self.conditions[name]
        if compiled is not None:
            try:
                return compiled(values)
            except KeyError:
                pass  # say which symbols are missing, below
            except ZeroDivisionError:
                raise Undecidable(f"the {name} condition divides by zero at these values", zero=True) from None
        sides = [side.xreplace(_rationals(values)) for side in (relation.lhs, relation.rhs)]
        needs = sorted({s.name for side in sides for s in side.free_symbols})
        if needs:
            raise Undecidable(f"the {name} condition still needs " + ", ".join(needs), needs)
        if any(side.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) for side in sides):
            raise Undecidable(f"the {name} condition divides by zero at these values", zero=True)
        return bool(relation.func(*sides))

    def tier_basis(self, mode, values: dict) -> Fraction | None:
        """The tier basis at ``values`` (None when it cannot be computed there)."""
        if self.basis is not None:
            try:
                found = self.basis(values)
            except (KeyError, ZeroDivisionError):
                return None
            return found if self.rational else _fraction(found)
        value = mode.tier_basis.expr.xreplace(_rationals(values))
        return None if value.free_symbols or value.has(sympy.zoo, sympy.nan) else self._given(to_fraction(value))


def _rationals(values: dict) -> dict:
    return {symbol: to_rational(value) for symbol, value in values.items()}





_CACHE: dict = {}


def compiled_mode(mode, rational: bool = False) -> CompiledMode:
    """The compiled form of ``mode``, built once (keyed by identity: modes live as long as their rule): values
    given as Fractions (or mpq) and given back as Fractions; ``rational``: given back as mpq
    (:func:`rational_mode`)."""
    key = (id(mode), rational)
    entry = _CACHE.get(key)
    if entry is None or entry[0] is not mode:
        def fraction(expr):
            return compile_fraction(expr, mpq)

        def condition(relation):
            return compile_condition(relation, mpq)

        basis = compiled_or_none(fraction, mode.tier_basis.expr) if mode.tier_basis is not None else None
        entry = (mode, CompiledMode({n: compiled_or_none(fraction, d.expr) for n, d in mode.definitions.items()},
                                    {n: compiled_or_none(condition, c.relation) for n, c in mode.conditions.items()},
                                    basis, rational))
        _CACHE[key] = entry
    return entry[1]


def rational_mode(mode) -> CompiledMode:
    """:func:`compiled_mode` over GMP rationals (``gmpy2.mpq``): the same exact values, each operation about ten
    times faster than Fraction's; its values are given and returned as mpq (an mpq equals the Fraction of the same
    value, and ``Fraction(q)`` converts one back).  For a solver that evaluates one state at many prices
    (:mod:`verifier.derive.account.unified_positions`); what cannot be compiled falls back to SymPy as there.

    >>> import sympy
    >>> from gmpy2 import mpq
    >>> from verifier.read import load_rule
    >>> mode = load_rule("binance/usdm-perpetual").mode("isolated")
    >>> values = {mode.symbols[n].sympy: mpq(v) for n, v in {"q": 2, "P": 100, "MMR": "0.01", "cum": 0}.items()}
    >>> rational_mode(mode).value(mode, "maintenance_margin", values)
    mpq(2,1)
    """
    return compiled_mode(mode, rational=True)
