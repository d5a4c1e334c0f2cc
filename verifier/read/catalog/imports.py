"""An import's input: ccxt dumps (or the same data fetched live) read into dated catalog versions.

Effective dates: a dump is a snapshot taken on its retrieval date, the first date its data is known to be in force;
``effective`` says otherwise when the data is known to be older (a dated file from a package or a git history).
Neither may lie after today (MV405, MV406, as ``check`` would then refuse the catalog): refused before any input is
read or anything written.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from verifier.errors import Diagnostic, SpecError
from verifier.model.market import Provenance
from verifier.read.catalog.ccxt import markets_from_dump, read_dump, tiers_from_dump
from verifier.read.inputs import Document
from verifier.read.today import FUTURE_HINTS, after_today


@dataclass(frozen=True)
class ImportBatch:
    """What one import brings: per symbol a specification and/or a tier table, all with one provenance."""

    provenance: Provenance
    specs: dict = field(default_factory=dict)
    tiers: dict = field(default_factory=dict)
    skipped: tuple = ()  # load_markets() symbols the catalog's select leaves out
    ignored: tuple = ()  # (symbol, field, value, why) of values out of their field's range, left out
    files: dict = field(default_factory=dict)  # 'markets' / 'tiers' -> the file (or 'ccxt <exchange>') read


def provenance_of(catalog, source: str | None, retrieved: _dt.date, effective: _dt.date | None) -> Provenance:
    """The provenance of an import: ``source`` must be one of the catalog's (the only one when not given)."""
    if source is None:
        if len(catalog.sources) != 1:
            raise _option_error(f"name the source of this data (--source): the catalog {catalog.id} cites "
                                f"{', '.join(catalog.sources)}", f"sources are listed in {catalog.file}")
        source = next(iter(catalog.sources))
    if source not in catalog.sources:
        raise _option_error(f"unknown source {source!r}: the catalog {catalog.id} cites "
                            f"{', '.join(catalog.sources)}", f"add it under 'sources' in {catalog.file} (title, url, "
                                                             "provenance) first")
    given = effective
    effective = effective or retrieved
    if effective > retrieved:
        raise _option_error(f"effective {effective} is after retrieved {retrieved}: data cannot be in force before "
                            "it is read", "--effective is the date the data was observed, at the latest the "
                                          "retrieval date")
    _not_after_today(retrieved, given)
    return Provenance(source, effective, effective, retrieved)


def _option_error(message: str, hint: str) -> SpecError:
    """MV824 about --source, --retrieved or --effective, located on the command line."""
    return SpecError(message, [Diagnostic("MV824", message, file="<command line>", hint=hint)], code="MV824")


def _not_after_today(retrieved: _dt.date, effective: _dt.date | None) -> None:
    """Refuse dates after today, as ``check`` refuses them in the catalog (MV405, MV406), before anything is read
    (``effective``: as given, None when it defaults to ``retrieved``)."""
    problems = []
    for option, day, code in (("--retrieved", retrieved, "MV405"), ("--effective", effective, "MV406")):
        message = after_today(day, option) if day is not None else None
        if message:
            problems.append(Diagnostic(code, message, file="<command line>", hint=FUTURE_HINTS[code]))
    if problems:
        raise SpecError(problems[0].message, problems, code=problems[0].code)


def read_import(catalog, provenance: Provenance, *, markets=None, tiers=None) -> ImportBatch:
    """Read ``markets`` and/or ``tiers``: each a file path, or (name, data) already in memory (a live fetch).

    Raises :class:`SpecError` with every problem of both inputs (file and JSON path each).
    """
    problems, specs, tables, skipped, ignored, files = [], {}, {}, [], [], {}
    if markets is not None:
        name, dump = _load(markets, problems)
        files["markets"] = name
        if dump is not None:
            specs, skipped, ignored, found = markets_from_dump(catalog, dump, provenance)
            problems += found
    if tiers is not None:
        name, dump = _load(tiers, problems)
        files["tiers"] = name
        if dump is not None:
            tables, found = tiers_from_dump(catalog, dump, provenance)
            problems += found
    if problems:
        raise SpecError(f"{len(problems)} problem(s) in the data to import", problems, code=problems[0].code)
    return ImportBatch(provenance, specs, tables, tuple(skipped), tuple(ignored), files)


def _load(source, problems) -> tuple:
    """(name, the dump as a :class:`Document` or None): a file read by the reading layer, or fetched data."""
    if isinstance(source, tuple):
        return source[0], Document(source[0], source[1])
    dump, found = read_dump(source)
    problems += found
    return str(source), dump
