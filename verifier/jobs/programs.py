"""Where the evaluate job finds a rule's compiled program (:mod:`verifier.derive.account.program`) without loading
the rule: in this process, in the toolkit's cache, or shipped with the package -- else it loads the rule, builds
the program and keeps it.

A program is what the rule's files say, compiled by this code, so it is found only while both are what it was
built from:

* **in the cache** (the ``programs`` folder of :mod:`verifier.disk_cache`): the key is a SHA-256 of
  :data:`STORE_FORMAT`, the code's fingerprint (:func:`verifier.code_version.fingerprint`), the rule file's real
  path and its bytes; the entry lists every file loading the rule read (the rule, its market catalog's header,
  shards and folder, a shipped rule it replaces: :func:`verifier.read._yaml.recorded_reads`) with its SHA-256, and
  the day it was built; it is used only while every one of those files has the same bytes and today is not before
  that day (a date after today is an error when a rule is read: a day earlier could refuse what was read);
* **shipped** (``verifier/jobs/compiled/<exchange>/<product>.program``, written by
  ``tools/compile-shipped-rules.py``): for a shipped rule, the same entry with the files named relative to the
  shipped rules' folder, the latest day those files name in place of the day it was built, and the SHA-256 of the
  code that reads, derives and compiles rules (:func:`verifier.code_version.source_digest`) in place of the
  fingerprint: used only while the rule, its catalog
  and that code are byte for byte what it was built from (``tests/jobs/test_programs.py`` fails when they are not:
  run the tool again).

Finding a program loads neither SymPy nor YAML nor the schema validator; a miss loads the rule (all of them).

>>> handle = RuleHandle("binance/usdm-perpetual")
>>> handle.program.rule_id
'binance/usdm-perpetual'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from verifier.code_version import fingerprint, source_digest
from verifier.disk_cache import DiskCache, enabled

STORE_FORMAT = 1
"""Bumped when an entry's layout changes (the program's own format is ``PROGRAM_FORMAT``)."""

SHIPPED = Path(__file__).resolve().parent / "compiled"
"""The shipped programs, one per shipped rule: ``<rule id>.program``."""

_DISK = DiskCache("programs", suffix=".program", max_entries=200)
_MEMORY: dict = {}  # key -> program


class RuleHandle:
    """A rule as the evaluate job uses it: its compiled ``program`` (found or built when first asked for) and the
    loaded ``rule`` (loaded only when something needs it: the reference evaluation; a ccxt export's mapping when the
    program does not carry it, :class:`~verifier.derive.account.program.CcxtRule`).

    ``rule`` is a loaded :class:`~verifier.model.rule.Rule`, a rule file or a rule id."""

    def __init__(self, rule):
        self._rule = rule if hasattr(rule, "modes") else None
        self.ref = None if self._rule is not None else rule
        self._program = None

    @property
    def rule(self):
        if self._rule is None:
            self._rule = getattr(self._program, "_source_rule", None)  # loaded already to build the program
        if self._rule is None:
            from verifier.read import load_rule

            self._rule = load_rule(self.ref)
        return self._rule

    @property
    def program(self):
        if self._program is None:
            self._program = program_of(self._rule) if self._rule is not None else program_for(self.ref)
        return self._program

    def fields_read(self) -> dict:
        """``mode -> margin mode -> frozenset`` of the position fields each mode reads: the program's list when it
        is at hand, else the loaded rule's (:func:`verifier.derive.account.program.fields_read`)."""
        if self._program is None and self._rule is not None:
            from verifier.derive.account.program import fields_read

            return fields_read(self._rule)
        return self.program.reads

    @property
    def id(self) -> str:
        return self._rule.id if self._rule is not None else self.program.rule_id


def program_of(rule):
    """The program of a loaded rule (built once per rule object in this process)."""
    entry = _MEMORY.get(id(rule))
    if entry is None or entry[0] is not rule:
        from verifier.derive.account.program import build_program  # (imported only to build: asked once an account)

        if len(_MEMORY) > 256:
            _MEMORY.clear()
        entry = _MEMORY[id(rule)] = (rule, build_program(rule))
    return entry[1]


def program_for(ref):
    """The program of the rule file or id ``ref``: found (memory, cache, shipped) or built from the loaded rule.
    Raises what loading the rule raises (a missing rule, an invalid one)."""
    from verifier.read.rule_sources import resolve_rule_path

    path = resolve_rule_path(ref)
    real = os.path.realpath(path)
    raw = Path(path).read_bytes()
    key = _key(real, raw)
    if key in _MEMORY:
        return _MEMORY[key]
    program = _cached(key) or _shipped(real)
    if program is None:
        program = _build(path, key)
    if len(_MEMORY) > 256:
        _MEMORY.clear()
    _MEMORY[key] = program
    return program


def _key(real: str, raw: bytes) -> str:
    digest = hashlib.sha256()
    for part in (f"programs {STORE_FORMAT}", fingerprint(), real):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(raw)
    return digest.hexdigest()


