"""Account state: balances, debts, futures positions and open orders; one dataclass each.

>>> a = Account("A", "alice", "cross", "cross")
>>> a.cash["USDT"] += Fraction(5)
>>> a.is_empty()
False
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction


@dataclass
class Position:
    """A futures position: ``side`` 1 (long) or -1 (short), ``size`` > 0 in base units, average entry price."""

    market: str
    side: int
    size: Fraction
    entry: Fraction
    position_side: str = "both"  # 'both' in one-way mode, 'long'/'short' in hedge mode
    fields: dict = field(default_factory=dict)  # snapshot fields it carries: leverage, takerFeeRate, ...


@dataclass
class Order:
    """An open order (never filled by the simulator: it exists to block mode switches)."""

    id: str
    account: str
    market: str
    side: str
    amount: Fraction
    price: Fraction


@dataclass
class Account:
    """One margin account: the user's cross account, or an isolated account for a pair / position."""

    id: str
    user: str
    kind: str  # 'cross' or 'isolated'
    mode: str  # the rule mode that evaluates it
    market: str | None = None  # isolated: the pair / contract it belongs to
    position_side: str | None = None  # isolated futures in hedge mode: 'long' or 'short'
    cash: dict = field(default_factory=lambda: defaultdict(Fraction))
    debt: dict = field(default_factory=lambda: defaultdict(Fraction))
    interest: dict = field(default_factory=lambda: defaultdict(Fraction))
    positions: dict = field(default_factory=dict)  # (market, position_side) -> Position
    derivatives: dict = field(default_factory=dict)  # unified margin: coin -> snapshot fields of its positions
    allocated: Fraction = Fraction(0)  # net funds moved in (deposits and transfers) minus moved out
    status: str = "normal"
    margin_level: object = None
    liquidations: int = 0
    liquidated_step: int | None = None

    def clone(self) -> "Account":
        """A copy that shares nothing mutable with this one (Fractions are immutable; positions are copied)."""
        copy = Account(self.id, self.user, self.kind, self.mode, self.market, self.position_side,
                       defaultdict(Fraction, self.cash), defaultdict(Fraction, self.debt),
                       defaultdict(Fraction, self.interest),
                       {key: Position(p.market, p.side, p.size, p.entry, p.position_side, dict(p.fields))
                        for key, p in self.positions.items()},
                       {coin: dict(f) for coin, f in self.derivatives.items()},
                       self.allocated, self.status, self.margin_level, self.liquidations, self.liquidated_step)
        return copy

    def is_empty(self) -> bool:
        return not (any(self.cash.values()) or any(self.debt.values()) or any(self.interest.values())
                    or self.positions or any(any(f.values()) for f in self.derivatives.values()))
