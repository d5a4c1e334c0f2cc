"""What a checked file's diagnostics say, for :class:`~verifier.verify.check.CheckReport` and the cached report
that stands in for it (:mod:`verifier.verify.check_cache`): one definition, in a module light enough for a cached
``check`` (it loads nothing).

>>> from dataclasses import dataclass, field
>>> from verifier.errors import Diagnostic
>>> @dataclass
... class Report(Findings):
...     invalid: list = field(default_factory=list)
...     findings: list = field(default_factory=list)
>>> r = Report(findings=[Diagnostic("MV457", "wide", severity="warning")])
>>> r.ok, len(r.warnings), r.failures
(True, 1, [])
"""

from __future__ import annotations


class Findings:
    """Properties over ``invalid`` (the input is wrong: exit 2) and ``findings`` (what examples and proofs found)."""

    invalid: list
    findings: list

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
