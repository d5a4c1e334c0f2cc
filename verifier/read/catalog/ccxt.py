"""What ccxt returns, dumped to JSON, read into catalog versions: ``load_markets()`` and ``fetch_leverage_tiers()``.

The dumps are read exactly as ccxt writes them (floats read as their shortest decimal, ``Infinity`` as no bound);
where the unified form drops something the catalog's header names the raw key under ``info`` (Binance's ``cum``).
Every value is found by the dotted path the catalog's header gives (``maxLeverage``, ``limits.leverage.max``,
``info.cum``).  A problem is a diagnostic at the dump's file and JSON path (``$["BTC/USDT:USDT"][3].info.cum``);
tier tables must meet every invariant (:func:`verifier.model.tiers.table_problems`) before they are imported.

>>> from fractions import Fraction as F
>>> value_at({"limits": {"leverage": {"max": F(50)}}}, "limits.leverage.max")
Fraction(50, 1)
>>> split_symbol("BTC/USDT:USDT-260925"), split_symbol("ETH/BTC")
(('BTC', 'USDT', 'USDT'), ('ETH', 'BTC', None))
"""

from __future__ import annotations

import json
from fractions import Fraction

from verifier.errors import Diagnostic
from verifier.model.market import MarketSpec, TierVersion, field_problem
from verifier.model.tiers import TierRow, TierTable, table_problems

_MISSING = object()


def read_dump(path) -> tuple[object, list[Diagnostic]]:
    """The JSON ccxt's output was dumped to, with exact numbers; (None, [problem]) when it is not JSON."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Diagnostic("MV820", f"cannot read the ccxt dump: {exc}", file=name)]
    try:
        return json.loads(text, parse_float=Fraction, parse_constant=_constant), []
    except json.JSONDecodeError as exc:
        return None, [Diagnostic("MV820", f"not JSON: {exc.msg}", file=name, line=exc.lineno, col=exc.colno,
                                 hint="dump ccxt's result with json.dump(result, file)")]


def _constant(name: str):
    """``Infinity`` (json.dump of ccxt's float('inf')) is no bound; NaN is not a number we can use."""
    return None if name == "Infinity" else float("nan")


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


def _number(value, file, path, problems, what) -> Fraction | None:
    """An exact number from ccxt's value (a number, or a decimal string in ``info``); None when absent."""
    if value is _MISSING or value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, float):  # a float here is NaN (see _constant)
        problems.append(Diagnostic("MV822", f"{what} is {value!r}, not a number", file=file, json_path=path))
        return None
    try:
        return Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        problems.append(Diagnostic("MV822", f"{what} is {value!r}, not a number", file=file, json_path=path))
        return None


def _jp(*parts) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            for key in str(part).split("."):
                out += f'["{key}"]' if not key.isidentifier() else f".{key}"
    return out


def _entries(data, file, problems, what) -> list:
    """[(symbol, json path prefix, item)] of a ccxt result: a dict keyed by symbol, or a list of dicts with one."""
    if isinstance(data, dict):
        return [(symbol, (symbol,), item) for symbol, item in data.items()]
    if isinstance(data, list):
        return [(item.get("symbol") if isinstance(item, dict) else None, (index,), item)
                for index, item in enumerate(data)]
    problems.append(Diagnostic("MV820", f"a {what} dump is a JSON object keyed by symbol (or a list), not "
                                        f"{type(data).__name__}", file=file))
    return []


# --------------------------------------------------------------------------------------------- load_markets()


def markets_from_dump(catalog, data, file: str, provenance) -> tuple[dict, list, list, list]:
    """({symbol: MarketSpec}, [symbols the catalog's ``select`` leaves out], [(symbol, field, value, why) of values
    left out: out of their field's range, such as a zero tick of a market not yet trading], problems) of a
    ``load_markets()`` dump."""
    specs, skipped, ignored, problems, select = {}, [], [], [], catalog.select
    for symbol, prefix, market in _entries(data, file, problems, "load_markets()"):
        if not isinstance(market, dict) or not isinstance(symbol, str) or "/" not in symbol:
            problems.append(Diagnostic("MV820", f"entry {prefix[0]!r} is not a ccxt market", file=file,
                                       json_path=_jp(*prefix)))
            continue
        if select and not all(_selected(value_at(market, key), want) for key, want in select.items()):
            skipped.append(symbol)
            continue
        spec = _spec(catalog, symbol, market, file, prefix, provenance, problems, ignored)
        if spec is not None:
            specs[symbol] = spec
    return specs, skipped, ignored, problems


