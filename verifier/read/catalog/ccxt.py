"""What ccxt returns, dumped to JSON, read into catalog versions: ``load_markets()`` and ``fetch_leverage_tiers()``.

The dumps are read by the reading layer (:mod:`verifier.read.inputs`: the same limits as every input; numbers
exact as written, ccxt's ``Infinity`` as no bound, ``NaN`` refused); where the unified form drops something the
catalog's header names the raw key under ``info`` (Binance's ``cum``).  Every value is found by the dotted path the
catalog's header gives (``maxLeverage``, ``limits.leverage.max``, ``info.cum``).  A problem is a diagnostic at the
dump's file, line and JSON path (``$["BTC/USDT:USDT"][3].info.cum``); a dump with no markets or no tier tables is
refused, and tier tables must meet every invariant (:func:`verifier.model.tiers.table_problems`) before they are
imported.

>>> from fractions import Fraction as F
>>> value_at({"limits": {"leverage": {"max": F(50)}}}, "limits.leverage.max")
Fraction(50, 1)
>>> split_symbol("BTC/USDT:USDT-260925"), split_symbol("ETH/BTC")
(('BTC', 'USDT', 'USDT'), ('ETH', 'BTC', None))
"""

from __future__ import annotations

from fractions import Fraction

from verifier.errors import Diagnostic
from verifier.model.market import MarketSpec, TierVersion, field_problem
from verifier.model.tiers import TierRow, TierTable, continuous_amounts, table_problems
from verifier.read.inputs import Document, DocumentError, NumberError, exact, json_document, read_text, shown

_MISSING = object()

CCXT_CONSTANTS = {"Infinity": None}
"""JSON's non-finite names a ccxt dump may hold: ``Infinity`` (json.dump of ccxt's float('inf')) is no bound."""


def read_dump(path) -> tuple[Document | None, list[Diagnostic]]:
    """The document ccxt's output was dumped to (JSON, exact numbers, lines found when a problem needs them);
    (None, problems) when it cannot be read under the reading layer's limits."""
    name = str(path)
    try:
        return json_document(read_text(path), name, constants=CCXT_CONSTANTS), []
    except DocumentError as exc:
        return None, [d if d.code != "MV100" or "syntax" not in d.message else
                      Diagnostic(d.code, d.message, d.file, d.line, d.col, d.json_path,
                                 "dump ccxt's result with json.dump(result, file)") for d in exc.diagnostics]


def value_at(data, path: str):
    """The value at a dotted ``path`` in ccxt's nested dicts, or :data:`_MISSING`."""
    for key in path.split("."):
        if not isinstance(data, dict) or key not in data:
            return _MISSING
        data = data[key]
    return data


def split_symbol(symbol: str) -> tuple:
    """(base, quote, settle or None) of a ccxt unified symbol (``BASE/QUOTE:SETTLE-EXPIRY...``)."""
    pair, _, rest = symbol.partition(":")
    base, _, quote = pair.partition("/")
    return base, quote, (rest.split("-")[0] if rest else None)


def _number(value, dump, path, problems, what) -> Fraction | None:
    """An exact number from ccxt's value (a number, or a decimal string in ``info``); None when absent."""
    if value is _MISSING or value is None or value == "":
        return None
    try:
        return exact(value)
    except NumberError as exc:
        problems.append(_at(dump, exc.limit or "MV822", f"{what} is {shown(value)}: {exc.reason}" if exc.limit else
                            f"{what} is {shown(value)}, not a number", path))
        return None


def _keys(*parts) -> tuple:
    """A JSON path as keys: parts, each dotted path (``info.cum``) split."""
    out: list = []
    for part in parts:
        out.extend([part] if isinstance(part, int) else str(part).split("."))
    return tuple(out)


def _at(dump, code, message, path=(), hint=None) -> Diagnostic:
    """A diagnostic in a dump: its file, line and column (when it was read from text) and JSON path."""
    return dump.diagnostic(code, message, _keys(*path), hint=hint)


