"""The conformance job: a rule's recorded exchange response run through the evaluate job, our liquidation price
beside the one the exchange returned, judged within the case's tolerance.

>>> from verifier.read import load_rule
>>> rule = load_rule("okx/inverse-swap")
>>> result = run_case(rule, rule.conformance.cases[0])  # the isolated case (the cross one is refused as recorded)
>>> result.agrees, [c.verdict for _, c in result.checks]
(True, ['agree'])
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.jobs.evaluate import evaluate_file
from verifier.read._yaml import note_read

AGREEING = ("agree", "both none")
"""Verdicts of :func:`~verifier.derive.reconcile.reconcile` that pass a case."""


@dataclass(frozen=True)
class CaseResult:
    """One case run: each position of the export with its reconciliation (ours beside the exchange's)."""

    case: object  # verifier.model.conformance.ConformanceCase
    checks: tuple  # (PositionEvaluation, Reconciliation) per position, in the export's order

    @property
    def agrees(self) -> bool:
        return bool(self.checks) and all(check.verdict in AGREEING for _, check in self.checks)


def run_case(rule, case) -> CaseResult:
    """Evaluate one case the way ``evaluate`` does; raises the reader's or the evaluation's
    :class:`~verifier.errors.VerifierError` when it cannot be run."""
    note_read(case.file)  # the check's result depends on the export's bytes (the check cache re-checks on a change)
    if case.balance is not None:
        note_read(case.balance)
    tolerance = case.tolerance
    rtol = 0 if tolerance.exact else tolerance.relative  # exact: no difference at all, with or without a tick
    result = evaluate_file(rule, case.file, balance=case.balance, margin_mode=case.margin_mode, date=case.date,
                           tolerance=tolerance.ticks, rtol=rtol)
    checks = [(position, result.checks[id(position)]) for evaluation in result.evaluations
              for position in evaluation.positions if result.checks.get(id(position)) is not None]
    checks.sort(key=lambda item: (item[0].index is None, item[0].index or 0))
    return CaseResult(case, tuple(checks))
