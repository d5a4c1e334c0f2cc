"""The ``verify`` job: for each rule file, check + worked examples + published proofs + every applicable property.

>>> report = verify_file("rules/okx/linear-swap.yaml", profile="dev", only=["published_formula_equals_derivation"])
>>> [(row.name, row.status) for row in report.rows if row.name.startswith("published")]
[('published_proofs', 'pass'), ('published_formula_equals_derivation[isolated]', 'pass'), ('published_formula_equals_derivation[cross]', 'n/a')]
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis.errors import Unsatisfiable

from verifier.errors import Diagnostic
from verifier.read import check_file as read_checked
from verifier.read import expand_paths
from verifier.verify import profiles as _profiles  # noqa: F401 - registers dev/ci/thorough
from verifier.verify import results
from verifier.verify.check import check_file
from verifier.verify.properties import Violation, properties
from verifier.verify.rows import Row, hypothesis_settings, no_source_constants
from verifier.verify.story_runs import run_world_properties
from verifier.verify.stories.strategy import stories
from verifier.verify.strategies import from_rule


@dataclass
class FileReport:
    """What ``verify`` found in one file: ``diagnostics`` say why the input is invalid (exit 2); ``rows`` what
    each check and property found (a failed row: exit 1)."""

    file: str
    rule_id: str | None = None
    diagnostics: list = field(default_factory=list)
    rows: list = field(default_factory=list)

    @property
    def invalid(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    @property
    def failed(self) -> bool:
        return any(r.failed for r in self.rows)


def run_property(prop, rule, mode_name, profile: str) -> Row:
    """Run one property with Hypothesis; the shrunk counterexample (if any) comes back as an examples: entry
    (case properties) or as the failing story's scenario (world properties)."""
    label = f"{prop.name}[{mode_name}]" if mode_name else prop.name
    strategy = from_rule(rule, mode_name) if prop.kind == "case" else stories(rule)
    seen = {"tried": 0, "last": None}

    @hypothesis_settings(profile)
    @given(strategy)
    def check(value):
        from hypothesis.errors import UnsatisfiedAssumption
        try:
            prop.func(rule, value)
        except Violation as exc:
            seen["last"] = (exc, value)  # the last failing input Hypothesis tries is the shrunk one
            seen["tried"] += 1
            raise
        except UnsatisfiedAssumption:
            raise
        seen["tried"] += 1

    line = rule.locate(*prop.path)[0] if rule.document is not None else 0
    start = time.perf_counter()
    try:
        with no_source_constants():
            check()
    except Violation:
        exc, value = seen["last"]
        if exc.path:
            line = rule.locate(*exc.path)[0]
        return Row(label, "fail", seen["tried"], time.perf_counter() - start, exc.message, line, exc.example,
                   prop.name, mode_name, exc.scenario)
    except Unsatisfiable:
        return Row(label, "skip", 0, time.perf_counter() - start, "no generated input met the property's conditions",
                   line, None, prop.name, mode_name)
    except Exception as exc:  # noqa: BLE001 - a property that crashes is reported, never a traceback
        return Row(label, "error", seen["tried"], time.perf_counter() - start, f"{type(exc).__name__}: {exc}", line,
                   None, prop.name, mode_name)
    return Row(label, "pass", seen["tried"], time.perf_counter() - start, "", line, None, prop.name, mode_name)


def _examples_row(checked, seconds) -> Row:
    failures = [d for d in checked.failures if d.code != "MV530"]  # a conformance case has a row of its own
    if failures:
        return Row("examples", "fail", checked.examples_checked, seconds, "; ".join(d.message for d in failures),
                   failures[0].line, prop="examples")
    return Row("examples", "pass", checked.examples_checked, seconds, prop="examples")


def _conformance_row(checked) -> Row:
    """The rule's recorded exchange responses (run by the check, :mod:`verifier.verify.conformance`)."""
    failures = [d for d in checked.failures if d.code == "MV530"]
    if failures:
        return Row("conformance", "fail", checked.conformance_checked, 0.0, "; ".join(d.message for d in failures),
                   failures[0].line, prop="conformance")
    return Row("conformance", "pass", checked.conformance_checked, 0.0, prop="conformance")


def _proofs_row(rule) -> Row:
    """The published price formulas proved equal to the derivation, and the published ratio definitions proved to
    meet their levels at the derived prices (:mod:`verifier.derive.definitions`): one row."""
    from verifier.derive import prove_definitions, prove_published

    start = time.perf_counter()
    try:
        results = [r for view in rule.dated_views() for r in prove_published(view)]
        definitions = prove_definitions(rule)
    except Exception as exc:  # noqa: BLE001
        return Row("published_proofs", "error", 0, time.perf_counter() - start, f"{type(exc).__name__}: {exc}",
                   rule.locate("published")[0], prop="published_proofs")
    seconds = time.perf_counter() - start
    refuted = [d for d in definitions if d.status == "refuted"]
    if refuted:
        d = refuted[0]
        shown = ", ".join(f"{k}={v}" for k, v in d.counterexample.items())
        return Row("published_proofs", "fail", len(results) + len(definitions), seconds,
                   f"published {d.name} ({'/'.join(d.modes)}) does not meet its {d.condition} level at the derived "
                   f"price: {d.reason}" + (f" at {shown}" if shown else ""),
                   rule.locate("published", d.key, d.index)[0], prop="published_proofs")
    refuted = [r for r in results if r.status == "refuted"]
    if refuted:
        r = refuted[0]
        shown = ", ".join(f"{k}={v}" for k, v in r.counterexample.items())
        return Row("published_proofs", "fail", len(results), seconds,
                   f"published {r.quantity} #{r.index + 1} ({'/'.join(r.modes)}) differs from the derivation"
                   + (f": {r.reason}" if r.reason else "") + (f" at {shown}" if shown else ""),
                   rule.locate("published", r.quantity, r.index)[0], prop="published_proofs")
    undecided = [f"{r.quantity} #{r.index + 1}: undecided ({r.reason})" for r in results if r.status == "undecided"]
    undecided += [f"{d.key} #{d.index + 1} {d.condition}: undecided ({d.reason})"
                  for d in definitions if d.status == "undecided"]
    count = len(results) + len(definitions)
    return Row("published_proofs", "pass" if count else "skip", count, seconds,
               "; ".join(undecided) or ("" if count else "no published formulas"), prop="published_proofs")


