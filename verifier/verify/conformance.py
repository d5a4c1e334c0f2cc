"""Run a rule's conformance cases: each recorded export is read, evaluated and reconciled exactly as ``evaluate``
does (:func:`~verifier.read.positions_file.read_positions` -> :func:`~verifier.derive.account.evaluate_account`
-> :func:`~verifier.derive.reconcile.reconcile_position`), and our liquidation price is judged against the one the
exchange returned, within the case's tolerance.

A case outside its tolerance is an ``MV530`` finding (exit 1), at the case in the rule file, with ours, theirs and
the difference; a case that cannot be run (its export unreadable, a market or date the catalog lacks) is ``MV531``
invalid input (exit 2), at the case, followed by the reader's own diagnostics in the export file; a recorded
position the rule cannot price (``MV603``: e.g. a wrong formula whose price is no longer an exact number) is an
``MV530`` finding, like a worked example the rule cannot compute.  Every position
of the export is judged: one the exchange gives no price for must have none of ours either.

>>> from verifier.read import load_rule
>>> rule = load_rule("okx/inverse-swap")
>>> [result] = [run_case(rule, case) for case in rule.conformance.cases]
>>> result.agrees, [c.verdict for _, c in result.checks]
(True, ['agree'])
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.errors import VerifierError
from verifier.model.numbers import approx_text
from verifier.read._yaml import note_read
from verifier.read.positions_file import read_positions

UNPRICED = "MV603"
"""The evaluation's code for a position the rule cannot price (a value it cannot compute exactly, a condition it
cannot decide)."""

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
    from verifier.derive.account import evaluate_account  # derive loads SymPy's solvers: only when a case runs
    from verifier.derive.reconcile import reconcile_position

    note_read(case.file)  # the check's result depends on the export's bytes (the check cache re-checks on a change)
    if case.balance is not None:
        note_read(case.balance)
    accounts = read_positions(rule, case.file, case.balance, case.margin_mode)
    tolerance = case.tolerance
    rtol = 0 if tolerance.exact else tolerance.relative  # exact: no difference at all, with or without a tick
    checks = []
    for account in accounts.accounts:
        evaluation = evaluate_account(rule, account, date=case.date)
        for position in evaluation.positions:
            check = reconcile_position(position, tolerance.ticks, rtol)
            if check is not None:
                checks.append((position, check))
    checks.sort(key=lambda item: (item[0].index is None, item[0].index or 0))
    return CaseResult(case, tuple(checks))


def run_conformance(report, cases=None) -> None:
    """Run every case of ``report.rule`` (or ``cases``) into ``report`` (a
    :class:`~verifier.verify.check.CheckReport`)."""
    conformance = report.rule.conformance
    if cases is None:
        cases = conformance.cases if conformance is not None else ()
    document = report.rule.document
    for case in cases:
        where = ("conformance", "cases", case.index)
        try:
            result = run_case(report.rule, case)
        except VerifierError as exc:
            if exc.code == UNPRICED:  # the rule cannot price a recorded position: a verdict on the rule, as for
                report.conformance_checked += 1  # an example it cannot compute (MV501), not unreadable input
                report.findings.append(document.diagnostic(
                    "MV530", f"conformance case {case.name!r}: the rule cannot price a recorded position: "
                             f"{_first_line(exc)}", where, hint="check the rule against the recording"))
                continue
            report.invalid.append(document.diagnostic(
                "MV531", f"conformance case {case.name!r} cannot be run: {_first_line(exc)}", where + ("file",),
                hint="the diagnostics that follow are in the export; fix the file or the case's date and margin mode"))
            report.invalid.extend(exc.diagnostics)
            continue
        report.conformance_checked += 1
        if not result.checks:
            report.findings.append(document.diagnostic(
                "MV530", f"conformance case {case.name!r}: the export has no position with the exchange's "
                         "liquidation price", where + ("file",), hint="record a response that carries one"))
        elif result.agrees:
            report.conformance_agreed += 1
        else:
            report.findings.append(document.diagnostic(
                "MV530", f"conformance case {case.name!r}: {disagreement_text(result)}", where,
                hint="check the rule against the recording, or the case's tolerance and its reason"))


def disagreement_text(result: CaseResult) -> str:
    """What disagrees, per position: ours, theirs, the difference and why it fails."""
    parts = []
    for position, check in result.checks:
        if check.verdict in AGREEING:
            continue
        ours = approx_text(check.ours, 15) if check.ours is not None else "none"
        theirs = approx_text(check.theirs, 15) if check.theirs is not None else f"none ({check.raw!r})"
        text = f"{position.symbol} {position.side}: ours {ours}, the exchange's {theirs}"
        if check.difference is not None:
            text += f", difference {approx_text(check.difference, 12)}"
        parts.append(f"{text} ({check.why}; allowed: {result.case.tolerance.describe()})")
    return "; ".join(parts)


def _first_line(exc: VerifierError) -> str:
    if exc.diagnostics:
        first = exc.diagnostics[0]
        return f"{first.message} ({first.file}:{first.line})"
    return str(exc) + (f"; hint: {exc.hint}" if exc.hint else "")
