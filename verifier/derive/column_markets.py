"""The markets of a chunk as arrays, for the column evaluation (:mod:`verifier.derive.columns`): what the rule's
market catalog says on the date, read once per market and kept for the whole run.

Per market: what fills a position's missing fields (``contractSize``), the ``market:`` fields a mode reads, the
price tick, whether floats may price it (its kind is the rule's, it has the tier table a tiered mode needs), and its
tier table padded to the widest market's (floors and caps +inf, values NaN past its last row), also transposed so
that row k of every market is one contiguous array.  A market the catalog cannot serve is not an error here: floats
decline its positions and the exact path says why (MV606, MV607, MV608).

>>> import datetime, numpy as np
>>> from verifier.read import load_rule
>>> rule = load_rule("binance/usdm-perpetual")
>>> tables = MarketTables(rule, datetime.date(2026, 10, 1), {"MMR": "MMR", "cum": "cum"}, [], True, {})
>>> codes, arrays = tables.arrays(("BTC/USDT:USDT", "NOPE/USDT:USDT"))
>>> arrays["ok"].tolist()  # a market the catalog does not list: floats decline it
[True, False]
>>> rows = tier_row(arrays, codes[[0, 0]], np.array([1e5, 1e9]))  # BTC's row index at a notional of 1e5 and 1e9
>>> rows.tolist(), arrays["numbers"][codes[0], rows].tolist()
([0, 10], [1.0, 11.0])
"""

from __future__ import annotations

import numpy as np

from verifier.derive.account.market import MarketData
from verifier.errors import VerifierError
from verifier.model.market import POSITION_FIELDS


class MarketTables:
    """One mode's view of the markets (its tier symbols, its ``market:`` fields); the catalog's records are shared
    by every mode of the rule through ``shared``."""

    def __init__(self, rule, date, tier_symbols: dict, market_names: list, tiered: bool, shared: dict):
        self.rule, self.date, self.tier_symbols, self.market_names = rule, date, tier_symbols, list(market_names)
        self.tiered, self._shared = tiered, shared
        self._index, self._records, self._arrays = {}, [], None

    def arrays(self, symbols) -> tuple:
        """(per market of ``symbols``: its index in the arrays; the arrays, indexed by that): what fills a
        position's missing fields, the ``market:`` fields, the tick, whether floats may price it, and its tier
        table padded to the widest (floors and caps +inf, values NaN past a market's last row).  Markets are
        looked up once and the arrays rebuilt only when a chunk brings new ones."""
        codes = np.empty(len(symbols), dtype=np.int64)
        grown = False
        for i, symbol in enumerate(symbols):
            at = self._index.get(symbol)
            if at is None:
                at = self._index[symbol] = len(self._records)
                self._records.append(self._market(symbol))
                grown = True
            codes[i] = at
        if grown or self._arrays is None:
            self._arrays = self._build(self._records)
        return codes, self._arrays

    def _build(self, records) -> dict:
        """The arrays of ``records``: those built before extended by the records added since (built whole again
        only when a new market has more tier rows than any before)."""
        old = self._arrays
        if old is None:
            return self._arrays_of(records)
        built = len(old["tick"])
        width = old["floors"].shape[1] if self.tiered else None
        if self.tiered and max(len(r["floors"]) for r in records[built:]) > width:
            return self._arrays_of(records)
        fresh = self._arrays_of(records[built:], width)
        out = {"fill": {f: np.concatenate([old["fill"][f], fresh["fill"][f]]) for f in old["fill"]},
               "fields": {n: np.concatenate([old["fields"][n], fresh["fields"][n]]) for n in old["fields"]}}
        for key in ("tick", "ok", "inclusive", "floors", "caps", "numbers"):
            if key in old:
                out[key] = np.concatenate([old[key], fresh[key]])
        if self.tiered:
            out["tiers"] = {n: np.concatenate([old["tiers"][n], fresh["tiers"][n]]) for n in old["tiers"]}
            _transposed(out)
        return out

    def _arrays_of(self, records, width=None) -> dict:
        out = {"fill": {f: np.array([r["fill"][f] for r in records]) for f in POSITION_FIELDS},
               "fields": {n: np.array([r["fields"].get(n, np.nan) for r in records]) for n in self.market_names},
               "tick": np.array([r["tick"] for r in records]), "ok": np.array([r["ok"] for r in records], dtype=bool)}
        if self.tiered:
            width = width or max([len(r["floors"]) for r in records] + [1])

            def pad(values, fill):
                return np.array([np.concatenate([v, np.full(width - len(v), fill)]) for v in values]).reshape(
                    len(records), width)

            out["floors"] = pad([r["floors"] for r in records], np.inf)
            out["caps"] = pad([r["caps"] for r in records], np.inf)
            out["numbers"] = pad([r["numbers"] for r in records], -1.0)
            out["inclusive"] = np.array([r["inclusive"] for r in records], dtype=bool)
            out["tiers"] = {name: pad([r["tiers"][name] for r in records], np.nan) for name in self.tier_symbols}
            _transposed(out)
        return out

    def _market(self, symbol: str) -> dict:
        """One market's data for this mode (its catalog record shared by every mode of the rule)."""
        shared = _catalog_record(self._shared, self.rule, symbol, self.date)
        table = shared["table"]
        record = {"fill": shared["fill"], "fields": {n: _field(shared, n) for n in self.market_names},
                  "tick": shared["tick"], "ok": shared["type_ok"]}
        if self.tiered:
            if table is None:
                record["ok"] = False  # MV606 / MV607: the exact path says which
                table = {"inclusive": True, "floors": np.zeros(0), "caps": np.zeros(0), "numbers": np.zeros(0),
                         "values": {}}
            record.update({key: table[key] for key in ("inclusive", "floors", "caps", "numbers")})
            record["tiers"] = {name: table["values"].get(column, np.full(len(table["floors"]), np.nan))
                               for name, column in self.tier_symbols.items()}
        return record