def _entries(dump, problems, what) -> list:
    """[(symbol, json path prefix, item)] of a ccxt result: a dict keyed by symbol, or a list of dicts with one."""
    data = dump.data
    if isinstance(data, dict) and data:
        return [(symbol, (symbol,), item) for symbol, item in data.items()]
    if isinstance(data, list) and data:
        return [(item.get("symbol") if isinstance(item, dict) else None, (index,), item)
                for index, item in enumerate(data)]
    if isinstance(data, (dict, list)):
        problems.append(_at(dump, "MV820", f"the {what} dump is empty: it holds no "
                                           f"{'markets' if what.startswith('load') else 'tier tables'}",
                            hint="dump what ccxt returned, e.g. json.dump(exchange.fetch_leverage_tiers(), file); "
                                 "an empty result imports nothing"))
        return []
    problems.append(_at(dump, "MV820", f"a {what} dump is a JSON object keyed by symbol (or a list), not "
                                       f"{type(data).__name__}"))
    return []


# --------------------------------------------------------------------------------------------- load_markets()


def markets_from_dump(catalog, dump: Document, provenance) -> tuple[dict, list, list, list]:
    """({symbol: MarketSpec}, [symbols the catalog's ``select`` leaves out], [(symbol, field, value, why) of values
    left out: out of their field's range, such as a zero tick of a market not yet trading], problems) of a
    ``load_markets()`` dump."""
    entered = [name for name, field in catalog.fields.items() if field.ccxt is None]
    if entered:  # a new version read from ccxt would drop them: the whole catalog is kept by hand
        return {}, [], [], [Diagnostic("MV820", f"the catalog {catalog.id}'s market field(s) {', '.join(entered)} are "
                                       "entered by hand: no ccxt market has them", file=catalog.file, line=1, col=1,
                                       hint="edit the catalog's shard files by hand, citing the source of each "
                                            "version")]
    specs, skipped, ignored, problems, select = {}, [], [], [], catalog.select
    for symbol, prefix, market in _entries(dump, problems, "load_markets()"):
        if not isinstance(market, dict) or not isinstance(symbol, str) or "/" not in symbol:
            problems.append(_at(dump, "MV820", f"entry {shown(prefix[0])} is not a ccxt market", prefix))
            continue
        if select and not all(_selected(value_at(market, key), want) for key, want in select.items()):
            skipped.append(symbol)
            continue
        spec = _spec(catalog, symbol, market, dump, prefix, provenance, problems, ignored)
        if spec is not None:
            specs[symbol] = spec
    return specs, skipped, ignored, problems


def _selected(value, want) -> bool:
    return value in want if isinstance(want, list) else value == want


def _spec(catalog, symbol, market, dump, prefix, provenance, problems, ignored) -> MarketSpec | None:
    base, quote, settle = split_symbol(symbol)
    kind = _kind(market)
    if kind is None:
        problems.append(_at(dump, "MV821", f"{symbol}: ccxt says neither spot nor linear nor inverse", prefix,
                            hint="ccxt markets carry spot/linear/inverse flags"))
        return None
    text = {"base": market.get("base") or base, "quote": market.get("quote") or quote,
            "settle": market.get("settle") or settle}
    fields = {}
    for name, field in catalog.fields.items():
        value = value_at(market, field.ccxt)
        number = _number(value, dump, (*prefix, field.ccxt), problems, f"{symbol} {name}")
        if number is None:
            continue
        if name == "tick" and field.ccxt == "precision.price":
            number = _tick(catalog.price_precision, number)
            if number is None:
                continue
        if field_problem(name, number):
            ignored.append((symbol, name, number, field_problem(name, number)))
            continue
        fields[name] = number
    return MarketSpec(kind, text["base"], text["quote"], text["settle"] if kind != "spot" else None, fields,
                      provenance)


def _kind(market: dict) -> str | None:
    if market.get("spot") or market.get("type") == "spot":
        return "spot"
    if market.get("inverse"):
        return "inverse"
    if market.get("linear"):
        return "linear"
    return None


def _tick(precision: str, value: Fraction) -> Fraction | None:
    """ccxt's ``precision.price`` as a tick: itself ('tick'), 10^-n ('decimals'), none ('significant' digits)."""
    if precision == "tick":
        return value
    if precision == "decimals":
        return Fraction(1, 10 ** int(value)) if value >= 0 else Fraction(10 ** int(-value))
    return None


# --------------------------------------------------------------------------------------------- fetch_leverage_tiers()


