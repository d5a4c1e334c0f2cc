"""The previous rule format, recognised: one error per mistake with its fix, and its tier tables read for
``margin-verifier migrate``.

Before market catalogs, a rule listed its tier tables itself, one file per market (``tiers: {basis, source,
tables: {SYMBOL: tiers/BTCUSDT.yaml}}``), each file a table with its layout and source (``format, market, effective,
source, basis, bounds, continuity, columns, rows``).  Tier tables now live in the rule's market catalog
(``markets: {catalog: ...}``, docs/market-data.md).  Such a rule gets one error at ``tiers.tables`` (MV210) naming
the command that moves them (``migrate``), not an unknown key; an old tier file gets one error (MV211) naming the rule
that lists it, not a dozen from the rule schema.

>>> is_tier_file({"format": 1, "market": "BTC/USDT:USDT", "bounds": "[floor, cap)", "rows": []})
True
>>> is_tier_file({"format": 1, "rule": "binance/usdm-perpetual", "symbols": {}})
False
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from verifier.errors import Diagnostic
from verifier.formula import UnitSyntaxError, parse_unit
from verifier.model.tiers import TierRow, table_problems

TIER_FILE_KEYS = frozenset({"$schema", "format", "market", "title", "effective", "source", "basis", "bounds",
                            "columns", "continuity", "rows"})
"""The keys of a tier file of the previous format (its schema was verifier/schemas/tiers.schema.json)."""

MIGRATE_DOC = "docs/how-to/migrate.md"


def is_tier_file(data) -> bool:
    """Whether ``data`` is a tier file of the previous format: a market and its rows, none of a rule's keys."""
    return (isinstance(data, dict) and {"market", "rows"} <= set(data) and "rule" not in data
            and bool({"bounds", "columns", "basis"} & set(data)))


def tier_file_problem(doc) -> Diagnostic:
    """The one error (MV211) of an old tier file, naming the rule that lists it when one beside it does."""
    listing = _listing_rule(Path(doc.file))
    fix = (f"margin-verifier migrate {listing} moves it (and the rule's other tier files) into the rule's market "
           "catalog" if listing is not None else
           "margin-verifier migrate RULE (the rule whose tiers.tables lists it) moves it into the rule's market "
           "catalog")
    return doc.diagnostic("MV211", "a tier file of the previous rule format: tier tables now live in the rule's "
                                   "market catalog (catalog.yaml and markets-*.json)", (),
                          hint=f"{fix}; see {MIGRATE_DOC}")


def _listing_rule(tier_file: Path) -> Path | None:
    """The rule file that lists ``tier_file`` under ``tiers.tables``: a YAML file in the folder above ``tiers/``
    (or beside it) whose text names it under ``tables:`` (read as text: cheap, and only to name it in a hint)."""
    for folder in (tier_file.parent.parent, tier_file.parent):
        for candidate in sorted(folder.glob("*.y*ml")):
            if candidate == tier_file:
                continue
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            relative = tier_file.relative_to(folder).as_posix()
            if re.search(r"^\s+tables\s*:", text, re.M) and relative in text:
                return candidate
    return None


def previous_format_problems(doc) -> list[Diagnostic]:
    """A rule document's keys of the previous format: ``tiers.tables`` (MV210); and a rule-wide price tick the
    migrated catalog would refuse (MV812: ticks are per market once a catalog lists several)."""
    data = doc.data if isinstance(doc.data, dict) else {}
    tiers = data.get("tiers")
    if not isinstance(tiers, dict) or "tables" not in tiers:
        return []
    tables = tiers["tables"] if isinstance(tiers["tables"], dict) else {}
    problems = [doc.diagnostic(
        "MV210", f"'tables' is the previous rule format: tier tables ({len(tables)} listed here) now live in the "
                 "rule's market catalog ('markets: {catalog: ...}')", ("tiers", "tables"), at_key=True,
        hint=f"move them there: margin-verifier migrate {doc.file} (writes the catalog, rewrites this section, removes "
             f"the old tier files; --check shows it first); see {MIGRATE_DOC}")]
    price = data.get("display", {}).get("price", {}) if isinstance(data.get("display"), dict) else {}
    if isinstance(price, dict) and "tick" in price and len(tables) > 1:
        problems.append(doc.diagnostic(
            "MV812", f"a rule-wide price tick applies one tick to every market, but this rule's tier tables cover "
                     f"{len(tables)} markets", ("display", "price", "tick"),
            hint="ticks are per market, in the market catalog: remove 'tick' and keep 'rounding' (import the markets "
                 "to round at each one's tick: margin-verifier import RULE --markets markets.json)"))
    return problems


# ------------------------------------------------------------------------------------------------ for migrate


@dataclass(frozen=True)
class OldTable:
    """One tier file of the previous format, read: its market, layout, rows, dates and source."""

    symbol: str
    file: str
    basis: tuple  # (unit, meaning)
    bounds: str
    columns: tuple  # ((name, unit, meaning or None), ...) in row order
    continuity: dict
    rows: tuple  # of TierRow
    effective: _dt.date | None  # None: the file gave none
    source: dict  # title, url, retrieved (a date), provenance, publisher, note

    @property
    def retrieved(self) -> _dt.date:
        return self.source["retrieved"]

    def layout(self) -> tuple:
        """What must be the same for every table of one catalog: basis unit, bounds, columns (names and units,
        read as units: ``quote`` and ``quote`` written differently are one unit)."""
        return (str(parse_unit(self.basis[0])), self.bounds,
                tuple((name, str(parse_unit(unit))) for name, unit, _ in self.columns))


