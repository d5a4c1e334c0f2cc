"""A cache of derived closed forms keyed by the rule's content hash, the SymPy version and the code's fingerprint.

Files live under ``$MARGIN_VERIFIER_CACHE``, else ``$XDG_CACHE_HOME/margin-verifier``, else
``~/.cache/margin-verifier`` -- never inside ``rules/``.  Entries are pickles of our own
:class:`~verifier.derive.derivation.RuleDerivation` objects, written by us into our own cache
directory; that directory is trusted like the installed code (pickle is never used on rule
text or on anything a user hands us).  A corrupt or unreadable entry is ignored and rebuilt.

>>> cache_path("abc").name.startswith("abc-")
True
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

import sympy

from verifier.code_version import fingerprint

CACHE_FORMAT = 2
_MEMORY: dict = {}


def cache_dir() -> Path:
    explicit = os.environ.get("MARGIN_VERIFIER_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "margin-verifier"


def cache_path(content_hash: str) -> Path:
    # the code's fingerprint too: a derivation pickled by other code (another checkout sharing this folder, an older
    # version) is never read as this code's
    return cache_dir() / f"{content_hash}-f{CACHE_FORMAT}-sympy{sympy.__version__}-{fingerprint()[:16]}.pickle"


def load(content_hash: str):
    """The cached derivation for ``content_hash``, or None."""
    if content_hash in _MEMORY:
        return _MEMORY[content_hash]
    if os.environ.get("MARGIN_VERIFIER_NO_CACHE"):
        return None
    path = cache_path(content_hash)
    try:
        with open(path, "rb") as handle:
            value = pickle.load(handle)  # our own file in our own cache dir: see the module docstring
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    _MEMORY[content_hash] = value
    return value


def store(content_hash: str, value) -> None:
    """Remember ``value`` in memory and on disk (silently skipped when the disk is not writable)."""
    _MEMORY[content_hash] = value
    if os.environ.get("MARGIN_VERIFIER_NO_CACHE"):
        return
    path = cache_path(content_hash)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass


def clear_memory() -> None:
    """Forget the in-memory entries (benchmarks use it to measure the disk cache)."""
    _MEMORY.clear()