def tier_row(markets, code, basis) -> np.ndarray:
    """The tier row (index into the padded table, -1: none) holding ``basis``, per position: searchsorted's
    answer (the floors at or below the basis, less one), counted one row at a time across every market at once
    (a chunk spans hundreds of markets of a dozen rows each: 5 ms for 125,000 positions where a searchsorted per
    market took 16, plus 13 to sort the positions by market)."""
    floors, caps = markets["floors"], markets["caps"]
    bounds = markets["inclusive"]
    row = np.full(len(code), -1, dtype=np.int64)
    for k in range(floors.shape[1]):
        floor = markets["floorsT"][k][code]
        if bounds.all():
            row += floor <= basis
        elif not bounds.any():
            row += floor < basis
        else:
            row += np.where(bounds[code], floor <= basis, floor < basis)
    safe = np.maximum(row, 0)
    held = inside(markets, code, basis, floors[code, safe], caps[code, safe]) & (row >= 0)
    return np.where(held, row, -1)


def inside(markets, code, basis, floor, cap) -> np.ndarray:
    """Whether ``basis`` lies in [floor, cap) (or (floor, cap], by each market's table's bounds)."""
    bounds = markets["inclusive"]
    if bounds.all():
        return (basis >= floor) & (basis < cap)
    if not bounds.any():
        return (basis > floor) & (basis <= cap)
    return np.where(bounds[code], (basis >= floor) & (basis < cap), (basis > floor) & (basis <= cap))


def _transposed(arrays: dict) -> None:
    """Row k of every market's table as one contiguous array (``floorsT[k]``...): a position's value in row k is
    then a 1-D take, several times faster than indexing the 2-D table by (market, k)."""
    for key in ("floors", "caps", "numbers"):
        arrays[key + "T"] = np.ascontiguousarray(arrays[key].T)
    arrays["tiersT"] = {name: np.ascontiguousarray(values.T) for name, values in arrays["tiers"].items()}


def _catalog_record(cache: dict, rule, symbol: str, date) -> dict:
    """What the catalog says of one market on the date, in floats, read once for every mode: what fills a
    position's missing fields, the tick, whether its kind is the rule's, its tier table (None: none)."""
    key = ("catalog", symbol)
    found = cache.get(key)
    if found is not None:
        return found
    market = MarketData.of(rule, symbol, date)
    found = {"market": market, "fill": {f: _float(market.field(m)) for f, m in POSITION_FIELDS.items()},
             "tick": _float(market.tick), "type_ok": True, "fields": {}, "table": None}
    try:
        market.check_type(rule.product)
    except VerifierError:
        found["type_ok"] = False  # the exact path says why (MV608)
    if rule.tiers is not None:
        try:
            table = market.tier_table()
        except VerifierError:
            table = None
        if table is not None:
            rows = table.rows
            columns = sorted({column for row in rows for column in row.values})
            found["table"] = {
                "inclusive": table.bounds == "[floor, cap)", "floors": np.array([float(r.floor) for r in rows]),
                "caps": np.array([np.inf if r.cap is None else float(r.cap) for r in rows]),
                "numbers": np.array([float(r.number) for r in rows]),
                "values": {c: np.array([_float(r.values.get(c)) for r in rows]) for c in columns}}
    cache[key] = found
    return found


def _field(record: dict, name: str) -> float:
    if name not in record["fields"]:
        record["fields"][name] = _float(record["market"].field(name))
    return record["fields"][name]


def _float(value) -> float:
    return np.nan if value is None else float(value)
