"""What "today" is for the reading stage's date checks: a ``retrieved`` or effective date after it is an error.

``$MARGIN_VERIFIER_TODAY`` (YYYY-MM-DD) fixes it, so tests and CI runs are deterministic; otherwise it is the
machine's date (UTC).

>>> import os; os.environ["MARGIN_VERIFIER_TODAY"] = "2026-11-29"; today()
datetime.date(2026, 11, 29)
>>> after_today(_dt.date(2027, 1, 1), "effective date")
'effective date 2027-01-01 is after today (2026-11-29)'
>>> after_today(_dt.date(2026, 11, 29), "effective date") is None
True
>>> del os.environ["MARGIN_VERIFIER_TODAY"]

:func:`after_today` and :data:`FUTURE_HINTS` are the one wording of these errors, for rules
(:mod:`verifier.read.rule.plausible`) and market catalogs (:mod:`verifier.read.catalog.shards`, ``import``).
"""

from __future__ import annotations

import datetime as _dt
import os

ENV = "MARGIN_VERIFIER_TODAY"


def today() -> _dt.date:
    """Today's date, or the one ``$MARGIN_VERIFIER_TODAY`` names (a malformed one is ignored)."""
    text = os.environ.get(ENV)
    if text:
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            pass
    return _dt.datetime.now(_dt.timezone.utc).date()


FUTURE_HINTS = {
    "MV405": "a page cannot have been read on a later day than today: check the year",
    "MV406": "undated evaluations use the latest value, so one not yet in force would answer for today; check the "
             "year",
}
"""The hint of a date after today, by code: MV405 a date something was read, MV406 a date something takes effect."""


def after_today(day: _dt.date, what: str) -> str | None:
    """The message for ``day`` (``what``: "retrieved date", "effective date", ...) when it lies after today."""
    now = today()
    if day <= now:
        return None
    return f"{what} {day.isoformat()} is after today ({now.isoformat()})"
