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

A unified account's totals (:func:`reconcile_total`) are judged by ``rtol`` alone (they have no tick), and a
difference below the step the exchange prints the figure to (its ``resolution``) is none:

>>> rate = Reported(Fraction(0), "0", "info.result.list[0].accountMMRate")
>>> reconcile_total(Fraction(82, 1000000), rate, Fraction(1, 10000), rtol=Fraction(1, 10**6)).verdict
'agree'
>>> check = reconcile_total(Fraction(2, 1000), rate, Fraction(1, 10000), rtol=Fraction(1, 10**6))
>>> check.verdict, check.why
('disagree', 'the exchange prints 0, ours is 0.002 (its resolution 0.0001)')

A printed 0 that ours also is agrees, with or without a resolution (an account with no positions and no loans):

>>> margin = Reported(Fraction(0), "0", "info.result.list[0].totalMaintenanceMargin")
>>> reconcile_total(Fraction(0), margin, rtol=Fraction(1, 10**9)).verdict
'agree'
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


def reconcile_total(ours, reported, resolution=None, rtol=None, tolerance=None) -> Reconciliation:
    """Our account total against the exchange's printed one (``reported.price`` holds the figure): agree within
    ``rtol`` (relative) or below ``resolution``; a tolerance in ticks alone cannot judge it ('unchecked')."""
    theirs, raw, field = reported.price, reported.raw, reported.field
    if ours is None:
        return Reconciliation(None, theirs, raw, field, None, None, None, "unchecked",
                              "ours has no value here (see the account's reason)")
    difference = ours - theirs
    relative = difference / theirs if theirs else None
    if rtol is None:
        if tolerance is None:
            return Reconciliation(ours, theirs, raw, field, difference, None, relative, "not judged")
        return Reconciliation(ours, theirs, raw, field, difference, None, relative, "unchecked",
                              "an account total has no tick: give --rtol to judge it")
    if difference == 0 or resolution is not None and abs(difference) < resolution:  # a printed 0 we also find
        return Reconciliation(ours, theirs, raw, field, difference, None, relative, "agree")
    step = f" (its resolution {decimal_text(resolution)})" if resolution is not None else ""
    if relative is None:
        return Reconciliation(ours, theirs, raw, field, difference, None, relative, "disagree",
                              f"the exchange prints 0, ours is {approx_text(ours, 12)}{step}")
    if abs(relative) > rtol:
        return Reconciliation(ours, theirs, raw, field, difference, None, relative, "disagree",
                              f"relative difference {approx_text(abs(relative), 12)} is more than "
                              f"{decimal_text(rtol)}{step}")
    return Reconciliation(ours, theirs, raw, field, difference, None, relative, "agree")


def reconcile_totals(evaluation, tolerance=None, rtol=None) -> dict:
    """id(total entry) -> :class:`Reconciliation` of each account total of ``evaluation`` the exchange printed."""
    return {id(entry): reconcile_total(entry[2], entry[1], entry[0].resolution, rtol, tolerance)
            for entry in evaluation.totals}
