"""Argument values the verbs share, checked once: a bad one is a usage error (MV002, exit 2).

>>> parse_date("2024-08-12"), parse_date(None)
(datetime.date(2024, 8, 12), None)
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from verifier.errors import Diagnostic, UsageError


def parse_date(text: str | None, option: str = "--date") -> dt.date | None:
    """``--date YYYY-MM-DD`` (or another date ``option``) as a date (None when not given)."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError("bad date", [Diagnostic("MV002", f"{option} {text!r} is not YYYY-MM-DD",
                                                 file="<command line>", hint="e.g. 2024-08-12")]) from None


def parse_decimal(text: str, option: str) -> Fraction:
    """A positive decimal option value, exactly, under the reading layer's limits (as a number in a file).

    >>> parse_decimal("0.5", "--x")
    Fraction(1, 2)
    """
    from verifier.read.inputs import command_line_number

    value = command_line_number(text, option, "e.g. 10000")
    if value <= 0:
        raise UsageError("bad number", [Diagnostic("MV002", f"{option} {text!r} is not a positive number",
                                                   file="<command line>", hint="e.g. 10000")])
    return value
