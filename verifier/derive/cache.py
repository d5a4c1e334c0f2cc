"""A cache of derived closed forms keyed by the rule's content hash, the SymPy version and the code's fingerprint.

Files live in the ``derive`` folder of the toolkit's cache (:mod:`verifier.disk_cache`: never inside ``rules/``).
Entries are pickles of our own
:class:`~verifier.derive.derivation.RuleDerivation` objects, written by us into our own cache
directory; that directory is trusted like the installed code (pickle is never used on rule
text or on anything a user hands us).  A corrupt or unreadable entry is ignored and rebuilt.

>>> cache_path("abc").name.startswith("abc-")
True
"""

from __future__ import annotations

import pickle
from pathlib import Path

import sympy

from verifier.code_version import fingerprint
from verifier.disk_cache import DiskCache

CACHE_FORMAT = 2
_MEMORY: dict = {}
_DISK = DiskCache("derive", suffix=".pickle")


def _key(content_hash: str) -> str:
    # the code's fingerprint too: a derivation pickled by other code (another checkout sharing this folder, an older
    # version) is never read as this code's
    return f"{content_hash}-f{CACHE_FORMAT}-sympy{sympy.__version__}-{fingerprint()[:16]}"


def cache_path(content_hash: str) -> Path:
    return _DISK.path(_key(content_hash))


def load(content_hash: str):
    """The cached derivation for ``content_hash``, or None."""
    if content_hash in _MEMORY:
        return _MEMORY[content_hash]
    data = _DISK.read(_key(content_hash))
    if data is None:
        return None
    try:
        value = pickle.loads(data)  # our own file in our own cache dir: see the module docstring
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError):
        return None
    _MEMORY[content_hash] = value
    return value


def store(content_hash: str, value) -> None:
    """Remember ``value`` in memory and on disk (silently skipped when the disk is not writable)."""
    _MEMORY[content_hash] = value
    _DISK.write(_key(content_hash), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def clear_memory() -> None:
    """Forget the in-memory entries (benchmarks use it to measure the disk cache)."""
    _MEMORY.clear()
