"""What "today" is for the reading stage's date checks: a ``retrieved`` or effective date after it is an error.

``$MARGIN_VERIFIER_TODAY`` (YYYY-MM-DD) fixes it, so tests and CI runs are deterministic; otherwise it is the
machine's date (UTC).

>>> import os; os.environ["MARGIN_VERIFIER_TODAY"] = "2026-11-29"; today()
datetime.date(2026, 11, 29)
>>> del os.environ["MARGIN_VERIFIER_TODAY"]
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