def tiers_from_dump(catalog, dump: Document, provenance) -> tuple[dict, list]:
    """({symbol: TierVersion}, problems) of a ``fetch_leverage_tiers()`` dump, every table checked."""
    layout, tables, problems = catalog.layout, {}, []
    if layout is None:
        return {}, [Diagnostic("MV820", f"the catalog {catalog.id} declares no tier tables", file=catalog.file, line=1,
                               col=1, hint="a catalog's tier tables are declared under 'tiers' in its catalog.yaml")]
    entered = [name for name, column in layout.columns.items() if column.entered]
    if entered:
        return {}, [Diagnostic("MV820", f"the catalog {catalog.id}'s tier column(s) {', '.join(entered)} are entered "
                               "by hand: no ccxt method returns them", file=catalog.file, line=1, col=1,
                               hint="edit the catalog's shard files by hand, citing the source of each version")]
    groups = _entries(dump, problems, "fetch_leverage_tiers()")
    if isinstance(dump.data, list):  # a flat list of tiers, each naming its symbol
        by_symbol = {}
        for symbol, prefix, item in groups:
            by_symbol.setdefault(symbol, []).append((prefix, item))
        groups = [(symbol, None, items) for symbol, items in by_symbol.items()]
    for symbol, prefix, items in groups:
        if prefix is not None:
            items = [((prefix[0], index), item) for index, item in enumerate(items if isinstance(items, list) else [])]
        table = _table(catalog, symbol, items, dump, provenance, problems, prefix)
        if table is not None:
            tables[symbol] = table
    return tables, problems


def _table(catalog, symbol, items, dump, provenance, problems, prefix=None) -> TierVersion | None:
    layout = catalog.layout
    if not isinstance(symbol, str) or not items:
        where = prefix or (items[0][0][:1] if items else ())
        problems.append(_at(dump, "MV820", f"{shown(symbol)}: no tiers" if isinstance(symbol, str) else
                            "a tier that names no symbol", where,
                            hint="fetch_leverage_tiers() gives each market's tiers, lowest bracket first"))
        return None
    rows, places, found = [], [], []
    for number, (prefix, tier) in enumerate(items, start=1):
        if not isinstance(tier, dict):
            found.append(_at(dump, "MV820", f"{symbol}: tier {number} is not an object", prefix))
            continue
        floor = _number(value_at(tier, layout.floor_ccxt), dump, (*prefix, layout.floor_ccxt), found,
                        f"{symbol} tier {number} floor")
        cap = _number(value_at(tier, layout.cap_ccxt), dump, (*prefix, layout.cap_ccxt), found,
                      f"{symbol} tier {number} cap")
        values = {}
        for name, column in layout.columns.items():
            if column.derived:
                continue  # computed below from the rows read
            value = _number(value_at(tier, column.ccxt), dump, (*prefix, column.ccxt), found,
                            f"{symbol} tier {number} {name}")
            if value is None:
                found.append(_at(dump, "MV822", f"{symbol} tier {number} has no {column.ccxt} ({name})",
                                 (*prefix, column.ccxt)))
            values[name] = value
        if floor is None:
            found.append(_at(dump, "MV822", f"{symbol} tier {number} has no {layout.floor_ccxt}",
                             (*prefix, layout.floor_ccxt)))
        rows.append(TierRow(number, floor, cap, values))
        places.append(prefix)
    derived = [name for name, column in layout.columns.items() if column.derived == "continuity"]
    if derived and not found:  # the header allows it only for the continuity amount, whose rate was read above
        for row, amount in zip(rows, continuous_amounts(rows, layout.rate)):
            row.values[derived[0]] = amount
        rows = [TierRow(row.number, row.floor, row.cap, {name: row.values[name] for name in layout.columns})
                for row in rows]
    if not found:
        paths = {"floor": layout.floor_ccxt, "cap": layout.cap_ccxt,
                 **{name: c.ccxt or f"<derived: {c.derived}>" for name, c in layout.columns.items()}}
        for problem in table_problems(rows, rate=layout.rate, amount=layout.amount, max_leverage=layout.max_leverage):
            found.append(_at(dump, problem.code, f"{symbol}: {problem.message}",
                             (*places[problem.row], paths.get(problem.column, problem.column)), hint=problem.hint))
    problems.extend(found)
    if found:
        return None
    columns = {"<basis>": layout.basis_unit, **{name: c.unit for name, c in layout.columns.items()}}
    return TierVersion(TierTable(symbol, layout.bounds, provenance.effective, columns, tuple(rows), dump.file),
                       provenance)

