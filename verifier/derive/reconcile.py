"""Our liquidation price beside the exchange's own: the difference in ticks and relative, and a verdict.

The exchange's price (``Position.reported``, read where the rule's ``ccxt:`` section says) is never an input; it is
what our price is checked against.  ``tolerance`` (ticks of the market) and ``rtol`` (relative) are what a caller
allows; a price is judged by every tolerance that applies to it.  A market with no tick (Hyperliquid) cannot be
judged in ticks: it is judged by ``rtol`` if given, else left ``unchecked`` (said so, never passed silently).

>>> from verifier.model.account import Reported
>>> check = reconcile(Fraction(100), Fraction(1, 10), Reported(Fraction("100.2"), "100.2", "info.liqPx"), tolerance=1)
>>> check.verdict, check.ticks, check.relative
('disagree', Fraction(-2, 1), Fraction(-1, 501))
>>> reconcile(None, None, Reported(None, "0", "info.liquidationPrice")).verdict
'both none'
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verifier.model.numbers import approx_text, decimal_text

VERDICTS = ("agree", "both none", "disagree", "unchecked", "not judged", "no price from the exchange")
"""'not judged': no tolerance was given (the difference is shown, nothing fails)."""


@dataclass(frozen=True)
class Reconciliation:
    """One position: ours, the exchange's (``theirs``; None with ``raw`` saying how it was given), and how far apart."""

    ours: Fraction | None
    theirs: Fraction | None
    raw: object
    field: str
    difference: Fraction | None  # ours - theirs
    ticks: Fraction | None  # the difference in the market's ticks (None: no tick known)
    relative: Fraction | None  # the difference over theirs
    verdict: str  # one of VERDICTS
    why: str | None = None  # for 'disagree' and 'unchecked'

    @property
    def failed(self) -> bool:
        return self.verdict == "disagree"


def reconcile(ours, tick, reported, tolerance=None, rtol=None) -> Reconciliation:
    """Compare our exact price with the exchange's ``reported`` one (see the module)."""
    theirs, raw, field = reported.price, reported.raw, reported.field
    judged = tolerance is not None or rtol is not None
    if theirs is None or ours is None:
        if theirs is None and ours is None:
            return Reconciliation(ours, theirs, raw, field, None, None, None, "both none")
        if not judged:
            return Reconciliation(ours, theirs, raw, field, None, None, None, "no price from the exchange"
                                  if theirs is None else "disagree", "only one side has a price")
        why = "the exchange reports none" if theirs is None else "the exchange reports a price and we have none"
        return Reconciliation(ours, theirs, raw, field, None, None, None, "disagree", why)
    difference = ours - theirs
    ticks = difference / tick if tick else None
    relative = difference / theirs
    problems, checked = [], False
    if tolerance is not None and ticks is not None:
        checked = True
        if abs(ticks) > tolerance:
            problems.append(f"{approx_text(abs(ticks), 12)} ticks apart, more than {decimal_text(tolerance)}")
    if rtol is not None:
        checked = True
        if abs(relative) > rtol:
            problems.append(f"relative difference {approx_text(abs(relative), 12)} is more than {decimal_text(rtol)}")
    if problems:
        return Reconciliation(ours, theirs, raw, field, difference, ticks, relative, "disagree", "; ".join(problems))
    if not judged:
        return Reconciliation(ours, theirs, raw, field, difference, ticks, relative, "not judged")
    if not checked:
        return Reconciliation(ours, theirs, raw, field, difference, ticks, relative, "unchecked",
                              "the market has no tick: give --rtol to judge it")
    return Reconciliation(ours, theirs, raw, field, difference, ticks, relative, "agree")


def reconcile_position(position, tolerance=None, rtol=None) -> Reconciliation | None:
    """A :class:`~verifier.derive.account.PositionEvaluation` against its exchange price (None: the file has none)."""
    if position.reported is None:
        return None
    return reconcile(position.liquidation_price, position.display.price_tick, position.reported, tolerance, rtol)
