"""``check``'s result for an unchanged file, kept between runs: a warm check loads neither SymPy nor the schema.

A rule author runs ``check`` on every save; most saves change one file, and most runs check files that did not
change.  The result of checking a file depends on the file's bytes, the bytes of every file the check read
besides it (a rule's market catalog: its header, its shards and the folder's list of them; a scenario's rule), the
toolkit's code, and where rule ids are looked up.  So:

* the **key** is a SHA-256 of :data:`CACHE_FORMAT`, the code's fingerprint
  (:func:`verifier.code_version.fingerprint`), the working directory, ``$MARGIN_VERIFIER_RULES``, the path as
  given, today's date (:func:`verifier.read.today.today`: a date after it is an error), and the file's bytes;
* the **entry** (JSON) holds the files the check read (each with its SHA-256; a folder by its sorted names) and
  the report; it is used only when every one of those files still has the same bytes.

Only a report without invalid input is stored: every file such a check needed existed and was read (and so
recorded by :func:`verifier.read._yaml.recorded_reads`; catalog files through :func:`verifier.read._yaml.note_read`).
Entries live in the ``check`` folder of the toolkit's cache (:mod:`verifier.disk_cache`);
``MARGIN_VERIFIER_NO_CACHE`` turns the cache off.  A corrupt or unreadable entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from verifier.version import __version__
from verifier.code_version import fingerprint
from verifier.disk_cache import DiskCache, enabled
from verifier.errors import Diagnostic
from verifier.verify.findings import COUNTS, Findings
from verifier.read.paths import expand_paths
from verifier.read.today import today

CACHE_FORMAT = 2  # 2: conformance cases counted


_DISK = DiskCache("check", suffix=".json")


@dataclass(frozen=True)
class RuleRef:
    """What a reporter reads of a cached report's rule: its id."""

    id: str


@dataclass
class CachedReport(Findings):
    """A :class:`~verifier.verify.check.CheckReport` read back from the cache (the same fields and properties)."""

    file: str
    kind: str
    rule: RuleRef | None = None


def check_paths_cached(paths) -> tuple[list, list[Diagnostic]]:
    """What :func:`verifier.verify.check.check_paths` returns, each unchanged file's report from the cache."""
    files, problems = expand_paths(paths)
    return [check_file_cached(path) for path in files], problems


def check_file_cached(path):
    """The report of checking ``path``: from the cache when nothing it depends on changed, else checked (and
    stored when its input is valid)."""
    if not enabled():
        from verifier.verify.check import check_file

        return check_file(path)
    key = _key(path)
    report = _load(key) if key else None
    if report is not None:
        return report
    from verifier.read._yaml import recorded_reads
    from verifier.verify.check import check_file  # a miss: now the reading stage, SymPy and the rest are needed

    with recorded_reads() as read:
        report = check_file(path)
    if key and not report.invalid:
        _store(key, report, read - {os.path.realpath(path)})
    return report


def _key(path) -> str | None:
    try:
        content = Path(path).read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256()
    for part in (f"check-cache {CACHE_FORMAT} {__version__}", fingerprint(), os.getcwd(),
                 os.environ.get("MARGIN_VERIFIER_RULES", ""), str(path), os.path.realpath(path),
                 today().isoformat()):  # dates after today are errors (MV405/MV406): a new day checks again
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(content)
    return digest.hexdigest()


def _load(key: str) -> CachedReport | None:
    raw = _DISK.read(key)
    if raw is None:
        return None
    try:
        entry = json.loads(raw)
        for dependency, digest in entry["reads"]:
            if _sha256(dependency) != digest:
                return None
        data = entry["report"]
        return CachedReport(data["file"], data["kind"], RuleRef(data["rule"]) if data["rule"] else None,
                            findings=[_diagnostic(d) for d in data["findings"]],
                            **{name: data[name] for name in COUNTS})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(key: str, report, read: set) -> None:
    reads = [[path, _sha256(path)] for path in sorted(read)]
    if any(digest is None for _, digest in reads):
        return
    rule = getattr(report.rule, "id", None)
    findings = [d.to_json() | {"subject": d.subject, "summary": d.summary} for d in report.findings]
    entry = {"reads": reads, "report": {
        "file": report.file, "kind": report.kind, "rule": rule, "findings": findings, **report.counts()}}
    _DISK.write(key, json.dumps(entry).encode("utf-8"))


def _sha256(path: str) -> str | None:
    """The SHA-256 of a file's bytes, or of a folder's sorted names (a catalog folder: a shard added or removed
    changes the catalog); None when it cannot be read."""
    try:
        if os.path.isdir(path):
            return hashlib.sha256("\0".join(sorted(os.listdir(path))).encode("utf-8", "surrogateescape")).hexdigest()
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _diagnostic(data: dict) -> Diagnostic:
    return Diagnostic(data["code"], data["message"], data["file"], data["line"], data["col"], data["jsonPath"],
                      data["hint"], data["severity"], data.get("subject"), data.get("summary"))
