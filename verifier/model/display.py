"""How an exchange displays prices: :class:`Display` (tick and rounding), apart from :mod:`verifier.model.rule` so
that evaluation results can be built and read without the formula language (and SymPy) loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verifier.errors import SpecError


@dataclass(frozen=True)
class Display:
    """How the exchange displays prices: tick size and rounding direction.

    >>> d = Display(Fraction(1, 100), "half-even")
    >>> d.round_price(Fraction("26316.885")), d.price_decimals
    (Fraction(657922, 25), 2)
    >>> Display(Fraction(1, 10), "up").round_price(Fraction("1.01"))
    Fraction(11, 10)
    """

    price_tick: Fraction | None = None
    price_rounding: str | None = None

    def round_price(self, price: Fraction) -> Fraction:
        """``price`` at the display tick, rounded as the rule says (half-up when it says nothing)."""
        if self.price_tick is None:
            return price
        units = price / self.price_tick
        floor = units.numerator // units.denominator
        rest = units - floor
        mode = self.price_rounding or "half-up"
        if mode == "half-up":
            n = floor + (rest >= Fraction(1, 2))
        elif mode == "half-even":
            n = floor + (rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1))
        elif mode == "down":
            n = floor
        elif mode == "up":
            n = floor + (rest > 0)
        elif mode == "toward-zero":
            n = floor + (rest > 0 and units < 0)
        else:  # the schema allows no other value
            raise SpecError(f"unknown rounding {mode!r}", code="MV204")
        return n * self.price_tick

    @property
    def price_decimals(self) -> int | None:
        """How many decimals the tick has (0.01 -> 2), or None without a tick."""
        if self.price_tick is None:
            return None
        decimals = 0
        while (self.price_tick * 10**decimals).denominator != 1:
            decimals += 1
        return decimals
