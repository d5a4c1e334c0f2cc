"""The verify stage's results on the site: one report per rule, cached as JSON beside the derive cache.

Running every property of every rule takes about a minute under the deterministic ``ci`` profile, so the
site never runs it twice for the same input: a report is stored under
:func:`verifier.derive.cache.cache_dir` keyed by the rule's content hash, the verifier's version, a digest
of the verifier's own source (a changed property invalidates every report), the Hypothesis version and the
profile. On a miss the report is computed with :func:`verifier.verify.runner.verify_file` (in a few worker
processes when several rules miss at once). Entries are plain JSON, never pickles.

>>> summary([{"status": "pass"}, {"status": "n/a"}, {"status": "pass"}])
'2 pass, 1 n/a'
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

log = logging.getLogger("mkdocs.plugins.margin-verifier")

PROFILE = "ci"  # deterministic: the same rule always shows the same results
FORMAT = 1
_MEMORY: dict = {}
_DIGEST: list = []


def _verifier_digest() -> str:
    """The verifier's version and the Hypothesis version (a changed property library must bump FORMAT or the
    package version; the source is not hashed, so that a colleague's unrelated edit keeps the cache warm)."""
    if not _DIGEST:
        try:
            from importlib.metadata import version

            ver = version("margin-verifier")
        except Exception:  # noqa: BLE001 - not installed as a distribution
            ver = "0"
        import hypothesis

        _DIGEST.append(f"{ver}-hypothesis{hypothesis.__version__}")
    return _DIGEST[0]


def cache_path(rule, profile: str = PROFILE) -> Path:
    from verifier.derive.cache import cache_dir

    return cache_dir() / f"{rule.content_hash}-verify-{profile}-v{_verifier_digest()}-f{FORMAT}.json"


def _compute(file: str, profile: str) -> dict:
    """Run verify on one rule file; the report as JSON-ready data (runs in a worker process)."""
    import time

    from verifier.verify.runner import verify_file

    start = time.perf_counter()
    report = verify_file(file, profile=profile)
    return {
        "format": FORMAT, "profile": profile, "rule": report.rule_id, "file": str(file),
        "seconds": round(time.perf_counter() - start, 3),
        "diagnostics": [d.message for d in report.diagnostics],
        "rows": [{"name": r.name, "property": r.prop, "mode": r.mode, "status": r.status, "tried": r.tried,
                  "seconds": round(r.seconds, 3), "message": r.message} for r in report.rows],
    }


def _load(path: Path):
    if os.environ.get("MARGIN_VERIFIER_NO_CACHE"):
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("rows"), list) \
        else None


def _store(path: Path, data: dict) -> None:
    if os.environ.get("MARGIN_VERIFIER_NO_CACHE"):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        os.replace(tmp, path)
    except OSError:
        pass


def prepare(rules, profile: str = PROFILE, workers: int | None = None) -> dict:
    """Load or compute the report of every rule; misses run in parallel. Returns rule id -> (report, cached)."""
    out, missing = {}, []
    for rule in rules:
        key = (rule.content_hash, profile)
        if key in _MEMORY:
            out[rule.id] = (_MEMORY[key], True)
            continue
        data = _load(cache_path(rule, profile))
        if data is not None:
            _MEMORY[key] = data
            out[rule.id] = (data, True)
        else:
            missing.append(rule)
    if not missing:
        return out
    log.info("margin-verifier: running verify (profile %s) for %d rule(s) not in the cache", profile, len(missing))
    workers = workers or max(1, min(len(missing), os.cpu_count() or 1))
    results = {}
    if workers > 1:
        try:
            import multiprocessing

            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = {rule.id: pool.submit(_compute, rule.file, profile) for rule in missing}
                results = {rid: f.result() for rid, f in futures.items()}
        except Exception as exc:  # noqa: BLE001 - no worker processes here: run in this process
            log.info("margin-verifier: parallel verify unavailable (%s); running serially", exc)
            results = {}
    for rule in missing:
        data = results.get(rule.id)
        if data is None:
            try:
                data = _compute(rule.file, profile)
            except Exception as exc:  # noqa: BLE001 - shown on the page, never fatal
                data = {"format": FORMAT, "profile": profile, "rule": rule.id, "error": f"{type(exc).__name__}: "
                        f"{exc}", "rows": []}
        _MEMORY[(rule.content_hash, profile)] = data
        if "error" not in data:
            _store(cache_path(rule, profile), data)
        out[rule.id] = (data, False)
    return out


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
