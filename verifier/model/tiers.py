"""Tier (bracket) tables: which maintenance rate and amount apply to a given notional.

>>> t = TierTable("BTC/USDT:USDT", "[floor, cap)", None, {}, (
...     TierRow(1, Fraction(0), Fraction(50000), {"MMR": Fraction(4, 1000)}),
...     TierRow(2, Fraction(50000), None, {"MMR": Fraction(5, 1000)})), "t.yaml")
>>> t.row_for(Fraction(50000)).number
2
>>> t.row_for(Fraction(49999)).number
1
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class TierRow:
    """One bracket: ``floor``/``cap`` on the basis (``cap`` None = unbounded) and its column values."""

    number: int
    floor: Fraction
    cap: Fraction | None
    values: dict

    def contains(self, basis: Fraction, bounds: str) -> bool:
        if bounds == "[floor, cap)":
            return self.floor <= basis and (self.cap is None or basis < self.cap)
        return self.floor < basis and (self.cap is None or basis <= self.cap)


@dataclass(frozen=True)
class TierTable:
    """The brackets of one market, with the bound convention they use."""

    market: str
    bounds: str
    effective: object
    columns: dict  # column name -> Unit
    rows: tuple
    file: str
    continuity: dict | None = None  # {'rate': column, 'amount': column} when the amounts make the margin continuous

    def row_for(self, basis: Fraction) -> TierRow | None:
        """The row whose interval holds ``basis``, or None when no row does."""
        for row in self.rows:
            if row.contains(basis, self.bounds):
                return row
        return None


@dataclass(frozen=True)
class TierSet:
    """The rule's tier machinery: the basis formula and one table per market."""

    basis_text: str
    basis_definition: str | None  # name of the definition used as basis, when it is a bare name
    tables: dict  # market -> TierTable
    source: str | None

    def table(self, market: str | None) -> TierTable | None:
        if market is None:
            return next(iter(self.tables.values())) if len(self.tables) == 1 else None
        return self.tables.get(market)
