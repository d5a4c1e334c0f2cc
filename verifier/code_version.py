"""The fingerprint of the code that computed a cached result: the name, size and modification time of every file
of the installed ``verifier`` package, and of SymPy's ``release.py`` (found without importing SymPy).

Every cache keyed by a rule's content (derivations, proofs, stored verify results, check results) is keyed by this
too: a result computed by other code (another checkout sharing ``~/.cache/margin-verifier``, an upgrade, an edit of
the toolkit) is never taken for this code's.  It loads nothing, so a cached ``check`` stays fast.

>>> len(fingerprint()) == 64 and fingerprint() == fingerprint()
True
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

_FINGERPRINT: list = []


def fingerprint() -> str:
    """A SHA-256, computed once a process."""
    if not _FINGERPRINT:
        package = Path(__file__).resolve().parent
        stats = []
        for folder, dirs, names in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if name.endswith((".py", ".json")):
                    info = os.stat(os.path.join(folder, name))
                    stats.append(f"{os.path.relpath(os.path.join(folder, name), package)}:{info.st_size}:"
                                 f"{info.st_mtime_ns}")
        for entry in sys.path:  # SymPy's version decides proofs; its file is found without importing SymPy
            release = os.path.join(entry or ".", "sympy", "release.py")
            if os.path.isfile(release):
                info = os.stat(release)
                stats.append(f"sympy:{info.st_size}:{info.st_mtime_ns}")
                break
        _FINGERPRINT.append(hashlib.sha256("\n".join(stats).encode()).hexdigest())
    return _FINGERPRINT[0]


SOURCE_PARTS = ("derive", "model", "read", "formula", "schemas", "errors.py")
"""The code whose every byte decides what a compiled rule program holds: reading a rule (and its schemas),
deriving and compiling it."""

_SOURCE: list = []


def source_digest() -> str:
    """A SHA-256 of the names and contents of the files of :data:`SOURCE_PARTS` (``.py`` and ``.json``): the same
    on every installation of the same code, unlike :func:`fingerprint` (a shipped program is checked with it)."""
    if not _SOURCE:
        package = Path(__file__).resolve().parent
        digest = hashlib.sha256()
        for part in SOURCE_PARTS:
            top = package / part
            files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.suffix in (".py", ".json")
                                                       and "__pycache__" not in p.parts)
            for path in files:
                digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        _SOURCE.append(digest.hexdigest())
    return _SOURCE[0]
