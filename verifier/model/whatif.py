"""What ``compare`` is asked, as plain data: price shocks and paths, and the margin to allocate to isolated positions.

The reading stage builds them (:mod:`verifier.read.whatif`: the ``--shock`` and ``--allocate`` option values and
price-path files); :mod:`verifier.compare` uses them and never sees their text.

A :class:`Shock` is one or more :class:`PriceStep`\\ s applied one after the other once the account stands at its
mark prices.  A step moves markets *from their marks* (``-10%`` is 0.9 times the mark, whatever the step before
did) or sets their prices outright; a market a step does not name stays at its mark.

>>> step = PriceStep("BTC -20%", moves=(Move(Fraction(-1, 10)), Move(Fraction(-1, 5), "BTC")))
>>> step.price("BTC/USDT:USDT", Fraction(60000)), step.price("ETH/USDT:USDT", Fraction(3000))
(Fraction(48000, 1), Fraction(2700, 1))
>>> Shock("-10%", (PriceStep("-10%", moves=(Move(Fraction(-1, 10)),)),)).uniform
Fraction(-1, 10)
>>> Allocation("percent", Fraction(1, 5), "BTC/USDT:USDT").describe()
'BTC/USDT:USDT=20%'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping

from verifier.model.account import Locator, Place, _Unlocated
from verifier.model.numbers import exact_text

ALLOCATION_KINDS = ("initial", "amount", "percent")
"""How an isolated allocation is given: the initial margin at the position's leverage, an amount in the
settlement currency, or a share of that currency's cross wallet."""


def base_of(symbol: str) -> str:
    """The base asset of a ccxt market symbol (``BTC/USDT:USDT`` -> ``BTC``)."""
    return symbol.split("/", 1)[0]


@dataclass(frozen=True)
class Move:
    """A relative move from the mark: ``fraction`` -1/10 is -10 %; ``key`` None moves every market, else one
    market symbol (``BTC/USDT:USDT``) or every market of a base asset (``BTC``)."""

    fraction: Fraction
    key: str | None = None

    def names(self, symbol: str) -> bool:
        return self.key is None or self.key in (symbol, base_of(symbol))


@dataclass(frozen=True)
class PriceStep:
    """One step of a shock: moves from the marks and/or prices set outright (market symbol -> price)."""

    label: str
    moves: tuple = ()  # of Move
    prices: Mapping[str, Fraction] = field(default_factory=dict)
    place: Place = Place()  # where the step is written (a price-path file), for located errors

    def price(self, symbol: str, mark: Fraction) -> Fraction:
        """The market's price in this step: set outright, else moved (a market's own move before its base
        asset's, before the move of every market), else the mark."""
        if symbol in self.prices:
            return self.prices[symbol]
        for rank in (symbol, base_of(symbol), None):
            for move in self.moves:
                if move.key == rank:
                    return mark * (1 + move.fraction)
        return mark

    def keys(self) -> set:
        """Every market symbol or base asset this step names."""
        return {m.key for m in self.moves if m.key is not None} | set(self.prices)


@dataclass(frozen=True)
class Shock:
    """A named sequence of price steps (one step for a ``--shock``, several for a price path)."""

    label: str
    steps: tuple  # of PriceStep
    source: str = "--shock"  # the option, or the price-path file it was read from
    locator: Locator = _Unlocated("<command line>")

    @property
    def uniform(self) -> Fraction | None:
        """The move of a one-step shock that moves every market alike; None for any other shock."""
        if len(self.steps) != 1 or self.steps[0].prices:
            return None
        moves = self.steps[0].moves
        return moves[0].fraction if len(moves) == 1 and moves[0].key is None else None


@dataclass(frozen=True)
class Allocation:
    """The margin an isolated position gets (for positions the account holds in cross).

    ``kind`` is one of :data:`ALLOCATION_KINDS`; ``value`` the amount (settlement currency) or the share of the
    cross wallet (``percent``, a fraction: 1/5 for 20 %); ``symbol`` None for the default of every position.
    """

    kind: str
    value: Fraction | None = None
    symbol: str | None = None

    def describe(self) -> str:
        """As it is written on the command line."""
        if self.kind == "initial":
            text = "initial"
        else:
            text = exact_text(self.value * 100) + "%" if self.kind == "percent" else exact_text(self.value)
        return f"{self.symbol}={text}" if self.symbol else text
