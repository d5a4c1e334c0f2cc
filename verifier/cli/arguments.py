"""Argument values the verbs share, checked once: a bad one is a usage error (MV002, exit 2).

>>> parse_date("2024-08-12"), parse_date(None)
(datetime.date(2024, 8, 12), None)
"""

from __future__ import annotations

import datetime as dt

from verifier.errors import Diagnostic, UsageError


def parse_date(text: str | None) -> dt.date | None:
    """``--date YYYY-MM-DD`` as a date (None when not given)."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError("bad date", [Diagnostic("MV002", f"--date {text!r} is not YYYY-MM-DD",
                                                 file="<command line>", hint="e.g. --date 2024-08-12")]) from None
