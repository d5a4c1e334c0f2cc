"""The verify stage's results on the site: one report per rule, cached as JSON beside the derive cache.

Running every property of every rule takes about a minute under the deterministic ``ci`` profile, so the
site reads what the last ``margin-verifier verify`` run stored (:mod:`verifier.verify.results`: plain JSON
keyed by the rule's content hash, profile and versions). On a miss the report is computed with
:func:`verifier.verify.runner.verify_file` (in a few worker processes when several rules miss at once), which
stores it in turn.

>>> summary([{"status": "pass"}, {"status": "n/a"}, {"status": "pass"}])
'2 pass, 1 n/a'
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from verifier.verify import results as stored_results
from verifier.verify.results import report_data
from verifier.verify.runner import verify_file

log = logging.getLogger("mkdocs.plugins.margin-verifier")

PROFILE = "ci"  # deterministic: the same rule always shows the same results
_MEMORY: dict = {}


def _compute(file: str, profile: str) -> dict:
    """Run verify on one rule file (in a worker process); verify itself stores the result for next time."""
    start = time.perf_counter()
    report = verify_file(file, profile=profile)
    return report_data(report, profile, time.perf_counter() - start)


def prepare(rules, profile: str = PROFILE, workers: int | None = None) -> dict:
    """Load or compute the report of every rule; misses run in parallel. Returns rule id -> (report, cached)."""
    out, missing = {}, []
    for rule in rules:
        key = (rule.content_hash, profile)
        if key in _MEMORY:
            out[rule.id] = (_MEMORY[key], True)
            continue
        data = stored_results.load(rule, profile)
        if data is not None:
            _MEMORY[key] = data
            out[rule.id] = (data, True)
        else:
            missing.append(rule)
    if not missing:
        return out
    log.info("margin-verifier: running verify (profile %s) for %d rule(s) not in the cache", profile, len(missing))
    workers = workers or max(1, min(len(missing), os.cpu_count() or 1))
    results = _compute_parallel(missing, profile, workers) if workers > 1 else {}
    for rule in missing:
        data = results.get(rule.id) or _compute(rule.file, profile)  # a verify error is a row; a crash is loud
        _MEMORY[(rule.content_hash, profile)] = data
        out[rule.id] = (data, False)
    return out


def _compute_parallel(rules, profile: str, workers: int) -> dict:
    """rule id -> report, computed in worker processes; {} where this machine cannot start them (then: serially)."""
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {rule.id: pool.submit(_compute, rule.file, profile) for rule in rules}
            return {rid: f.result() for rid, f in futures.items()}
    except (OSError, NotImplementedError, BrokenProcessPool) as exc:  # no worker processes here
        log.info("margin-verifier: parallel verify unavailable (%s); running serially", exc)
        return {}


def report_for(rule, profile: str = PROFILE) -> dict:
    """The (cached) verify report of one rule."""
    return prepare([rule], profile, workers=1)[rule.id][0]


def rows_for_mode(report: dict, mode: str | None) -> list:
    """Rows that concern ``mode``: the mode's own property rows plus the rule-wide ones (mode None)."""
    return [r for r in report.get("rows", []) if r.get("mode") in (None, mode)]


def summary(rows) -> str:
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    order = ["pass", "fail", "error", "skip", "n/a"]
    return ", ".join(f"{counts[s]} {s}" for s in order if s in counts) or "nothing run"
