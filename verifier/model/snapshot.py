"""The account-snapshot contract (verifier/schemas/account.schema.json): the ccxt field names a symbol's reading may use.

A rule symbol says how to read its value from a snapshot position (``snapshot: contracts * contractSize``).
The reading stage parses that reading once, over :data:`FIELD_SYMBOLS`, and stores the SymPy expression on the
symbol (:meth:`verifier.model.SymbolSpec.reading`); derive, simulate and docs evaluate it from there.

>>> from fractions import Fraction
>>> expr = FIELD_SYMBOLS["contracts"] * FIELD_SYMBOLS["contractSize"]
>>> sorted(fields_of(expr)), evaluate_reading(expr, {"contracts": Fraction(3), "contractSize": Fraction(1, 10)})
(['contractSize', 'contracts'], Fraction(3, 10))
>>> evaluate_reading(expr, {"contracts": Fraction(3)}) is None
True

Readings are evaluated for every position of an account (thousands in one file), so each is compiled once to
Fraction arithmetic (:func:`compile_reading`); what cannot be compiled is substituted by SymPy, exactly the same.
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from verifier.model.field_ranges import FIELD_RANGES, range_problem  # noqa: F401 - the snapshot contract's

SNAPSHOT_FIELDS = ("contracts", "contractSize", "entryPrice", "markPrice", "side", "collateral", "walletBalance",
                   "leverage", "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount", "total", "debt",
                   "interest", "price", "notional", "fundingRate", "maintenanceMargin")
"""ccxt unified field names a symbol's ``snapshot`` reading may use. ``side`` reads long as 1, short as -1.
``maintenanceMargin`` of a unified-margin coin: the maintenance margin of the positions settled in it (quote)."""

FIELD_SYMBOLS = {name: sympy.Symbol(name) for name in SNAPSHOT_FIELDS}
"""The SymPy symbol standing for each field inside a parsed reading."""

def fields_of(expr) -> set[str]:
    """The field names a parsed reading uses."""
    return {symbol.name for symbol in expr.free_symbols}


def evaluate_reading(expr, fields: dict) -> Fraction | None:
    """The exact value of a parsed reading over ``fields`` (name -> number); None when a field it uses is absent.

    A division by zero (a leverage of 0 in ``collateral - notional / leverage``) is an :class:`EvaluationError`.
    """
    from verifier.errors import EvaluationError

    compiled = _COMPILED.get(expr)
    if compiled is None:
        compiled = _COMPILED[expr] = compile_reading(expr)
    try:
        return compiled(fields)
    except KeyError:
        return None
    except ZeroDivisionError:
        raise EvaluationError(f"{expr} divides by zero at these values") from None


_COMPILED: dict = {}


def _as_fraction(value) -> Fraction:
    """``Fraction(value)``, without making a new one of a Fraction (a reader's numbers mostly are)."""
    return value if type(value) is Fraction else Fraction(value)


def compile_reading(expr):
    """``fields -> Fraction`` for a parsed reading (numbers, field names, + - * /, integer powers, abs, min, max).

    A field the reading uses and ``fields`` lacks raises KeyError.

    >>> a, b = sympy.symbols("a b")
    >>> compile_reading(abs(a) / b - 1)({"a": Fraction(-3), "b": Fraction(2)})
    Fraction(1, 2)
    """
    if isinstance(expr, sympy.Symbol):
        name = expr.name
        return lambda fields: _as_fraction(fields[name])
    if isinstance(expr, sympy.Rational):
        constant = Fraction(int(expr.p), int(expr.q))
        return lambda fields: constant
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        parts = [compile_reading(arg) for arg in expr.args]
        if isinstance(expr, sympy.Add):
            return lambda fields: sum((part(fields) for part in parts), Fraction(0))
        return lambda fields: _product(part(fields) for part in parts)
    if isinstance(expr, sympy.Pow) and isinstance(expr.exp, sympy.Integer):
        base, exponent = compile_reading(expr.base), int(expr.exp)
        return lambda fields: base(fields) ** exponent
    if isinstance(expr, sympy.Abs):
        inner = compile_reading(expr.args[0])
        return lambda fields: abs(inner(fields))
    if isinstance(expr, (sympy.Min, sympy.Max)):
        parts = [compile_reading(arg) for arg in expr.args]
        pick = min if isinstance(expr, sympy.Min) else max
        return lambda fields: pick(part(fields) for part in parts)
    return lambda fields: _substituted(expr, fields)  # anything else: SymPy, exactly


def _product(values) -> Fraction:
    out = Fraction(1)
    for value in values:
        out *= value
    return out


def _substituted(expr, fields: dict) -> Fraction:
    from verifier.model.evaluate import to_fraction, to_rational

    missing = fields_of(expr) - set(fields)
    if missing:
        raise KeyError(sorted(missing)[0])
    value = expr.xreplace({FIELD_SYMBOLS.get(name, sympy.Symbol(name)): to_rational(value)
                           for name, value in fields.items()})
    if value.has(sympy.zoo, sympy.nan):
        raise ZeroDivisionError(str(expr))
    return to_fraction(value)
