"""Verify results kept between runs, so the site shows what ``verify`` found without running it again.

A complete run of one rule file (every property, proofs included) is stored as plain JSON beside the derive
cache (:func:`verifier.derive.cache.cache_dir`), keyed by the rule's content hash, the profile, the
margin-verifier and Hypothesis versions, :data:`FORMAT` and the code's fingerprint
(:func:`verifier.code_version.fingerprint`: any change of the code invalidates stored results). ``verify`` always
runs and then writes; readers (the MkDocs plugin) only read, and compute on a miss.

>>> data = {"format": FORMAT, "rows": []}
>>> valid(data), valid({"format": FORMAT - 1, "rows": []})
(True, False)
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

FORMAT = 2


def _versions() -> str:
    import hypothesis

    from verifier import __version__

    return f"{__version__}-hypothesis{hypothesis.__version__}"


def results_path(rule, profile: str) -> Path:
    """Where the stored result of ``rule`` under ``profile`` lives."""
    from verifier.code_version import fingerprint
    from verifier.derive.cache import cache_dir

    return cache_dir() / f"{rule.content_hash}-verify-{profile}-v{_versions()}-f{FORMAT}-{fingerprint()[:16]}.json"


def report_data(report, profile: str, seconds: float) -> dict:
    """A :class:`~verifier.verify.runner.FileReport` as JSON-ready data."""
    return {
        "format": FORMAT, "profile": profile, "rule": report.rule_id, "file": str(report.file),
        "seconds": round(seconds, 3),
        "diagnostics": [d.message for d in report.diagnostics],
        "rows": [{"name": r.name, "property": r.prop, "mode": r.mode, "status": r.status, "tried": r.tried,
                  "seconds": round(r.seconds, 3), "message": r.message} for r in report.rows],
    }


def valid(data) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("rows"), list)


def load(rule, profile: str) -> dict | None:
    """The stored result, or None (missing, unreadable, another format, or MARGIN_VERIFIER_NO_CACHE set)."""
    if os.environ.get("MARGIN_VERIFIER_NO_CACHE"):
        return None
    try:
        data = json.loads(results_path(rule, profile).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if valid(data) else None


def store(rule, profile: str, data: dict) -> None:
    """Write atomically; a cache that cannot be written is not an error."""
    if os.environ.get("MARGIN_VERIFIER_NO_CACHE"):
        return
    path = results_path(rule, profile)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        os.replace(tmp, path)
    except OSError:
        pass
