"""A catalog folder's ``catalog.yaml``: what its market entries hold and where ``import`` reads them in ccxt.

Checks beyond the schema: units are well formed, the continuity, rate and max_leverage columns are declared, and a
standard field (contractSize, tick, maxLeverage, taker, maker) listed under ``fields`` only changes its ccxt path.

>>> catalog, problems, _ = read_header("rules/binance/markets/usdm-perpetual/catalog.yaml")
>>> catalog.id, catalog.layout.bounds, list(catalog.layout.columns), problems
('binance/usdm-perpetual', '[floor, cap)', ['MMR', 'cum', 'max_leverage'], [])
"""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path

from verifier.errors import Diagnostic
from verifier.formula import UnitSyntaxError, parse_unit
from verifier.model.market import STANDARD_FIELDS, Catalog, ColumnSpec, FieldSpec, TierLayout
from verifier.model.rule import Source
from verifier.read._schema import schema_diagnostics
from verifier.read._yaml import Document, DocumentError, read_file

HEADER_NAME = "catalog.yaml"
"""The header's file name inside a catalog folder."""


_READ: dict = {}


def read_header(path) -> tuple[Catalog | None, list[Diagnostic], bytes]:
    """The catalog described by the header at ``path`` (no markets yet: a new object each call), its problems, and
    its bytes.  A header read before in this process (same size and modification time) is not read again."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    key = (str(path), stat.st_size, stat.st_mtime_ns) if stat else None
    if key not in _READ:
        _READ[key] = _read_header(path)
    catalog, problems, raw = _READ[key]
    fresh = dataclasses.replace(catalog, entries={}, _markets={}, _latest=None) if catalog is not None else None
    return fresh, list(problems), raw


def _read_header(path) -> tuple[Catalog | None, list[Diagnostic], bytes]:
    try:
        doc = read_file(path)
    except DocumentError as exc:
        return None, exc.diagnostics, b""
    raw = doc.text.encode("utf-8")
    problems = schema_diagnostics(doc, "catalog") if isinstance(doc.data, dict) else \
        [doc.diagnostic("MV203", "a catalog header must be a mapping of keys to values", ())]
    if problems:
        return None, problems, raw
    data = doc.data
    fields = _fields(doc, data.get("fields", {}), problems)
    layout = _layout(doc, data["tiers"], problems) if "tiers" in data else None
    sources = {key: Source(key, value["title"], value["url"], None, value.get("provenance"), value.get("publisher"),
                           value.get("note")) for key, value in data["sources"].items()}
    if problems:
        return None, problems, raw
    catalog = Catalog(id=data["catalog"], title=data["title"], exchange=data["exchange"], file=str(path),
                      fields=fields, layout=layout, sources=sources, price_precision=data["price_precision"],
                      content_hash="", shard_layout=data.get("layout", "initial"),
                      description=data.get("description"), select=dict(data.get("select", {})))
    return catalog, [], raw


def _fields(doc: Document, declared: dict, problems: list) -> dict:
    fields = dict(STANDARD_FIELDS)
    for name, spec in declared.items():
        path = ("fields", name)
        if name in STANDARD_FIELDS:
            if set(spec) - {"ccxt"} or "ccxt" not in spec:
                problems.append(doc.diagnostic("MV804", f"{name!r} is a standard market field: its unit and meaning "
                                                        "are fixed", path, hint="give only 'ccxt' to change where "
                                                                                "import reads it"))
            fields[name] = FieldSpec(name, STANDARD_FIELDS[name].unit, STANDARD_FIELDS[name].meaning, spec["ccxt"])
            continue
        missing = [key for key in ("unit", "meaning") if key not in spec]
        if missing:
            problems.append(doc.diagnostic("MV804", f"market field {name!r} needs {' and '.join(missing)}", path,
                                           hint=_close(name, STANDARD_FIELDS) or "a field the catalog adds states "
                                                                                 "its unit and meaning"))
            continue
        if _unit(doc, spec["unit"], path + ("unit",), problems) is not None:
            fields[name] = FieldSpec(name, spec["unit"], spec["meaning"], spec.get("ccxt"))
    return fields


def _layout(doc: Document, tiers: dict, problems: list) -> TierLayout | None:
    columns = {}
    for name, spec in tiers["columns"].items():
        unit = _unit(doc, spec["unit"], ("tiers", "columns", name, "unit"), problems)
        columns[name] = ColumnSpec(name, unit, spec["meaning"], spec.get("ccxt"), spec.get("derived"),
                                   spec.get("entered"))
    continuity = tiers.get("continuity", {})
    for name, column in columns.items():
        if column.derived == "continuity" and name != continuity.get("amount"):
            problems.append(doc.diagnostic(
                "MV417", f"column {name!r} is derived by continuity but is not the continuity amount",
                ("tiers", "columns", name, "derived"),
                hint="name it under continuity: {rate: <rate column>, amount: " + name + "}, or read it with 'ccxt'"))
    rate = continuity.get("rate", tiers.get("rate"))
    for key, name in (("continuity", continuity.get("rate")), ("continuity", continuity.get("amount")),
                      ("rate", tiers.get("rate")), ("max_leverage", tiers.get("max_leverage"))):
        if name is not None and name not in columns:
            problems.append(doc.diagnostic("MV417", f"{key} names column {name!r}, which is not declared",
                                           ("tiers", key), hint=_close(name, columns) or "declare it under columns"))
    if rate is not None and tiers.get("rate") not in (None, rate):
        problems.append(doc.diagnostic("MV417", f"rate {tiers['rate']!r} is not the continuity rate {rate!r}",
                                       ("tiers", "rate")))
    basis = _unit(doc, tiers["basis"]["unit"], ("tiers", "basis", "unit"), problems)
    return TierLayout(basis, tiers["basis"]["meaning"], tiers["bounds"], columns, rate, continuity.get("amount"),
                      tiers.get("max_leverage"), tiers.get("floor", "minNotional"), tiers.get("cap", "maxNotional"))


def _unit(doc: Document, text: str, path: tuple, problems: list):
    try:
        return parse_unit(text)
    except UnitSyntaxError as exc:
        problems.append(doc.diagnostic(exc.code, str(exc), path))
        return None


def _close(name: str, known) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def header_path(folder) -> Path:
    return Path(folder) / HEADER_NAME
