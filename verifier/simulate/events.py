"""The event log: what happened, when, to which account, why, with the numbers.

>>> e = Event(2, "B-BCH", "liquidation", "margin level 3/4 <= liquidation condition", {"loss": Fraction(200)})
>>> e.to_json()["numbers"]
{'loss': '200'}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


def rounded_text(value: Fraction, places: int) -> str:
    """``value`` rounded half-even to ``places`` decimals, trailing zeros dropped.

    >>> rounded_text(Fraction(250, 3), 4)
    '83.3333'
    """
    scaled = round(value * 10 ** places)
    sign = "-" if scaled < 0 else ""
    text = str(abs(scaled)).rjust(places + 1, "0")
    return f"{sign}{text[:-places]}.{text[-places:]}".rstrip("0").rstrip(".")


def decimal_text(value, places: int | None = None) -> str | None:
    """A Fraction as an exact decimal string when it has one; else ``p/q``, or rounded to ``places``; inf as 'inf'.

    >>> decimal_text(Fraction(17, 16)), decimal_text(Fraction(1, 3)), decimal_text(Fraction(1, 3), 12)
    ('1.0625', '1/3', '0.333333333333')
    """
    if value is None:
        return None
    if isinstance(value, float):
        return "inf" if value > 0 else "-inf"
    value = Fraction(value)
    d = value.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return f"{value.numerator}/{value.denominator}" if places is None else rounded_text(value, places)
    digits = max(twos, fives)
    scaled = abs(value.numerator) * (10 ** digits) // value.denominator
    sign = "-" if value < 0 else ""
    if digits == 0:
        return f"{sign}{scaled}"
    text = str(scaled).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}".rstrip("0").rstrip(".")


@dataclass
class Event:
    """One entry of the log."""

    step: int
    account: str | None
    kind: str
    why: str
    numbers: dict = field(default_factory=dict)
    time: str | None = None

    def to_json(self) -> dict:
        return {"step": self.step, "time": self.time, "account": self.account, "kind": self.kind, "why": self.why,
                "numbers": {k: decimal_text(v) for k, v in self.numbers.items()}}

    def __str__(self) -> str:
        nums = ", ".join(f"{k}={decimal_text(v)}" for k, v in self.numbers.items())
        return f"[{self.account or '-'}] {self.kind}: {self.why}" + (f" ({nums})" if nums else "")
