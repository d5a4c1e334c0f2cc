"""Which catalog files have been checked already, by content hash, so an unchanged catalog is checked once.

A market catalog holds thousands of tier rows; checking every row against the schema and the tier invariants
takes about a second per thousand markets, reading it with :mod:`json` a few milliseconds.  Once a file's exact
bytes (with its catalog header's) pass, a marker named by their hash is kept in memory and in the ``checked-catalogs`` folder
of the toolkit's cache (:mod:`verifier.disk_cache`; never inside ``rules/``); a file whose bytes change has another hash and is checked again.  The marker is an empty file:
nothing is ever loaded from the cache.  ``MARGIN_VERIFIER_NO_CACHE`` keeps the markers in memory only.

>>> key = content_key(b"header", b"shard")
>>> was_checked(key), mark_checked(key), was_checked(key)
(False, None, True)
>>> forget(key)
"""

from __future__ import annotations

import hashlib

from verifier.disk_cache import DiskCache

FORMAT = b"margin-verifier market catalog format 1\n"
_MEMORY: set = set()


def content_key(*parts: bytes) -> str:
    """The hash naming a file checked together with its header (any change of either gives another key)."""
    digest = hashlib.sha256(FORMAT)
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


_DISK = DiskCache("checked-catalogs")


def was_checked(key: str) -> bool:
    if key in _MEMORY:
        return True
    if _DISK.exists(key):
        _MEMORY.add(key)
        return True
    return False


def mark_checked(key: str) -> None:
    """Remember that the bytes named by ``key`` passed every check (on disk when it is writable)."""
    _MEMORY.add(key)
    _DISK.write(key, b"")


def forget(key: str) -> None:
    """Forget ``key`` (tests and benchmarks use it to measure a first check)."""
    _MEMORY.discard(key)
    _DISK.remove(key)


def forget_memory() -> None:
    _MEMORY.clear()
