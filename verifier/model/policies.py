"""Exchange policies a rule states as data: how loans accrue interest, and whether a liquidation is charged a fee.

The amounts come from the rule's own definitions (``liquidation_fee`` in a mode, the interest definition named
here); a policy says *when* and *how* they apply, with its source.  A rule that charges nothing says so
(:class:`NotCharged`, with why): the simulator never assumes a fee or interest the rule does not state.

>>> Interest("hourly_interest", "at-borrow", "interest-first", "cross-guide").charged_at_borrow
True
>>> Policies().interest is None, NotCharged("the sources give none").why
(True, 'the sources give none')
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_HOUR = ("at-borrow", "at-next-hour")
"""When a loan's first (started) hour is charged: when the loan is made, or at the next full hour."""

REPAY_ORDER = ("interest-first", "principal-first")
"""What a repayment pays off first."""


@dataclass(frozen=True)
class Interest:
    """Loans accrue interest every hour: ``per_hour`` names the definition giving one hour's interest on a
    loan's principal; it is charged at every full hour of the clock, the first hour as ``first_hour`` says."""

    per_hour: str
    first_hour: str  # one of FIRST_HOUR
    repay: str  # one of REPAY_ORDER
    source: str

    @property
    def charged_at_borrow(self) -> bool:
        return self.first_hour == "at-borrow"


@dataclass(frozen=True)
class NotCharged:
    """The rule charges none of this (interest, or a liquidation fee): ``why`` says so in words."""

    why: str
    source: str | None = None


@dataclass(frozen=True)
class Policies:
    """``interest``: Interest, NotCharged or None (the rule does not say; spot margin must);
    ``liquidation_fee``: NotCharged, or None (a mode's ``liquidation_fee`` definition is the fee)."""

    interest: Interest | NotCharged | None = None
    liquidation_fee: NotCharged | None = None
