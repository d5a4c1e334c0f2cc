"""The account-snapshot contract (design.md section 4): the ccxt field names a symbol's reading may use.

A rule symbol says how to read its value from a snapshot position (``snapshot: contracts * contractSize``).
The reading stage parses that reading once, over :data:`FIELD_SYMBOLS`, and stores the SymPy expression on the
symbol (:meth:`verifier.model.SymbolSpec.reading`); derive, simulate and docs evaluate it from there.

>>> from fractions import Fraction
>>> expr = FIELD_SYMBOLS["contracts"] * FIELD_SYMBOLS["contractSize"]
>>> sorted(fields_of(expr)), evaluate_reading(expr, {"contracts": Fraction(3), "contractSize": Fraction(1, 10)})
(['contractSize', 'contracts'], Fraction(3, 10))
>>> evaluate_reading(expr, {"contracts": Fraction(3)}) is None
True
"""

from __future__ import annotations

from fractions import Fraction

import sympy

SNAPSHOT_FIELDS = ("contracts", "contractSize", "entryPrice", "markPrice", "side", "collateral", "walletBalance",
                   "leverage", "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount", "total", "debt",
                   "interest", "price", "notional")
"""ccxt unified field names a symbol's ``snapshot`` reading may use. ``side`` reads long as 1, short as -1."""

FIELD_SYMBOLS = {name: sympy.Symbol(name) for name in SNAPSHOT_FIELDS}
"""The SymPy symbol standing for each field inside a parsed reading."""


def fields_of(expr) -> set[str]:
    """The field names a parsed reading uses."""
    return {symbol.name for symbol in expr.free_symbols}


def evaluate_reading(expr, fields: dict) -> Fraction | None:
    """The exact value of a parsed reading over ``fields`` (name -> number); None when a field it uses is absent."""
    from verifier.model.evaluate import to_fraction, to_rational

    if not fields_of(expr) <= set(fields):
        return None
    return to_fraction(expr.xreplace({FIELD_SYMBOLS.get(name, sympy.Symbol(name)): to_rational(value)
                                      for name, value in fields.items()}))
