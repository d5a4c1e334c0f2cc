"""Market catalogs: a folder with ``catalog.yaml`` (what the entries hold) and shard files ``markets-*.json``.

:func:`read_catalog` reads a folder into a :class:`~verifier.model.market.Catalog` and every problem found;
:func:`check_catalog_file` checks one file of a catalog for ``margin-verifier check``.  A catalog read once in a
process is kept (keyed by its files' names, sizes and times, and by today: a date after today is an error), so
loading several rules, or one rule many times, reads it once.

>>> catalog, problems = read_catalog("rules/binance/markets/usdm-perpetual")
>>> problems, catalog.market("BTC/USDT:USDT").spec_at().price_tick
([], Fraction(1, 10))
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from verifier.errors import Diagnostic
from verifier.read._yaml import note_read
from verifier.read.catalog.header import HEADER_NAME, read_header
from verifier.read.catalog.shards import build_market, read_shard
from verifier.read.today import today

SHARD_GLOB = "markets*.json"
"""Shard files in a catalog folder (``markets.json``, ``markets-A.json``, ``markets-BTC-USDT-USDT.json``, ...)."""

_READ: dict = {}


def shard_files(folder) -> list[Path]:
    return sorted(Path(folder).glob(SHARD_GLOB))


def read_catalog(folder) -> tuple[object, list[Diagnostic]]:
    """(the catalog in ``folder`` or None, its problems): header, then every shard, then duplicates across shards."""
    folder = Path(folder)
    header = folder / HEADER_NAME
    if not header.is_file():
        return None, [Diagnostic("MV800", f"no market catalog in {folder}: {HEADER_NAME} is missing",
                                 file=str(header), hint="a catalog folder holds catalog.yaml and markets-*.json")]
    files = shard_files(folder)
    for dependency in (folder, header, *files):  # check's result cache: the catalog is what the rule's check read
        note_read(dependency)
    fingerprint = _fingerprint(header, files)
    if fingerprint in _READ:
        return _READ[fingerprint], []
    catalog, problems, header_raw = read_header(header)
    if catalog is None:
        return None, problems
    digest = hashlib.sha256(header_raw)
    for path in files:
        entries, found = read_shard(catalog, header_raw, path)
        problems += found
        for symbol, located in entries.items():
            if symbol in catalog.entries:
                problems.append(Diagnostic("MV803", f"market {symbol!r} is listed twice: in {catalog.entries[symbol][0]}"
                                                    f" and in {path}", file=str(path), json_path=f'$.markets["{symbol}"]',
                                           hint="each market is in one shard; keep one entry"))
            catalog.entries[symbol] = located
        digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    if problems:
        return None, problems
    catalog.content_hash = digest.hexdigest()
    catalog.builder = lambda symbol, located: build_market(catalog, symbol, located)
    _READ[fingerprint] = catalog
    return catalog, []


def _fingerprint(header: Path, files: list) -> tuple:
    """What identifies the folder's content cheaply: every file's name, size and modification time; and today,
    since a date after today is an error (a catalog read on an earlier "today" is judged again)."""
    return (today(),) + tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in [header, *files])


def check_catalog_file(path) -> list[Diagnostic]:
    """The problems of one catalog file (its header, or one shard checked against the header beside it)."""
    path = Path(path)
    header = path.parent / HEADER_NAME
    note_read(header)  # check's result cache: a shard's problems depend on its header (read once per process)
    catalog, problems, header_raw = read_header(header)
    if path.name == HEADER_NAME or catalog is None:
        if path.name != HEADER_NAME:
            return [Diagnostic("MV800", f"the catalog header beside this shard ({header}) has problems; check it "
                                        "first", file=str(path))]
        return problems
    _, problems = read_shard(catalog, header_raw, path, entries=False)
    return problems


def forget_read() -> None:
    """Forget the catalogs read in this process (after ``import`` rewrote one, tests)."""
    _READ.clear()


def check_shard_texts(folder, texts: dict) -> list[Diagnostic]:
    """The problems of shard files about to be written to ``folder`` (name -> text), checked against its header as
    if read from disk; the texts that pass are remembered as checked, so reading them back costs a JSON parse."""
    from fractions import Fraction

    from verifier.read.catalog.shards import check_shard
    from verifier.read.inputs import DocumentError, json_document
    from verifier.read.catalog.validated import content_key, mark_checked

    catalog, problems, header_raw = read_header(Path(folder) / HEADER_NAME)
    if catalog is None:
        return problems
    for name, text in texts.items():
        try:
            doc = json_document(text, str(Path(folder) / name), number=Fraction)
        except DocumentError as exc:
            problems += exc.diagnostics
            continue
        found = check_shard(catalog, doc)
        if found:
            problems += found
        else:
            mark_checked(content_key(header_raw, text.encode("utf-8")))
    return problems


def catalog_folder_of(rule) -> Path:
    """The catalog folder a rule file names under ``markets.catalog`` (read without building the rule, so a rule
    whose examples need markets not imported yet can still be imported into).  Raises :class:`SpecError`."""
    from verifier.errors import SpecError
    from verifier.read._yaml import DocumentError, read_file
    from verifier.read.rule_sources import resolve_rule_path

    path = resolve_rule_path(rule)
    try:
        doc = read_file(path)
    except DocumentError as exc:
        raise SpecError(str(exc), exc.diagnostics) from None
    section = doc.data.get("markets") if isinstance(doc.data, dict) else None
    if not isinstance(section, dict) or not isinstance(section.get("catalog"), str):
        raise SpecError(f"rule {rule} has no market catalog to import into", [Diagnostic(
            "MV825", "the rule has no 'markets: {catalog: ...}'", file=str(path), line=1, col=1,
            hint="add markets: {catalog: <folder>} to the rule, with a catalog.yaml in that folder")], code="MV825")
    return path.parent / section["catalog"]
