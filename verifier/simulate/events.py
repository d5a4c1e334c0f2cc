"""The event log: what happened, when, to which account, why, with the numbers (Fractions; the report stage
writes them).

>>> e = Event(2, "B-BCH", "liquidation", "the rule's liquidation condition holds", {"loss": Fraction(200)})
>>> e.kind, e.numbers["loss"]
('liquidation', Fraction(200, 1))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction  # noqa: F401 - for the doctest


@dataclass
class Event:
    """One entry of the log; ``numbers`` are Fractions (a margin level may be ``inf``)."""

    step: int
    account: str | None
    kind: str
    why: str
    numbers: dict = field(default_factory=dict)
    time: str | None = None
