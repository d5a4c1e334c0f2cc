"""A catalog's shard files: the markets, each a list of dated specification and tier-table versions.

A shard is checked once per content (with its header): schema, dates, sources, field names and values, row widths
and every tier invariant (:func:`verifier.model.tiers.table_problems`), each problem at its line and column.  Once
it passed (:mod:`verifier.read.catalog.validated`), it is read with :mod:`json` only, which is ~100x faster than the
located reader; :func:`build_market` turns one market's data into a :class:`~verifier.model.market.Market` when
a stage first asks for it.

Dates after today (:mod:`verifier.read.today`) are errors, as in rules: a version's ``effective`` (MV406: undated
evaluations would use a version not yet in force), its ``retrieved`` or ``seen`` (MV405: data cannot have been read,
or seen in force, on a later day).  Whether a date is after today changes with today, not with the file, so a shard
known checked is still scanned (:func:`latest_date`, a string comparison per date: milliseconds for every shipped
catalog); only when its latest date is after today is it read located again, to say where.
"""

from __future__ import annotations

import datetime as _dt
import json
from fractions import Fraction

from verifier.errors import Diagnostic
from verifier.model.market import TEXT_FIELDS, Market, MarketSpec, Provenance, TierVersion, field_problem
from verifier.model.tiers import TierRow, TierTable, table_problems
from verifier.read._schema import schema_diagnostics
from verifier.read._yaml import Document, DocumentError, read_file
from verifier.read.inputs import read_bytes
from verifier.read.catalog.validated import content_key, mark_checked, was_checked
from verifier.read.today import FUTURE_HINTS, after_today, today

VERSION_KEYS = ("effective", "seen", "retrieved", "source")
DATE_KEYS = ("effective", "seen", "retrieved")
SEEN_HINT = "a version cannot have been seen in force on a later day than today: check the year"


def read_shard(catalog, header_raw: bytes, path, entries: bool = True) -> tuple[dict, list[Diagnostic]]:
    """{symbol: (file, entry data)} of one shard, checked (or known checked), and its problems; with ``entries``
    False only the problems (a shard known checked is then not even parsed)."""
    name = str(path)
    try:
        raw = read_bytes(path)  # the reading layer: its size limit before anything is parsed
    except DocumentError as exc:
        return {}, exc.diagnostics
    key = content_key(header_raw, raw)
    if was_checked(key):
        data = json.loads(raw, parse_float=Fraction if entries else None)
        if latest_date(data["markets"]) <= today().isoformat():
            return {symbol: (name, entry) for symbol, entry in data["markets"].items()} if entries else {}, []
        # checked on an earlier "today" (or with $MARGIN_VERIFIER_TODAY later): read it located to say where
    try:
        doc = read_file(path)
    except DocumentError as exc:
        return {}, exc.diagnostics
    problems = check_shard(catalog, doc)
    if problems:
        return {}, problems
    mark_checked(key)
    return {symbol: (name, entry) for symbol, entry in doc.data["markets"].items()}, []


def check_shard(catalog, doc: Document) -> list[Diagnostic]:
    """Every problem of a shard document against its catalog's header."""
    if not isinstance(doc.data, dict):
        return [doc.diagnostic("MV203", "a catalog shard must be a mapping of keys to values", ())]
    problems = schema_diagnostics(doc, "markets")
    if problems:
        return problems
    if doc.data["catalog"] != catalog.id:
        problems.append(doc.diagnostic("MV801", f"shard is for catalog {doc.data['catalog']!r}, but the "
                                                f"catalog.yaml beside it is {catalog.id!r}", ("catalog",)))
    for symbol, entry in doc.data["markets"].items():
        path = ("markets", symbol)
        for what in ("market", "tiers"):
            _check_versions(catalog, doc, entry.get(what, ()), path + (what,), problems)
        for index, spec in enumerate(entry.get("market", ())):
            _check_spec(catalog, doc, symbol, spec, path + ("market", index), problems)
        if entry.get("tiers") and catalog.layout is None:
            problems.append(doc.diagnostic("MV417", "the catalog declares no tier columns (catalog.yaml 'tiers')",
                                           path + ("tiers",)))
        elif catalog.layout is not None:
            for index, version in enumerate(entry.get("tiers", ())):
                _check_rows(catalog.layout, doc, version["rows"], path + ("tiers", index, "rows"), problems)
    return problems


def latest_date(markets: dict) -> str:
    """The latest ``effective``, ``seen`` or ``retrieved`` of a checked shard's markets, as written (ISO dates, so
    text order is date order); '' when it has none.

    >>> latest_date({"X/Y": {"market": [{"effective": "2024-01-01", "seen": "2024-02-01", "retrieved": "2026-01-01"}],
    ...                      "tiers": [{"effective": "2025-01-01", "seen": "2025-01-01", "retrieved": "2025-03-01"}]}})
    '2026-01-01'
    """
    return max((version[key] for entry in markets.values() for what in ("market", "tiers")
                for version in entry.get(what, ()) for key in DATE_KEYS), default="")


