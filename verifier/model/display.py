"""How an exchange displays prices: :class:`Display` (tick and rounding), apart from :mod:`verifier.model.rule` so
that evaluation results can be built and read without the formula language (and SymPy) loaded.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

from verifier.errors import SpecError
from verifier.model.numbers import _terminating_places


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
        return _ticks(price, self.price_tick, self.price_rounding) * self.price_tick

    def price_text(self, price: Fraction) -> str:
        """``price`` at the display tick, written with the tick's decimals (``round_price`` then ``fixed_text``, in
        integers: a report writes one a position).

        >>> Display(Fraction(1, 100), "half-even").price_text(Fraction("-26316.885"))
        '-26316.88'
        >>> Display(Fraction(5)).price_text(Fraction(12)), Display(Fraction(1, 10), "up").price_text(Fraction("0.01"))
        ('10', '0.1')
        """
        tick = self.price_tick
        n = _ticks(price, tick, self.price_rounding)
        places = _decimals(tick)
        digits = str(abs(n) * (tick.numerator * 10**places // tick.denominator)).rjust(places + 1, "0")
        text = digits if places == 0 else digits[:-places] + "." + digits[-places:]
        return "-" + text if n < 0 else text

    @property
    def price_decimals(self) -> int | None:
        """How many decimals the tick has (0.01 -> 2), or None without a tick."""
        if self.price_tick is None:
            return None
        return _decimals(self.price_tick)


@functools.lru_cache(maxsize=4096)
def _decimals(tick: Fraction) -> int:
    """How many decimals write ``tick`` exactly (a market's tick is a terminating decimal: the schemas take ticks as
    decimal numbers; anything else is a bug here, not a loop without end)."""
    places = _terminating_places(tick)
    if places is None:
        raise ValueError(f"a price tick must be a terminating decimal, not {tick}")
    return places


def _ticks(price: Fraction, tick: Fraction, rounding: str | None) -> int:
    """How many ticks ``price`` is, rounded as ``rounding`` says (half-up when None), in integers: ``price / tick``
    is ``num / den`` with ``den > 0``; its floor and the rest ``rem / den`` decide.

    >>> [_ticks(Fraction(v), Fraction(1, 2), m) for v, m in (("1.25", None), ("-1.25", None), ("1.25", "half-even"),
    ...  ("1.75", "half-even"), ("-1.1", "toward-zero"), ("1.1", "toward-zero"), ("1.1", "up"), ("1.9", "down"))]
    [3, -2, 2, 4, -2, 2, 3, 3]
    """
    num, den = price.numerator * tick.denominator, price.denominator * tick.numerator
    if den < 0:
        num, den = -num, -den
    floor, rem = divmod(num, den)
    mode = rounding or "half-up"
    if mode == "half-up":
        return floor + (2 * rem >= den)
    if mode == "half-even":
        return floor + (2 * rem > den or (2 * rem == den and floor % 2 == 1))
    if mode == "down":
        return floor
    if mode == "up":
        return floor + (rem > 0)
    if mode == "toward-zero":
        return floor + (rem > 0 and num < 0)
    raise SpecError(f"unknown rounding {mode!r}", code="MV204")  # the schema allows no other value
