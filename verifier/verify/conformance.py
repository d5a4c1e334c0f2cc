"""A rule's conformance cases in ``check``: each recorded export run by the conformance job
(:func:`verifier.jobs.conformance.run_case`, which is the evaluate job), and what it found put in the check's
report.

A case outside its tolerance is an ``MV530`` finding (exit 1), at the case in the rule file, with ours, theirs and
the difference; a case that cannot be run (its export unreadable, a market or date the catalog lacks) is ``MV531``
invalid input (exit 2), at the case, followed by the reader's own diagnostics in the export file; a recorded
position the rule cannot price (``MV603``: e.g. a wrong formula whose price is no longer an exact number) is an
``MV530`` finding, like a worked example the rule cannot compute.  Every position
of the export is judged: one the exchange gives no price for must have none of ours either.  A case recorded as
refused (``refused:``, the record lacks an input) must be refused with its code, naming that input; it is a finding
when it runs, or is refused for another reason.
"""

from __future__ import annotations

from verifier.errors import VerifierError
from verifier.jobs.conformance import AGREEING, run_case
from verifier.model.numbers import approx_text

UNPRICED = "MV603"
"""The evaluation's code for a position the rule cannot price (a value it cannot compute exactly, a condition it
cannot decide)."""


def run_conformance(report, cases=None) -> None:
    """Run every case of ``report.rule`` (or ``cases``) into ``report`` (a
    :class:`~verifier.verify.check.CheckReport`)."""
    conformance = report.rule.conformance
    if cases is None:
        cases = conformance.cases if conformance is not None else ()
    document = report.rule.document
    for case in cases:
        where = ("conformance", "cases", case.index)
        if case.refused is not None:
            _run_refusal(report, document, case, where)
            continue
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


def _run_refusal(report, document, case, where) -> None:
    """A case recorded as refused: evaluate must refuse it with its code, naming the missing input."""
    refusal = case.refused
    report.conformance_checked += 1
    try:
        run_case(report.rule, case)
    except VerifierError as exc:
        if refusal.matches(exc):
            report.conformance_refused += 1
            return
        report.findings.append(document.diagnostic(
            "MV530", f"conformance case {case.name!r} is recorded as refused for want of {refusal.missing} "
                     f"({refusal.code}), but evaluate refuses it otherwise: {_first_line(exc)}", where + ("refused",),
            hint="check the rule and the recording, or the refusal's code and missing input"))
        return
    report.findings.append(document.diagnostic(
        "MV530", f"conformance case {case.name!r} is recorded as refused for want of {refusal.missing}, but "
                 "evaluate now prices it", where + ("refused",),
        hint="remove 'refused' and give the case the tolerance it reproduces within"))


def disagreement_text(result) -> str:
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
