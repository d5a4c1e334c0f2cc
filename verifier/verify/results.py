"""Verify results kept between runs, so the site shows what ``verify`` found without running it again.

A complete run of one rule file (every property, proofs included) is stored as plain JSON in the ``verify``
folder of the toolkit's cache (:mod:`verifier.disk_cache`), keyed by the rule's content hash, the profile, the
margin-verifier and Hypothesis versions, :data:`FORMAT` and the code's fingerprint
(:func:`verifier.code_version.fingerprint`: any change of the code invalidates stored results). ``verify`` always
runs and then writes; readers (the MkDocs plugin) only read, and compute on a miss.

>>> data = {"format": FORMAT, "rows": []}
>>> valid(data), valid({"format": FORMAT - 1, "rows": []})
(True, False)
"""

from __future__ import annotations

import json
from pathlib import Path

from verifier.disk_cache import DiskCache

FORMAT = 2


def _versions() -> str:
    import hypothesis

    from verifier.version import __version__

    return f"{__version__}-hypothesis{hypothesis.__version__}"


_DISK = DiskCache("verify", suffix=".json")


def _key(rule, profile: str) -> str:
    from verifier.code_version import fingerprint

    return f"{rule.content_hash}-{profile}-v{_versions()}-f{FORMAT}-{fingerprint()[:16]}"


def results_path(rule, profile: str) -> Path:
    """Where the stored result of ``rule`` under ``profile`` lives."""
    return _DISK.path(_key(rule, profile))


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
    raw = _DISK.read(_key(rule, profile))
    try:
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    return data if valid(data) else None


def store(rule, profile: str, data: dict) -> None:
    """Write atomically; a cache that cannot be written is not an error."""
    _DISK.write(_key(rule, profile), json.dumps(data, indent=1).encode("utf-8"))
