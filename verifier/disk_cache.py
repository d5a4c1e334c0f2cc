"""One on-disk cache mechanism for every cache of the toolkit: where it lives, keys to files, atomic writes, a bound.

Four caches use it, each in a folder of its own under the cache directory: derivations (``derive``), stored
``verify`` results (``verify``), ``check`` results (``check``) and markers of catalog shards already validated
(``checked-catalogs``).  What each stores and how it builds its key is its own business; this module only keeps the
bytes.  It loads nothing heavy, so a cached ``check`` stays fast.

The directory is ``$MARGIN_VERIFIER_CACHE``, else ``$XDG_CACHE_HOME/margin-verifier``, else
``~/.cache/margin-verifier`` -- never inside ``rules/`` or the installed package.  ``MARGIN_VERIFIER_NO_CACHE``
turns every cache off (reads miss, writes are skipped).  A cache that cannot be read or written is no cache, not an
error: every failure is a miss.

>>> import tempfile, os
>>> os.environ["MARGIN_VERIFIER_CACHE"] = tempfile.mkdtemp()
>>> cache = DiskCache("example", suffix=".txt", max_entries=2)
>>> cache.write("a", b"1"); cache.read("a")
b'1'
>>> cache.write("b", b"2"); cache.write("c", b"3"); len(list(cache.folder.iterdir()))
2
>>> del os.environ["MARGIN_VERIFIER_CACHE"]
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


def cache_dir() -> Path:
    """$MARGIN_VERIFIER_CACHE, else $XDG_CACHE_HOME/margin-verifier, else ~/.cache/margin-verifier."""
    explicit = os.environ.get("MARGIN_VERIFIER_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "margin-verifier"


def enabled() -> bool:
    """False when ``MARGIN_VERIFIER_NO_CACHE`` is set: no cache is read or written."""
    return not os.environ.get("MARGIN_VERIFIER_NO_CACHE")


@dataclass(frozen=True)
class DiskCache:
    """Entries of one cache: ``folder/<key><suffix>``, at most ``max_entries`` of them (the least recently written
    go first when a write passes the bound)."""

    name: str
    suffix: str = ""
    max_entries: int = 5_000

    @property
    def folder(self) -> Path:
        return cache_dir() / self.name

    def path(self, key: str) -> Path:
        return self.folder / f"{key}{self.suffix}"

    def read(self, key: str) -> bytes | None:
        """The entry's bytes, or None (missing, unreadable, or caching off)."""
        if not enabled():
            return None
        try:
            return self.path(key).read_bytes()
        except OSError:
            return None

    def exists(self, key: str) -> bool:
        return enabled() and self.path(key).is_file()

    def write(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically (a reader never sees half an entry); silently nothing when the
        folder cannot be written or caching is off."""
        if not enabled():
            return
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temporary, target)
            except BaseException:
                _unlink(Path(temporary))
                raise
            self._bound()
        except OSError:
            pass

    def remove(self, key: str) -> None:
        _unlink(self.path(key))

    def _bound(self) -> None:
        """Keep at most ``max_entries`` entries: the oldest written go (checked only past the bound's count)."""
        entries = [p for p in self.folder.iterdir() if p.name.endswith(self.suffix) and not p.name.endswith(".tmp")]
        if len(entries) <= self.max_entries:
            return
        entries.sort(key=_mtime)
        for old in entries[: len(entries) - self.max_entries]:
            _unlink(old)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
