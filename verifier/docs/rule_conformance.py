"""The rule page's conformance section: each recorded exchange response, our liquidation price beside the one the
exchange returned, the difference, the tolerance with its reason, and any gap recorded as a disagreement.

The cases are run here as ``check`` runs them (:func:`verifier.verify.conformance.run_case`); a case that cannot
be run is logged (``--strict`` fails the build) and shown as not computed.
"""

from __future__ import annotations

from verifier.docs import problems
from verifier.docs.markup import esc, html_table, number, passed_mark, source_link
from verifier.errors import VerifierError
from verifier.report.numbers import approx_text
from verifier.jobs.conformance import AGREEING, run_case

HEADERS = ["case (position; recorded / evaluated on; source)", "ours", "the exchange's", "difference", "tolerance",
           "result"]


def conformance_section(rule) -> list:
    """Markdown lines: the section (a sentence when the rule has no ``conformance:`` section)."""
    lines = ["## Recorded exchange responses", ""]
    conformance = rule.conformance
    if conformance is None:
        return lines + ["This rule lists no recorded exchange responses.", ""]
    if conformance.note:
        lines += [esc(conformance.note), ""]
    if not conformance.cases:
        return lines
    lines += ["Each case is an exchange's own API response, recorded, run the way `evaluate` runs an export; "
              "*ours* is computed exactly here.", ""]
    rows, gaps = [], []
    for case in conformance.cases:
        rows += _rows(rule, case)
        if case.disagreement:
            gaps.append(f"**{esc(case.name)}**: {esc(case.disagreement)}")
    lines += [html_table(HEADERS, rows), ""]
    for gap in gaps:
        lines += ['!!! warning "Known disagreement"', "", f"    {gap}", ""]
    return lines


def _rows(rule, case) -> list:
    when = f"{esc(case.recorded.isoformat())} / {esc(case.date.isoformat())}"
    tolerance = esc(case.tolerance.describe()) + (f"<br><small>{esc(case.tolerance.reason)}</small>"
                                                  if case.tolerance.reason else "")
    source = f"{source_link(rule, case.source)}, {esc(case.entry).replace('/', '/<wbr>')}"  # a path may wrap at /
    name = esc(case.name) + (f"<br><small>{esc(case.note)}</small>" if case.note else "")

    def described(held="") -> str:
        return name + f"<br><small>{held}{when}; {source}</small>"

    if case.refused is not None:
        return [_refused_row(rule, case, name, when, source)]
    try:
        result = run_case(rule, case)
    except VerifierError as exc:
        reason = problems.report(rule.file, f"conformance case {case.name!r}", exc)
        return [[described(), esc(reason), "", "", tolerance, passed_mark(None)]]
    rows = []
    for position, check in result.checks:
        theirs = esc(check.raw) if check.theirs is not None else "none" + (
            f" (<code>{esc(repr(check.raw))}</code>)" if check.raw is not None else " (null)")
        ours = esc(approx_text(check.ours, 13)) if check.ours is not None else esc(number(None))
        held = esc(f"{position.symbol} {position.side}, {position.margin_mode}; ")
        rows.append([described(held), ours, theirs, _difference(check), tolerance,
                     passed_mark(check.verdict in AGREEING)])
    return rows


def _refused_row(rule, case, name, when, source) -> list:
    """A case the record cannot price: refused as recorded (the missing input named), or a finding when not."""
    refusal = case.refused
    try:
        run_case(rule, case)
        held = False
    except VerifierError as exc:
        held = refusal.matches(exc)
    if not held:
        problems.report(rule.file, f"conformance case {case.name!r}", VerifierError(
            f"recorded as refused for want of {refusal.missing} ({refusal.code}), which evaluate no longer says"))
    ours = f"refused ({esc(refusal.code)}): needs {esc(refusal.missing)}"
    # the columns of _rows: the case (with when and where it was recorded), ours, theirs, difference, tolerance, mark
    return [name + f"<br><small>{when}; {source}</small>", ours, "", "", f"<small>{esc(refusal.reason)}</small>",
            passed_mark(held)]


def _difference(check) -> str:
    if check.difference is None:
        return "—" if check.verdict == "both none" else esc(check.why or "")
    parts = [approx_text(check.difference, 12)]
    if check.ticks is not None:
        parts.append(f"{approx_text(check.ticks, 12)} ticks")
    parts.append(f"relative {approx_text(check.relative, 15)}")
    return "<br>".join(esc(p) for p in parts)
