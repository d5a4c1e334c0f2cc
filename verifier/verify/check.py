"""The ``check`` job: read files, run the worked examples, prove the published formulas; one :class:`CheckReport`
per file.

What the read stage found is *invalid input* (``CheckReport.invalid``); what running the examples and proofs found
are *findings*: failures (a worked example or a published formula disagrees, severity ``error``) and warnings (an
undecided proof).  A scenario file is also asked of the simulator: can it drive the rule on the scenario's date?

>>> [report] = check_paths(["rules/okx/linear-swap.yaml"])[0]
>>> report.kind, report.invalid, report.failures, report.examples_checked, report.published_proved
('rule', [], [], 3, 1)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from verifier.errors import Diagnostic, VerifierError
from verifier.model.evaluate import EvaluationError, evaluate, holds
from verifier.model.numbers import approx_text
from verifier.read import check_file as read_file_checked
from verifier.read import expand_paths
from verifier.verify.conformance import run_conformance
from verifier.verify.coverage import coverage_warnings
from verifier.verify.findings import Findings
from verifier.verify.scenarios import binding_problems


@dataclass
class CheckReport(Findings):
    """What checking one file found.

    ``invalid``: the input is wrong (exit 2); ``findings``: what the examples and proofs found, in the order found
    (``failures`` are its errors, exit 1; ``warnings`` never change the exit code).
    """

    file: str
    kind: str  # 'rule', 'tiers', 'scenario' or 'unknown'
    rule: object = None


def check_file(path, *, proofs: bool = True) -> CheckReport:
    """Check one file of any kind; never raises for bad input."""
    result = read_file_checked(path)
    report = CheckReport(result.file, result.kind, result.rule, invalid=list(result.diagnostics))
    if result.kind == "scenario" and result.ok:
        report.invalid += binding_problems(path)
    if result.rule is not None:
        run_examples(report)
        run_conformance(report)
        if proofs and report.ok:
            run_proofs(report)
        report.findings += coverage_warnings(result.rule)  # last: a failure is read first
    return report


def check_paths(paths) -> tuple[list[CheckReport], list[Diagnostic]]:
    """Check every file under ``paths``; returns (reports, diagnostics about the paths themselves)."""
    files, problems = expand_paths(paths)
    return [check_file(path) for path in files], problems


def run_proofs(report: CheckReport) -> None:
    """Prove each published formula of the rule; 'refuted' -> MV502 error, 'undecided' -> MV503 warning."""
    from verifier.derive import prove_published  # derive loads SymPy's solvers: only when a rule is proved

    rule = report.rule
    if rule.published_definitions:
        run_definition_proofs(report)
    if not any(view.published for view in rule.dated_views()):
        return
    try:
        proofs = [p for view in rule.dated_views() for p in prove_published(view)]
    except (VerifierError, ArithmeticError, TypeError, ValueError, NotImplementedError) as exc:
        report.findings.append(dataclasses.replace(rule.document.diagnostic(
            "MV503", f"the published formulas could not be proved: {exc}", ("published",)), severity="warning"))
        return
    for proof in proofs:
        path = ("published", proof.quantity, proof.index, "formula")
        modes = ", ".join(proof.modes)
        report.published_total += 1
        if proof.status == "proved":
            report.published_proved += 1
        elif proof.status == "refuted":
            report.findings.append(rule.document.diagnostic(
                "MV502", f"published {proof.quantity} ({modes}) differs from the derived one: "
                         f"{_counterexample(proof)}", path,
                hint="check the transcription of the exchange's formula (signs, which symbols) and its 'where'"))
        else:
            found = rule.document.diagnostic(
                "MV503", f"published {proof.quantity} ({modes}) is neither proved nor refuted"
                         f"{': ' + proof.reason if proof.reason else ''} ({proof.method})", path)
            report.findings.append(dataclasses.replace(
                found, severity="warning", summary="published formulas neither proved nor refuted",
                subject=f"{found.file}:{found.line}:{found.col} ({proof.quantity}, {modes})"))


def run_definition_proofs(report: CheckReport) -> None:
    """Prove each level of each published ratio definition at the derived price; 'refuted' -> MV504 error,
    'undecided' -> MV503 warning."""
    from verifier.derive import prove_definitions  # derive loads SymPy's solvers: only when a rule is proved

    rule = report.rule
    try:
        proofs = prove_definitions(rule)
    except (VerifierError, ArithmeticError, TypeError, ValueError, NotImplementedError) as exc:
        report.findings.append(dataclasses.replace(rule.document.diagnostic(
            "MV503", f"the published definitions could not be proved: {exc}", ("published",)), severity="warning"))
        return
    for proof in proofs:
        path = ("published", proof.key, proof.index, "levels", proof.condition)
        modes = ", ".join(proof.modes)
        report.definitions_total += 1
        if proof.status == "proved":
            report.definitions_proved += 1
        elif proof.status == "refuted":
            point = ", ".join(f"{name} = {approx_text(value)}" for name, value in proof.counterexample.items())
            report.findings.append(rule.document.diagnostic(
                "MV504", f"published {proof.name} ({modes}) does not meet its {proof.condition} level at the derived "
                         f"price: {proof.reason}" + (f", at {point}" if point else ""), path,
                hint="the condition and the exchange's definition differ: check which terms each has"))
        else:
            found = rule.document.diagnostic(
                "MV503", f"published {proof.name} ({modes}) at the {proof.condition} level is neither proved nor "
                         f"refuted{': ' + proof.reason if proof.reason else ''} ({proof.method})", path)
            report.findings.append(dataclasses.replace(
                found, severity="warning", summary="published definitions neither proved nor refuted",
                subject=f"{found.file}:{found.line}:{found.col} ({proof.key}, {proof.condition})"))


def _counterexample(proof) -> str:
    example = dict(proof.counterexample)
    if not example:
        return proof.reason or f"refuted by {proof.method}"
    derived, published = example.pop("derived", None), example.pop("published", None)
    point = ", ".join(f"{name} = {approx_text(value)}" for name, value in example.items())
    text = f"at {point}" if point else "at a sample point"
    if derived is not None and published is not None:
        text += f" the derivation gives {approx_text(derived)} but the formula gives {approx_text(published)}"
    return text


def run_examples(report: CheckReport, examples=None) -> None:
    """Run the rule's worked examples (or ``examples``); a mismatch is an MV500 finding, a value that cannot be
    computed an MV501 finding, each at the example."""
    rule = report.rule
    for example in rule.examples if examples is None else examples:
        for key, expected in example.expect.items():
            finding = _run_example(rule, example, key, expected, report)
            if finding is not None:
                report.findings.append(finding)


def _run_example(rule, example, key, expected, report) -> Diagnostic | None:
    mode = rule.at(example.date).mode(example.mode)  # the read stage checked the date has formulas
    path = ("examples", example.index, "expect", key)
    try:
        if key in mode.conditions:
            actual = holds(mode, key, example.given, date=example.date, tiers=rule.tiers, market=example.market)
            report.examples_checked += 1
            if actual == expected:
                return None
            operator = mode.conditions[key].operator
            return rule.document.diagnostic(
                "MV500", f"example {example.name!r}: expected {key} to {'hold' if expected else 'not hold'}, but it "
                         f"does{'' if actual else ' not'} (the condition compares with {operator!r})", path,
                hint="on a boundary, '<' and '<=' differ: check the condition's operator and its source")
        if key in mode.definitions:
            actual = evaluate(mode, key, example.given, date=example.date, tiers=rule.tiers, market=example.market)
        else:
            from verifier.derive import example_price  # derive loads SymPy's solvers: only for '<condition>_price'

            actual = example_price(rule, example, key)
    except EvaluationError as exc:
        return rule.document.diagnostic("MV501", f"example {example.name!r}: cannot compute {key}: {exc}", path)
    report.examples_checked += 1
    if actual is None:
        return rule.document.diagnostic(
            "MV500", f"example {example.name!r}: expected {key} = {approx_text(expected)}, but there is none", path)
    if abs(actual - expected) > example.tolerance:
        return rule.document.diagnostic(
            "MV500", f"example {example.name!r}: expected {key} = {approx_text(expected)} "
                     f"(tolerance {approx_text(example.tolerance)}), computed {approx_text(actual)}",
            path, hint="check the inputs under 'given', the formula, or the tolerance")
    return None