def verify_file(path, *, profile: str = "ci", only=None, progress=None, proofs: bool = True) -> FileReport:
    """Verify one rule file; ``only``: property names to run (None: all); ``progress(text)`` is told what runs;
    ``proofs=False`` leaves out the published-formula proofs (for quick targeted runs)."""
    start = time.perf_counter()
    checked = check_file(path, proofs=False)  # the proofs are a row of their own
    report = FileReport(str(path), diagnostics=list(checked.invalid))
    if checked.kind != "rule" or checked.rule is None or report.invalid:
        return report
    rule = checked.rule
    report.rule_id = rule.id
    report.rows.append(_examples_row(checked, time.perf_counter() - start))
    if rule.conformance is not None and rule.conformance.cases:
        report.rows.append(_conformance_row(checked))
    if proofs:
        report.rows.append(_proofs_row(rule))
    skips = rule.verify_skip
    known = {p.name for p in properties()}
    for name in skips:
        if name not in known:
            report.diagnostics.append(rule.document.diagnostic(
                "MV470", f"verify.skip names no property {name!r}", ("verify", "skip", name), at_key=True,
                hint="one of: " + ", ".join(sorted(known))))
    if report.invalid:
        return report
    world = []  # (row index, property): world properties run together, on stories they share
    for prop in properties():
        if only is not None and prop.name not in only:
            continue
        modes = list(rule.modes) if prop.kind == "case" else [None]
        for mode_name in modes:
            label = f"{prop.name}[{mode_name}]" if mode_name else prop.name
            if prop.name in skips:
                report.rows.append(Row(label, "skip", message=f"skipped by the rule file: {skips[prop.name]}",
                                       prop=prop.name, mode=mode_name))
                continue
            reason = prop.applies(rule, rule.mode(mode_name) if mode_name else None)
            if reason:
                report.rows.append(Row(label, "n/a", message=reason, prop=prop.name, mode=mode_name))
                continue
            if prop.kind == "world":
                world.append((len(report.rows), prop))
                report.rows.append(None)  # its row, once the shared stories have run
                continue
            if progress:
                progress(f"{rule.id}: {label}")
            report.rows.append(run_property(prop, rule, mode_name, profile))
    if world:
        if progress:
            progress(f"{rule.id}: {len(world)} world properties on shared stories")
        for (at, _), row in zip(world, run_world_properties([prop for _, prop in world], rule, profile)):
            report.rows[at] = row
    if only is None and proofs:  # a complete run: keep it for readers such as the site
        results.store(rule, profile, results.report_data(report, profile, time.perf_counter() - start))
    return report


def verify_paths(paths, *, profile: str = "ci", only=None, progress=None, jobs: int | None = None
                 ) -> tuple[list, list[Diagnostic]]:
    """Verify every rule file under ``paths``, in ``jobs`` worker processes (default: one per CPU); the reports
    come back in file order whatever order the workers finish in, so the output is the same for any ``jobs``."""
    files, problems = expand_paths(paths)
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(files) > 1:
        reports = _verify_parallel(files, profile, only, progress, jobs)
    else:
        reports = [verify_file(path, profile=profile, only=only, progress=progress) for path in files]
    # a tier table or scenario file is checked through the rule that uses it
    return [r for r in reports if r.rule_id is not None or r.diagnostics], problems


def _verify_one(path, profile, only) -> FileReport:
    """One file in a worker process; a failed story's scenario travels as text (the model objects stay here)."""
    report = verify_file(path, profile=profile, only=only)
    for row in report.rows:
        if row.scenario is not None:
            row.scenario_text, row.scenario = row.scenario_yaml, None
    return report


def _verify_parallel(files, profile, only, progress, jobs) -> list:
    """The files' reports in file order, computed by a pool of ``jobs`` processes, the slowest files first."""
    order = sorted(range(len(files)), key=lambda i: -_expected_seconds(files[i], profile))
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    reports = [None] * len(files)
    with ProcessPoolExecutor(min(jobs, len(files)), mp_context=context) as pool:
        futures = {pool.submit(_verify_one, files[i], profile, only): i for i in order}
        for future in as_completed(futures):
            reports[futures[future]] = future.result()
            if progress:
                progress(f"{files[futures[future]]}: done")
    return reports


def _expected_seconds(path, profile) -> float:
    """How long the file took when last verified (stored results), else its size: to start the slow ones first."""
    size = float(os.path.getsize(path)) / 1e6
    checked = read_checked(path)
    if checked.rule is None:
        return size
    data = results.load(checked.rule, profile)
    return float(data.get("seconds", size)) if data else size