def _selected(value, want) -> bool:
    return value in want if isinstance(want, list) else value == want


def _spec(catalog, symbol, market, file, prefix, provenance, problems, ignored) -> MarketSpec | None:
    base, quote, settle = split_symbol(symbol)
    kind = _kind(market)
    if kind is None:
        problems.append(Diagnostic("MV821", f"{symbol}: ccxt says neither spot nor linear nor inverse", file=file,
                                   json_path=_jp(*prefix), hint="ccxt markets carry spot/linear/inverse flags"))
        return None
    text = {"base": market.get("base") or base, "quote": market.get("quote") or quote,
            "settle": market.get("settle") or settle}
    fields = {}
    for name, field in catalog.fields.items():
        value = value_at(market, field.ccxt)
        number = _number(value, file, _jp(*prefix, field.ccxt), problems, f"{symbol} {name}")
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


def tiers_from_dump(catalog, data, file: str, provenance) -> tuple[dict, list]:
    """({symbol: TierVersion}, problems) of a ``fetch_leverage_tiers()`` dump, every table checked."""
    layout, tables, problems = catalog.layout, {}, []
    if layout is None:
        return {}, [Diagnostic("MV820", f"the catalog {catalog.id} declares no tier tables", file=catalog.file)]
    groups = _entries(data, file, problems, "fetch_leverage_tiers()")
    if isinstance(data, list):  # a flat list of tiers, each naming its symbol
        by_symbol = {}
        for symbol, prefix, item in groups:
            by_symbol.setdefault(symbol, []).append((prefix, item))
        groups = [(symbol, None, items) for symbol, items in by_symbol.items()]
    for symbol, prefix, items in groups:
        if prefix is not None:
            items = [((prefix[0], index), item) for index, item in enumerate(items if isinstance(items, list) else [])]
        table = _table(catalog, symbol, items, file, provenance, problems)
        if table is not None:
            tables[symbol] = table
    return tables, problems


def _table(catalog, symbol, items, file, provenance, problems) -> TierVersion | None:
    layout = catalog.layout
    if not isinstance(symbol, str) or not items:
        problems.append(Diagnostic("MV820", f"{symbol!r}: no tiers", file=file, json_path=_jp(symbol or "?")))
        return None
    rows, places, found = [], [], []
    for number, (prefix, tier) in enumerate(items, start=1):
        if not isinstance(tier, dict):
            found.append(Diagnostic("MV820", f"{symbol}: tier {number} is not an object", file=file,
                                    json_path=_jp(*prefix)))
            continue
        floor = _number(value_at(tier, layout.floor_ccxt), file, _jp(*prefix, layout.floor_ccxt), found,
                        f"{symbol} tier {number} floor")
        cap = _number(value_at(tier, layout.cap_ccxt), file, _jp(*prefix, layout.cap_ccxt), found,
                      f"{symbol} tier {number} cap")
        values = {}
        for name, column in layout.columns.items():
            value = _number(value_at(tier, column.ccxt), file, _jp(*prefix, column.ccxt), found,
                            f"{symbol} tier {number} {name}")
            if value is None:
                found.append(Diagnostic("MV822", f"{symbol} tier {number} has no {column.ccxt} ({name})", file=file,
                                        json_path=_jp(*prefix, column.ccxt)))
            values[name] = value
        if floor is None:
            found.append(Diagnostic("MV822", f"{symbol} tier {number} has no {layout.floor_ccxt}", file=file,
                                    json_path=_jp(*prefix, layout.floor_ccxt)))
        rows.append(TierRow(number, floor, cap, values))
        places.append(prefix)
    if not found:
        paths = {"floor": layout.floor_ccxt, "cap": layout.cap_ccxt,
                 **{name: c.ccxt for name, c in layout.columns.items()}}
        for problem in table_problems(rows, rate=layout.rate, amount=layout.amount, max_leverage=layout.max_leverage):
            found.append(Diagnostic(problem.code, f"{symbol}: {problem.message}", file=file,
                                    json_path=_jp(*places[problem.row], paths.get(problem.column, problem.column)),
                                    hint=problem.hint))
    problems.extend(found)
    if found:
        return None
    columns = {"<basis>": layout.basis_unit, **{name: c.unit for name, c in layout.columns.items()}}
    return TierVersion(TierTable(symbol, layout.bounds, provenance.effective, columns, tuple(rows), file), provenance)

