"""Formula regimes: the intervals of dates in which a rule's versioned definitions and published formulas stay the
same, so that one rule file answers "as of date D" for the formulas too, not only for the numbers.

A version is in force from ``since`` (None: *open*, as far back as the rule answers) until ``until`` (exclusive;
None: until the next version, or for good).  Between one version's ``until`` and the next one's ``since`` the
rule does not know which formula was in force: a regime with no modes, and a date there is an error, never a
guess.

>>> d = _dt.date.fromisoformat
>>> in_force(d("2023-03-27"), None, d("2023-03-28")), in_force(d("2023-03-28"), None, d("2023-03-28"))
(True, False)
>>> interval_text(None, d("2023-03-28")), interval_text(d("2024-10-10"), None)
('before 2023-03-28', 'from 2024-10-10')
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field


def in_force(date: _dt.date, since: _dt.date | None, until: _dt.date | None) -> bool:
    """Whether ``date`` is inside [since, until) (None at either end: unbounded there)."""
    return (since is None or since <= date) and (until is None or date < until)


def interval_text(since: _dt.date | None, until: _dt.date | None) -> str:
    """[since, until) in words."""
    if since is None and until is None:
        return "on every date"
    if since is None:
        return f"before {until.isoformat()}"
    if until is None:
        return f"from {since.isoformat()}"
    return f"from {since.isoformat()} until {until.isoformat()}"


@dataclass(frozen=True)
class Regime:
    """One interval of dates with its formulas: ``modes`` (name -> ModeView) and ``published`` in force there, or
    ``modes`` None where the rule does not know them all (``why`` says which definition has no version in force).

    Formulas are dated per mode: where some modes' formulas are not known, the others' still are (``partial``,
    with their ``partial_published``; ``missing``: mode name -> (its margin mode, why)), so that a position of a known mode is
    evaluated on that date.  Verification and the docs treat such a regime as unknown (``modes`` None).
    """

    since: _dt.date | None
    until: _dt.date | None
    modes: dict | None
    published: dict
    why: str | None = None
    partial: dict = field(default_factory=dict)
    partial_published: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)

    def holds(self, date: _dt.date) -> bool:
        return in_force(date, self.since, self.until)

    @property
    def label(self) -> str:
        return interval_text(self.since, self.until)
