"""Reporters for ``check``: the diagnostics and a summary line (text), JSON, GitHub annotations, JUnit XML.

Each takes the job's :class:`~verifier.verify.check.CheckReport` list and the diagnostics about the paths.  In
text the CLI writes :func:`diagnostics` to stderr and :func:`render_summary` to stdout; a diagnostic met by
several files of one run (a catalog's tier-table problem, seen by every rule that uses the catalog) is listed
once.

>>> from verifier.errors import Diagnostic
>>> print(render_text([], [Diagnostic("MV100", "no such file or folder", file="x")]), end="")
x:0:0: error[MV100]: no such file or folder (at $)
checked 0 files: 1 problem; 0 of 0 example values match; 0 of 0 published formulas proved
"""

from __future__ import annotations

from verifier.report.diagnostics import github_annotation

LABELS = {"rule": "rule", "catalog": "catalog header", "markets": "catalog shard", "scenario": "scenario",
          "account": "account snapshot",
          "conformance": "recorded export", "other": "file of another kind", "unknown": "unreadable file",
          "tiers": "old tier file"}


def diagnostics(reports, problems) -> list:
    """Every diagnostic of the run, in order, each once."""
    unique, seen = [], set()
    for d in problems + [d for r in reports for d in r.diagnostics]:
        if d not in seen:
            seen.add(d)
            unique.append(d)
    return unique


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_text(reports, problems) -> str:
    """The diagnostics and the summary, as one text (what a terminal shows of both streams)."""
    return "".join(d.render() + "\n" for d in diagnostics(reports, problems)) + render_summary(reports, problems)


def render_summary(reports, problems) -> str:
    """One line: files checked by kind, problems, examples matched, published formulas proved."""
    found = diagnostics(reports, problems)
    errors = [d for d in found if d.severity == "error"]
    warnings = len(found) - len(errors)
    checked = sum(r.examples_checked for r in reports)
    failed = sum(1 for r in reports for d in r.failures if d.code == "MV500")
    pending = sum(r.examples_pending for r in reports)
    kinds: dict = {}
    for r in reports:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    what = ", ".join(_plural(n, LABELS.get(k, k)) for k, n in sorted(kinds.items()))
    line = f"checked {_plural(len(reports), 'file')}" + (f" ({what})" if what else "")
    line += f": {_plural(len(errors), 'problem')}" + (f" ({_plural(warnings, 'warning')})" if warnings else "")
    line += f"; {checked - failed} of {checked} example values match"
    if pending:
        line += f", {pending} awaiting the derive stage"
    line += (f"; {sum(r.published_proved for r in reports)} of {sum(r.published_total for r in reports)} "
             "published formulas proved")
    definitions = sum(getattr(r, "definitions_total", 0) for r in reports)
    if definitions:  # an exchange's definition of its ratio, met at the derived price (no price formula published)
        line += (f"; {sum(r.definitions_proved for r in reports)} of {definitions} published ratio definitions "
                 "proved at the derived prices")
    cases = sum(getattr(r, "conformance_checked", 0) for r in reports)
    if cases:
        agreed = sum(r.conformance_agreed for r in reports)
        refused = sum(getattr(r, "conformance_refused", 0) for r in reports)
        priced = cases - refused  # a case refused as recorded is not priced: counted apart
        line += f"; {agreed} of {_plural(priced, 'conformance case')} agree" if priced else ""
        if refused:
            line += (", " if priced else "; ") + f"{_plural(refused, 'conformance case')} refused as recorded (an " \
                "input the record lacks)"
    return line + "\n"


def render_json(reports, problems) -> dict:
    found = diagnostics(reports, problems)
    errors = sum(1 for d in found if d.severity == "error")
    return {
        "files": [{"file": r.file, "kind": r.kind, "ok": r.ok, "rule": getattr(r.rule, "id", None),
                   "examples": {"checked": r.examples_checked, "pending": r.examples_pending},
                   "published": {"proved": r.published_proved, "total": r.published_total},
                   "definitions": {"proved": getattr(r, "definitions_proved", 0),
                                   "total": getattr(r, "definitions_total", 0)},
                   "conformance": {"checked": getattr(r, "conformance_checked", 0),
                                   "agreed": getattr(r, "conformance_agreed", 0),
                                   "refused": getattr(r, "conformance_refused", 0)},
                   "diagnostics": [d.to_json() for d in r.diagnostics]} for r in reports],
        "pathErrors": [d.to_json() for d in problems],
        "summary": {"files": len(reports), "problems": errors,  # as the text summary: warnings apart
                    "examplesChecked": sum(r.examples_checked for r in reports),
                    "examplesFailed": sum(1 for r in reports for d in r.failures if d.code == "MV500"),
                    "examplesPending": sum(r.examples_pending for r in reports),
                    "warnings": len(found) - errors,
                    "publishedProved": sum(r.published_proved for r in reports),
                    "publishedFormulas": sum(r.published_total for r in reports),
                    "definitionsProved": sum(getattr(r, "definitions_proved", 0) for r in reports),
                    "publishedDefinitions": sum(getattr(r, "definitions_total", 0) for r in reports),
                    "conformanceChecked": sum(getattr(r, "conformance_checked", 0) for r in reports),
                    "conformanceAgreed": sum(getattr(r, "conformance_agreed", 0) for r in reports),
                    "conformanceRefused": sum(getattr(r, "conformance_refused", 0) for r in reports)},
    }


def render_github(reports, problems) -> str:
    return "".join(github_annotation(d) + "\n" for d in diagnostics(reports, problems))


def render_junit(reports, problems) -> str:
    """One test case per file checked (and per path that does not exist): an ``error`` for invalid input, a
    ``failure`` for a worked example or published formula that disagrees."""
    import xml.etree.ElementTree as ET  # only for this format: a cached text check loads as little as it can
    suite = ET.Element("testsuite", name="margin-verifier check", tests=str(len(reports) + len(problems)),
                       failures=str(sum(1 for r in reports if not r.invalid and r.failures)),
                       errors=str(len(problems) + sum(1 for r in reports if r.invalid)))
    for d in problems:
        case = ET.SubElement(suite, "testcase", name=d.file, classname="path")
        ET.SubElement(case, "error", message=d.message, type=d.code).text = d.render()
    for r in reports:
        case = ET.SubElement(suite, "testcase", name=r.file, classname=r.kind, file=r.file)
        bad = [d for d in r.diagnostics if d.severity == "error"]
        if bad:
            tag = "error" if r.invalid else "failure"
            ET.SubElement(case, tag, message=bad[0].message, type=bad[0].code).text = "\n".join(
                d.render() for d in r.diagnostics)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
