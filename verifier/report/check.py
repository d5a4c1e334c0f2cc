"""Reporters for ``check``: every diagnostic on one line and a summary line (text), JSON, GitHub annotations.

Each takes the job's :class:`~verifier.verify.check.CheckReport` list and the diagnostics about the paths.

>>> from verifier.errors import Diagnostic
>>> print(render_text([], [Diagnostic("MV100", "no such file or folder", file="x")]), end="")
x:0:0: error[MV100]: no such file or folder (at $)
checked 0 files: 1 problem; 0 of 0 example values match; 0 of 0 published formulas proved
"""

from __future__ import annotations

from verifier.report.diagnostics import github_annotation

LABELS = {"rule": "rule", "catalog": "catalog header", "markets": "catalog shard", "scenario": "scenario",
          "unknown": "unreadable file"}


def _diagnostics(reports, problems) -> list:
    return problems + [d for r in reports for d in r.diagnostics]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_text(reports, problems) -> str:
    diagnostics = _diagnostics(reports, problems)
    errors = [d for d in diagnostics if d.severity == "error"]
    warnings = len(diagnostics) - len(errors)
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
    return "".join(d.render() + "\n" for d in diagnostics) + line + "\n"


def render_json(reports, problems) -> dict:
    diagnostics = _diagnostics(reports, problems)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    return {
        "files": [{"file": r.file, "kind": r.kind, "ok": r.ok, "rule": getattr(r.rule, "id", None),
                   "examples": {"checked": r.examples_checked, "pending": r.examples_pending},
                   "published": {"proved": r.published_proved, "total": r.published_total},
                   "diagnostics": [d.to_json() for d in r.diagnostics]} for r in reports],
        "pathErrors": [d.to_json() for d in problems],
        "summary": {"files": len(reports), "problems": len(diagnostics),
                    "examplesChecked": sum(r.examples_checked for r in reports),
                    "examplesFailed": sum(1 for r in reports for d in r.failures if d.code == "MV500"),
                    "examplesPending": sum(r.examples_pending for r in reports),
                    "warnings": len(diagnostics) - errors,
                    "publishedProved": sum(r.published_proved for r in reports),
                    "publishedFormulas": sum(r.published_total for r in reports)},
    }


def render_github(reports, problems) -> str:
    return "".join(github_annotation(d) + "\n" for d in _diagnostics(reports, problems))
