"""Reporters for ``verify``: text (summary table + counterexamples), JSON, GitHub annotations, JUnit XML.

Each takes the job's :class:`~verifier.verify.runner.FileReport` list, the diagnostics about the paths, the
elapsed seconds and the profile; a failed world property also shows its story as a scenario file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from verifier.errors import Diagnostic
from verifier.report.diagnostics import github_annotation, paint

_MARK = {"pass": "ok", "fail": "FAIL", "error": "ERROR", "skip": "skip", "n/a": "n/a"}
_COLOR = {"pass": "32", "fail": "1;31", "error": "1;31", "skip": "33"}


def diagnostics(reports, problems) -> list:
    """The invalid input of the run (paths that do not exist, files that do not check)."""
    return problems + [d for r in reports for d in r.diagnostics]


def _failures(reports):
    for report in reports:
        for row in report.rows:
            if row.status in ("fail", "error"):
                yield report, row


def render_text(reports, problems, elapsed, profile, *, with_diagnostics: bool = True, color: bool = False) -> str:
    """The rule x property table, the failures with their counterexamples, a summary line; the diagnostics first
    unless ``with_diagnostics`` is off (the CLI writes them to stderr)."""
    out = [d.render() for d in diagnostics(reports, problems)] if with_diagnostics else []
    for report in reports:
        if not report.rows:
            continue
        out.append(f"\n{report.rule_id}  ({report.file})")
        # the rows shown set the column (a long name of a property hidden as not applicable does not widen it)
        width = max((len(r.name) for r in report.rows if r.status != "n/a"), default=0)
        for row in report.rows:
            if row.status == "n/a":
                continue
            note = f"  {row.message}" if row.status in ("skip",) and row.message else ""
            mark = paint(f"{_MARK[row.status]:<5}", _COLOR.get(row.status, "0"), color)
            out.append(f"  {row.name:<{width}}  {mark} {row.tried:>5} tried {row.seconds:7.2f}s{note}")
        hidden = sum(1 for r in report.rows if r.status == "n/a")
        if hidden:
            out.append(f"  ({hidden} property/mode pairs not applicable to this rule)")
    failures = list(_failures(reports))
    for report, row in failures:
        out.append("")
        out.append(f"{report.file}:{row.line}: {row.status}: {row.name}: {row.message}")
        if row.example:
            out.append("  counterexample, ready to paste under 'examples:' (check then reproduces the failure):")
            out.append(row.example_yaml)
        if row.scenario_yaml is not None:
            out.append("  the story as a scenario file (margin-verifier simulate FILE runs it again):")
            out.append(_indented(row.scenario_yaml))
    rows = [row for r in reports for row in r.rows]
    passed = sum(1 for r in rows if r.status == "pass")
    tried = sum(r.tried for r in rows if r.name not in ("examples", "published_proofs", "conformance"))
    out.append("")
    out.append(f"verified {len(reports)} rule file{'s' if len(reports) != 1 else ''} with profile {profile} in "
               f"{elapsed:.1f}s: {passed} passed, {len(failures)} failed, "
               f"{sum(1 for r in rows if r.status == 'skip')} skipped; {tried} generated examples")
    return "\n".join(out).lstrip("\n") + "\n"


def _indented(text: str, pad: str = "    ") -> str:
    return "\n".join(pad + line if line else line for line in text.rstrip("\n").split("\n"))


def render_json(reports, problems, elapsed, profile) -> dict:
    return {
        "profile": profile,
        "seconds": round(elapsed, 3),
        "pathErrors": [d.to_json() for d in problems],
        "rules": [{
            "file": r.file, "rule": r.rule_id, "ok": not (r.invalid or r.failed),
            "diagnostics": [d.to_json() for d in r.diagnostics],
            "results": [{"name": row.name, "property": row.prop, "mode": row.mode, "status": row.status,
                         "examplesTried": row.tried, "seconds": round(row.seconds, 3), "message": row.message,
                         "line": row.line, "counterexample": row.example_yaml, "scenario": row.scenario_yaml}
                        for row in r.rows],
        } for r in reports],
        "summary": {"rules": len(reports), "failed": sum(1 for _ in _failures(reports)),
                    "invalid": sum(1 for r in reports if r.invalid) + len(problems)},
    }


def render_github(reports, problems, elapsed, profile) -> str:
    lines = [github_annotation(d) for d in problems + [d for r in reports for d in r.diagnostics]]
    for report, row in _failures(reports):
        message = row.message + (f"\ncounterexample:\n{row.example_yaml}" if row.example else "") + (
            f"\nscenario:\n{row.scenario_yaml}" if row.scenario_yaml is not None else "")
        lines.append(github_annotation(Diagnostic("MV510", f"{row.name}: {message}", report.file, row.line, 1)))
    return "".join(line + "\n" for line in lines)


def render_junit(reports, problems, elapsed, profile) -> str:
    suites = ET.Element("testsuites", name="margin-verifier verify", time=f"{elapsed:.3f}")
    for d in problems:
        suite = ET.SubElement(suites, "testsuite", name=d.file, tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", name="load", classname=d.file)
        ET.SubElement(case, "error", message=d.message).text = d.render()
    for report in reports:
        rows = [r for r in report.rows if r.status != "n/a"]
        suite = ET.SubElement(suites, "testsuite", name=report.rule_id or report.file,
                              tests=str(len(rows) + (1 if report.diagnostics else 0)),
                              failures=str(sum(1 for r in rows if r.status == "fail")),
                              errors=str(sum(1 for r in rows if r.status == "error") + (1 if report.invalid else 0)),
                              skipped=str(sum(1 for r in rows if r.status == "skip")),
                              time=f"{sum(r.seconds for r in rows):.3f}")
        if report.diagnostics:
            case = ET.SubElement(suite, "testcase", name="check", classname=report.file)
            ET.SubElement(case, "error", message="invalid rule file").text = "\n".join(
                d.render() for d in report.diagnostics)
        for row in rows:
            case = ET.SubElement(suite, "testcase", name=row.name, classname=report.rule_id or report.file,
                                 time=f"{row.seconds:.3f}", file=report.file, line=str(row.line))
            if row.status in ("fail", "error"):
                tag = "failure" if row.status == "fail" else "error"
                ET.SubElement(case, tag, message=row.message).text = (
                    f"{report.file}:{row.line}: {row.message}" + (f"\n{row.example_yaml}" if row.example else "")
                    + (f"\n{row.scenario_yaml}" if row.scenario_yaml is not None else ""))
            elif row.status == "skip":
                ET.SubElement(case, "skipped", message=row.message)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