def _check_versions(catalog, doc, versions, path, problems) -> None:
    """Dates are real and not after today, each version seen on or after its effective date, effective dates
    strictly increasing."""
    previous = None
    for index, version in enumerate(versions):
        here = path + (index,)
        dates = {}
        for key in DATE_KEYS:
            dates[key] = _date(doc, version[key], here + (key,), problems)
        if version["source"] not in catalog.sources:
            problems.append(doc.diagnostic("MV400", f"unknown source {version['source']!r}", here + ("source",),
                                           hint="add it under 'sources' in catalog.yaml"))
        effective_future = _future(doc, dates, here, problems)
        # a seen date before a future effective date is that date's consequence, not a second mistake
        if not effective_future and dates["effective"] and dates["seen"] and dates["seen"] < dates["effective"]:
            problems.append(doc.diagnostic("MV802", f"seen {dates['seen']} is before effective "
                                                    f"{dates['effective']}", here + ("seen",)))
        if previous and dates["effective"] and dates["effective"] <= previous:
            problems.append(doc.diagnostic("MV403", f"effective {dates['effective']} is not after the previous "
                                                    f"version's {previous}", here + ("effective",),
                                           hint="versions are listed oldest first, one per effective date"))
        previous = dates["effective"] or previous


def _future(doc, dates: dict, here: tuple, problems: list) -> bool:
    """Report a version's dates after today; whether its effective date is (its seen date is then not judged).

    ``here`` is ("markets", symbol, "market" or "tiers", index): the message names the market and the version."""
    symbol, what, index = here[1], "market" if here[2] == "market" else "tier table", here[3]
    effective_future = False
    for key, code, hint in (("effective", "MV406", FUTURE_HINTS["MV406"]), ("seen", "MV405", SEEN_HINT),
                            ("retrieved", "MV405", FUTURE_HINTS["MV405"])):
        if dates[key] is None or (key == "seen" and effective_future):
            continue
        message = after_today(dates[key], f"{key} date")
        if message:
            effective_future = effective_future or key == "effective"
            problems.append(doc.diagnostic(code, f"{symbol} {what} version {index + 1}: {message}", here + (key,),
                                           hint=hint))
    return effective_future


def _check_spec(catalog, doc, symbol, spec, path, problems) -> None:
    for name, value in spec.items():
        if name in VERSION_KEYS or name in TEXT_FIELDS:
            continue
        if name not in catalog.fields:
            problems.append(doc.diagnostic("MV804", f"unknown market field {name!r}", path + (name,), at_key=True,
                                           hint=f"declare it under 'fields' in catalog.yaml (known: "
                                                f"{', '.join(catalog.fields)})"))
        elif field_problem(name, Fraction(value)):
            problems.append(doc.diagnostic("MV807", f"{name} {field_problem(name, Fraction(value))}, not {value}",
                                           path + (name,)))
    pair = f"{spec['base']}/{spec['quote']}"
    settled = pair + (f":{spec['settle']}" if "settle" in spec and spec["type"] != "spot" else "")
    if symbol != settled and not symbol.startswith(settled + "-"):
        problems.append(doc.diagnostic("MV808", f"base/quote/settle give {settled!r}, not the symbol {symbol!r}",
                                       path + ("base",), hint="a ccxt symbol is BASE/QUOTE, with :SETTLE for contracts"))


def _check_rows(layout, doc, rows, path, problems) -> None:
    keys = layout.row_keys
    built = []
    for index, row in enumerate(rows):
        here = path + (index,)
        if len(row) != len(keys):
            problems.append(doc.diagnostic("MV417", f"row {index + 1} has {len(row)} values, the catalog's rows "
                                                    f"have {len(keys)}: {', '.join(keys)}", here))
            return
        for position, value in enumerate(row):
            if value is None and not (position == 1 and index == len(rows) - 1):
                problems.append(doc.diagnostic("MV415", f"row {index + 1}: {keys[position]} is null; only the "
                                                        "last row's cap may be (unbounded)", here + (position,)))
                return
        built.append(_row(index, row, keys))
    for problem in table_problems(built, rate=layout.rate, amount=layout.amount, max_leverage=layout.max_leverage):
        column = keys.index(problem.column) if problem.column in keys else 0
        problems.append(doc.diagnostic(problem.code, problem.message, path + (problem.row, column),
                                       hint=problem.hint))


def _row(index: int, row: list, keys: tuple) -> TierRow:
    return TierRow(index + 1, Fraction(row[0]), None if row[1] is None else Fraction(row[1]),
                   {key: Fraction(value) for key, value in zip(keys[2:], row[2:])})


def _date(doc, text, path, problems) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        problems.append(doc.diagnostic("MV402", f"{text!r} is not a calendar date", path,
                                       hint="write dates as YYYY-MM-DD"))
        return None


# --------------------------------------------------------------------------------------------- building markets


def _provenance(version: dict) -> Provenance:
    day = _dt.date.fromisoformat
    return Provenance(version["source"], day(version["effective"]), day(version["seen"]), day(version["retrieved"]))


def build_market(catalog, symbol: str, located) -> Market:
    """The :class:`Market` of ``symbol`` from its checked data; ``located`` is (shard file, entry data)."""
    file, entry = located
    specs = tuple(MarketSpec(spec["type"], spec["base"], spec["quote"], spec.get("settle"),
                             {k: Fraction(v) for k, v in spec.items() if k not in VERSION_KEYS and k not in TEXT_FIELDS},
                             _provenance(spec)) for spec in entry.get("market", ()))
    tiers = ()
    layout = catalog.layout
    if layout is not None:
        columns = {"<basis>": layout.basis_unit, **{name: c.unit for name, c in layout.columns.items()}}
        keys = layout.row_keys
        tiers = tuple(TierVersion(TierTable(symbol, layout.bounds, _provenance(v).effective, columns,
                                            tuple(_row(i, row, keys) for i, row in enumerate(v["rows"])), file),
                                  _provenance(v)) for v in entry.get("tiers", ()))
    return Market(symbol, specs, tiers)
