"""What a checked file's diagnostics say, for :class:`~verifier.verify.check.CheckReport` and the cached report
that stands in for it (:mod:`verifier.verify.check_cache`): one definition, in a module light enough for a cached
``check`` (it loads nothing).

>>> from verifier.errors import Diagnostic
>>> r = Findings(findings=[Diagnostic("MV457", "wide", severity="warning")], examples_checked=3)
>>> r.ok, len(r.warnings), r.failures, r.counts()["examples_checked"]
(True, 1, [], 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field

COUNTS = ("examples_checked", "examples_pending", "published_proved", "published_total", "definitions_proved",
          "definitions_total", "conformance_checked",
          "conformance_agreed", "conformance_refused")
"""The numbers a check report carries besides its diagnostics (the cache stores them by these names)."""


@dataclass(kw_only=True)
class Findings:
    """``invalid`` (the input is wrong: exit 2), ``findings`` (what examples, proofs and conformance cases found)
    and the counts of what was checked; keyword-only, so a report's own positional fields come first."""

    invalid: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    examples_checked: int = 0
    examples_pending: int = 0
    published_proved: int = 0
    published_total: int = 0
    definitions_proved: int = 0  # published ratio definitions met at the derived price (verifier.derive.definitions)
    definitions_total: int = 0
    conformance_checked: int = 0  # recorded exchange responses run (verifier.verify.conformance)
    conformance_agreed: int = 0
    conformance_refused: int = 0  # cases refused as recorded (the missing input named)

    def counts(self) -> dict:
        return {name: getattr(self, name) for name in COUNTS}

    @property
    def failures(self) -> list:
        return [d for d in self.findings if d.severity == "error"]

    @property
    def warnings(self) -> list:
        return [d for d in self.invalid + self.findings if d.severity == "warning"]

    @property
    def diagnostics(self) -> list:
        """Everything, in the order a reader wants it: invalid input first, then the findings."""
        return self.invalid + self.findings

    @property
    def ok(self) -> bool:
        """No errors (warnings, e.g. an undecided proof, do not make a file fail)."""
        return not any(d.severity == "error" for d in self.diagnostics)