def _cached(key: str):
    data = _DISK.read(key)
    return _entry_program(data, Path("/")) if data is not None else None


def _shipped(real: str):
    """The shipped program of a shipped rule file (None for any other file, or when it is not current)."""
    from verifier.read.rule_sources import rules_root

    root = os.path.realpath(rules_root())
    if not real.startswith(root + os.sep):
        return None
    rule_id = Path(os.path.relpath(real, root)).with_suffix("").as_posix()
    try:
        data = (SHIPPED / f"{rule_id}.program").read_bytes()
    except OSError:
        return None
    return _entry_program(data, Path(root), code=source_digest())


def _entry_program(data: bytes, base: Path, code: str | None = None):
    """The program of a stored entry, when everything it was built from is unchanged (else None)."""
    from verifier.derive.account.program import from_bytes
    from verifier.read.today import today

    header, _, body = data.partition(b"\n")
    try:
        meta = json.loads(header)
        if meta["format"] != STORE_FORMAT or (code is not None and meta.get("code") != code):
            return None
        if today().isoformat() < meta["today"]:
            return None
        for name, digest in meta["reads"]:
            if _sha256(base / name) != digest:
                return None
    except (ValueError, KeyError, TypeError):
        return None
    return from_bytes(body)


def _build(path, key):
    from verifier.derive.account.program import build_program
    from verifier.read import load_rule
    from verifier.read._yaml import recorded_reads

    with recorded_reads() as read:
        rule = load_rule(path)
    program = build_program(rule)
    program._source_rule = rule  # noqa: SLF001 - the loaded rule, for the reference evaluation in this process
    if enabled():
        entry = entry_bytes(program, read | {os.path.realpath(path)}, Path("/"))
        if entry is not None:
            _DISK.write(key, entry)
    return program


def entry_bytes(program, reads, base: Path, code: str | None = None) -> bytes | None:
    """A stored entry: a JSON header (the files read, relative to ``base``, with their SHA-256; the day; the code's
    digest for a shipped one), a newline, the program's bytes.  None when a file cannot be read."""
    from verifier.read.today import today

    files = []
    for path in sorted(reads):
        digest = _sha256(Path(path))
        if digest is None:
            return None
        files.append([os.path.relpath(path, base) if base != Path("/") else path, digest])
    day = today().isoformat()
    if code is not None:  # shipped: see _latest_day
        day = min(day, _latest_day(reads) or day)
    meta = {"format": STORE_FORMAT, "today": day, "reads": files, "rule": program.rule_id}
    if code is not None:
        meta["code"] = code
    return json.dumps(meta).encode("utf-8") + b"\n" + program.to_bytes()


_ISO_DAY = re.compile(rb"(?<![0-9])(?:19|20)[0-9]{2}-[01][0-9]-[0-3][0-9](?![0-9])")


def _latest_day(reads) -> str | None:
    """The latest YYYY-MM-DD written in the files ``reads`` (None when none is).

    A shipped program records this day, not the day it was built: reading its files refuses a date after today,
    and every date reading compares with today is written in them, so from this day on the files read as the
    program says; and the bytes no longer depend on the day the tool ran (the suite pins its own "today").

    >>> import tempfile; f = Path(tempfile.mkdtemp()) / "r.yaml"
    >>> _ = f.write_text("effective: 2024-02-17, retrieved: '2025-06-10', id: 12025-01-01")
    >>> _latest_day([str(f)])
    '2025-06-10'
    """
    latest = None
    for path in reads:
        try:
            data = Path(path).read_bytes()
        except OSError:  # a folder (its names are hashed, not read)
            continue
        found = max(_ISO_DAY.findall(data), default=None)
        if found is not None and (latest is None or found > latest):
            latest = found
    return latest.decode("ascii") if latest is not None else None


def _sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes, or of a folder's sorted names; None when it cannot be read."""
    try:
        if path.is_dir():
            return hashlib.sha256("\0".join(sorted(os.listdir(path))).encode("utf-8", "surrogateescape")).hexdigest()
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def ship(rule_id: str) -> Path:
    """Build the program of the shipped rule ``rule_id`` and write it under :data:`SHIPPED` (what
    ``tools/compile-shipped-rules.py`` runs for every shipped rule)."""
    from verifier.derive.account.program import build_program
    from verifier.read import load_rule
    from verifier.read._yaml import recorded_reads
    from verifier.read.rule_sources import rules_root

    root = Path(os.path.realpath(rules_root()))
    path = root / f"{rule_id}.yaml"
    with recorded_reads() as read:
        rule = load_rule(path)
    reads = {p for p in read | {str(path)} if os.path.realpath(p).startswith(str(root) + os.sep)}
    entry = entry_bytes(build_program(rule), reads, root, code=source_digest())
    if entry is None:
        raise OSError(f"cannot read the files of {rule_id}")
    target = SHIPPED / f"{rule_id}.program"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(entry)
    return target


def forget() -> None:
    """Forget the programs found in this process (tests)."""
    _MEMORY.clear()