def listed_tables(doc) -> dict:
    """Symbol -> the tier file path (as written, relative to the rule) of a rule document's ``tiers.tables``."""
    tiers = doc.data.get("tiers") if isinstance(doc.data, dict) else None
    tables = tiers.get("tables") if isinstance(tiers, dict) else None
    return dict(tables) if isinstance(tables, dict) else {}


def read_old_table(doc, symbol: str) -> tuple[OldTable | None, list[Diagnostic]]:
    """(the table of the old tier file ``doc`` listed for ``symbol``, or None; its problems, located in it)."""
    data, problems = doc.data, []

    def problem(message, path=(), hint=None):
        problems.append(doc.diagnostic("MV830", message, path, hint=hint))

    if not is_tier_file(data):
        problem(f"listed for {symbol} under tiers.tables, but not a tier file (it needs 'market', 'rows', 'bounds', "
                "'basis', 'columns', 'source')")
        return None, problems
    for key in sorted(set(data) - TIER_FILE_KEYS):
        problem(f"unknown key {key!r} in a tier file", (key,))
    for key in ("basis", "bounds", "columns", "source"):
        if key not in data:
            problem(f"the tier file has no {key!r}", ())
    if data.get("market") != symbol:
        problem(f"the file is for market {data.get('market')!r}, but the rule lists it for {symbol}", ("market",),
                hint="list it under its own market, or correct 'market'")
    if problems:
        return None, problems
    basis, source = data["basis"], data["source"]
    if not isinstance(basis, dict) or not {"unit", "meaning"} <= set(basis):
        problem("basis needs 'unit' and 'meaning'", ("basis",))
    elif _unit_problem(basis["unit"]):
        problem(f"basis: {_unit_problem(basis['unit'])}", ("basis", "unit"))
    if data["bounds"] not in ("[floor, cap)", "(floor, cap]"):
        problem(f"bounds {data['bounds']!r} is neither '[floor, cap)' nor '(floor, cap]'", ("bounds",))
    columns = []
    for name, spec in (data["columns"] or {}).items() if isinstance(data["columns"], dict) else []:
        if not isinstance(spec, dict) or "unit" not in spec:
            problem(f"column {name!r} needs a 'unit'", ("columns", name))
            continue
        if _unit_problem(spec["unit"]):
            problem(f"column {name!r}: {_unit_problem(spec['unit'])}", ("columns", name, "unit"))
            continue
        columns.append((name, spec["unit"], spec.get("meaning")))
    if not columns:
        problem("the tier file declares no columns", ("columns",))
    if not isinstance(source, dict) or not {"title", "url", "retrieved"} <= set(source):
        problem("source needs 'title', 'url' and 'retrieved'", ("source",))
        return None, problems
    retrieved = _date(source["retrieved"], ("source", "retrieved"), problem)
    effective = _date(data["effective"], ("effective",), problem) if "effective" in data else None
    rows = _rows(data.get("rows"), [name for name, _, _ in columns], problem)
    continuity = data.get("continuity") if isinstance(data.get("continuity"), dict) else {}
    if rows and not problems:
        names = {name for name, _, _ in columns}
        leverage = "max_leverage" if "max_leverage" in names else None
        for found in table_problems(rows, rate=continuity.get("rate"), amount=continuity.get("amount"),
                                    max_leverage=leverage):
            problems.append(doc.diagnostic(found.code, f"{symbol}: {found.message}",
                                           ("rows", found.row, found.column), hint=found.hint))
    if problems:
        return None, problems
    kept = {key: source[key] for key in ("title", "url", "provenance", "publisher", "note") if key in source}
    return OldTable(symbol, doc.file, (basis["unit"], basis["meaning"]), data["bounds"], tuple(columns), continuity,
                    tuple(rows), effective, {**kept, "retrieved": retrieved}), []


def _unit_problem(text) -> str | None:
    try:
        parse_unit(str(text))
    except UnitSyntaxError as exc:
        return str(exc)
    return None


def _date(value, path, problem) -> _dt.date | None:
    try:
        return value if isinstance(value, _dt.date) else _dt.date.fromisoformat(str(value))
    except ValueError:
        problem(f"{value!r} is not a date (YYYY-MM-DD)", path)
        return None


def _rows(raw, columns: list, problem) -> list:
    if not isinstance(raw, list) or not raw:
        problem("the tier file has no rows", ("rows",))
        return []
    rows = []
    for index, row in enumerate(raw):
        if not isinstance(row, dict):
            problem("a row must be a mapping of floor, cap and the columns", ("rows", index))
            continue
        unknown = sorted(set(row) - {"floor", "cap", *columns})
        missing = [key for key in ("floor", "cap", *columns) if key not in row]
        for key in unknown:
            problem(f"row {index + 1} has {key!r}, which is not a declared column", ("rows", index, key))
        for key in missing:
            problem(f"row {index + 1} has no {key!r}", ("rows", index))
        numbers = {}
        for key in ("floor", "cap", *columns):
            value = row.get(key)
            if value is None and key == "cap":
                numbers[key] = None
            elif isinstance(value, (int, Fraction)) and not isinstance(value, bool):
                numbers[key] = Fraction(value)
            elif key in row:
                problem(f"row {index + 1}: {key} {value!r} is not a number", ("rows", index, key))
        if not unknown and not missing and len(numbers) == len(columns) + 2:
            rows.append(TierRow(index + 1, numbers["floor"], numbers["cap"], {c: numbers[c] for c in columns}))
    return rows
