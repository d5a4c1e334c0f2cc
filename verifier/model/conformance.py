"""Conformance cases: an exchange's own API response, recorded, with the liquidation price the exchange returned.

A rule's ``conformance:`` section lists them (read by :mod:`verifier.read.rule.conformance`); ``check`` runs each
through the path ``evaluate`` takes (:mod:`verifier.verify.conformance`) and compares our price with the
exchange's.  A case is exact unless it states a tolerance, and a tolerance always says why; a gap nobody can
explain is recorded as a disagreement beside the case, never tuned away.

>>> Tolerance().describe(), Tolerance(ticks=Fraction(2), reason="r").describe()
('exact', '2 ticks')
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from fractions import Fraction

from verifier.model.numbers import decimal_text


@dataclass(frozen=True)
class Tolerance:
    """How far our price may be from the exchange's: in the market's ticks, relative to theirs, or both (a price
    is judged by each given); neither: exact."""

    ticks: Fraction | None = None
    relative: Fraction | None = None
    reason: str | None = None

    @property
    def exact(self) -> bool:
        return self.ticks is None and self.relative is None

    def describe(self) -> str:
        if self.exact:
            return "exact"
        parts = []
        if self.ticks is not None:
            parts.append(f"{decimal_text(self.ticks)} tick{'' if self.ticks == 1 else 's'}")
        if self.relative is not None:
            parts.append(f"relative {decimal_text(self.relative)}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Refusal:
    """A recording the rule cannot price from the record alone: evaluate refuses it with ``code``, naming the
    ``missing`` input; ``reason`` says why the record lacks it."""

    code: str
    missing: str
    reason: str

    def matches(self, error) -> bool:
        """Whether ``error`` (a VerifierError) is this refusal: its code, and a diagnostic naming the input."""
        texts = [f"{d.message} {d.hint or ''}" for d in getattr(error, "diagnostics", ())] or [str(error)]
        return error.code == self.code and any(self.missing in text for text in texts)


@dataclass(frozen=True)
class ConformanceCase:
    """One recorded response: the export file (and balance dump), where it was recorded, how it is judged."""

    name: str
    source: str  # a source id of the rule (where the recording is published, with its provenance)
    entry: str  # where in the source the recording is (e.g. a key of a test-fixture file)
    recorded: _dt.date  # when the exchange gave the response
    date: _dt.date  # the date the rule is evaluated on
    file: str  # the export, as a path from the working directory
    file_text: str  # the export as the rule file writes it (relative to the rule's folder)
    balance: str | None = None  # a fetch_balance() dump, as a path from the working directory
    margin_mode: str | None = None  # the margin mode when the export does not say it
    tolerance: Tolerance = Tolerance()
    disagreement: str | None = None  # a known gap nobody has explained, recorded as such
    note: str | None = None
    index: int = 0  # the case's place under conformance.cases
    refused: Refusal | None = None  # the recording is refused as recorded (a missing input named), not priced


@dataclass(frozen=True)
class Conformance:
    """The rule's cases, and a note (why there are none, or what the cases leave out)."""

    cases: tuple = ()
    note: str | None = None
