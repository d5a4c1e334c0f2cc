"""Many accounts evaluated at once, in float64 columns: the batch fast path beside the exact :mod:`.account`.

The same steps as :func:`verifier.derive.account.evaluate_account`, each a NumPy operation over every position of
every pool of a chunk (:class:`~verifier.model.position_columns.PositionColumns`):

1. the setting, once per margin mode (:func:`~verifier.derive.account.setting.setting_for`: the rule as of the
   date, the mode, the parameters in force, the symbols the answer needs);
2. each symbol read from its snapshot reading, the market filling what a position lacks (``contractSize``, a
   ``market:`` field), each value checked against the symbol's domain;
3. the tier row at the mark: the basis compared with every market's floors in one padded table (searchsorted's
   answer, as a count of the floors at or below the basis: a chunk spans hundreds of markets of a dozen rows
   each, so one comparison per row beats a search per market), then each definition at the mark;
4. the ``others:`` symbols as grouped sums: each pool's total (``np.bincount`` by pool) less the position's own;
5. the liquidation price: each root of the closed form for every tier row, kept where it is valid and its basis
   lies in that row, the candidate nearest to the mark chosen (as :func:`verifier.derive.tiers.solve_form`);
   then the status from the rule's own conditions and the margin ratio.

The results agree with the exact path to :data:`RELATIVE_TOLERANCE` of their scale (see :func:`agrees`).  What
floats cannot decide faithfully -- a missing or out-of-domain value, a market the catalog cannot serve, a hedge
pair, a condition undecidable at the mark -- is not guessed: the position is marked ``exact`` and its account
goes through the exact path, which computes it or says what is wrong.

>>> import datetime, numpy as np
>>> from verifier.read import load_rule
>>> from verifier.model.position_columns import PositionColumns
>>> rule = load_rule("binance/usdm-perpetual")
>>> columns = PositionColumns(
...     {"contracts": np.array([1.0]), "contractSize": np.array([1.0]), "entryPrice": np.array([60000.0]), "markPrice": np.array([60000.0]),
...      "collateral": np.array([1000.0])}, np.array([1.0]), np.array([0], dtype=np.int32), ("BTC/USDT:USDT",),
...     np.array([0]), np.array([0]), np.array([False]), None, np.array([0]), np.array([1], dtype=np.int8),
...     np.array([-1], dtype=np.int32), (), np.array([np.nan]))
>>> priced = RuleColumns(rule, datetime.date(2024, 10, 1)).price(columns)
>>> round(float(priced.liquidation_price[0]), 6), int(priced.tier[0]), STATUSES[priced.status[0]]
(59246.231156, 2, 'normal')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from verifier.derive.account.evaluation import RATIOS, STATUSES
from verifier.derive.account.market import MarketData
from verifier.derive.column_markets import MarketTables, inside, tier_row
from verifier.derive.account.setting import setting_for
from verifier.derive.derivation import derive_rule
from verifier.errors import VerifierError
from verifier.model.account import Account
from verifier.model.column_formula import ColumnFormulaError, compile_columns, hoist
from verifier.model.position_columns import MARGIN_MODES
from verifier.model.snapshot import fields_of

RELATIVE_TOLERANCE = 1e-9
"""How far a float result may lie from the exact one, relative to its scale (:func:`agrees`)."""

STATUS_CODES = {name: code for code, name in enumerate(STATUSES)}


@dataclass
class Priced:
    """What :meth:`RuleColumns.price` found: per position, then per pool (arrays; NaN where no value exists)."""

    liquidation_price: np.ndarray
    mark: np.ndarray  # the rule's price symbol as read (the mark)
    price_tier: np.ndarray  # int: the tier row the price lies in (-1: none, or no tier table)
    tier: np.ndarray  # int: the tier row at the mark (-1: none)
    maintenance_margin: np.ndarray
    unrealized_pnl: np.ndarray
    margin_ratio: np.ndarray
    status: np.ndarray  # int8: index into STATUSES
    gap: np.ndarray  # how far the deciding condition is from flipping, relative to the pool's gross
    ratio_parts: tuple  # (numerator, denominator) of the margin ratio, for its tolerance
    exact: np.ndarray  # bool: floats cannot answer faithfully; the exact path must
    tick: np.ndarray  # the market's price tick (NaN: none)
    pool_status: np.ndarray
    pool_equity: np.ndarray
    pool_maintenance_margin: np.ndarray
    pool_margin_ratio: np.ndarray
    pool_gross: np.ndarray  # |wallet| + sum of |notional|: the scale amounts are compared at
    pool_exact: np.ndarray


def agrees(value, exact, scale) -> bool:
    """Whether a float result agrees with the exact one: within :data:`RELATIVE_TOLERANCE` of ``max(|exact|,
    scale)`` (a price is judged against the mark, an amount against its pool's gross); both missing agree.

    >>> agrees(100.0000000001, 100, 0), agrees(101.0, 100, 0), agrees(None, None, 1)
    (True, False, True)
    """
    if exact is None or value is None or value != value:
        return exact is None and (value is None or value != value)
    return abs(value - float(exact)) <= RELATIVE_TOLERANCE * max(abs(float(exact)), scale)


class RuleColumns:
    """A rule compiled for columns on one date: one :class:`ModeColumns` per margin mode, made when first used."""

    def __init__(self, rule, date):
        self.rule, self.date = rule, date
        self._modes: dict = {}
        self._markets: dict = {}

    def mode(self, margin_mode: str) -> "ModeColumns | VerifierError":
        """The compiled mode for a margin mode, or the error that stops the rule evaluating any such pool (the
        exact path reports it, located in the rule)."""
        if margin_mode not in self._modes:
            try:
                self._modes[margin_mode] = ModeColumns(self.rule, margin_mode, self.date, self._markets)
            except (VerifierError, ColumnFormulaError) as exc:
                self._modes[margin_mode] = exc
        return self._modes[margin_mode]

    def _by_mode(self, columns):
        """(compiled mode or its error, its pools, their positions) for each margin mode the chunk's pools hold."""
        for code, name in enumerate(MARGIN_MODES):
            pools = np.flatnonzero(columns.pool_mode == code)
            if not len(pools):
                continue
            keep = np.zeros(columns.pools, dtype=bool)
            keep[pools] = True
            yield self.mode(name), pools, np.flatnonzero(keep[columns.pool])

    def price(self, columns) -> Priced:
        """Every position and pool of ``columns`` priced (each margin mode by its own compiled mode)."""
        out = _blank(columns)
        for mode, pools, positions in self._by_mode(columns):
            if isinstance(mode, ModeColumns):
                _merge(out, mode.price(_subset(columns, positions, pools)), positions, pools)
            elif _of_rule(mode, self.rule):
                raise mode  # the rule cannot evaluate any such pool on this date: one error, not one an account
            else:
                out.exact[positions] = True
                out.pool_exact[pools] = True
        return out

    def stale(self, symbols, on) -> set:
        """(symbol, part, days) of the market data in force on the date last seen more than the rule's threshold
        before ``on`` (remembered per market)."""
        out = set()
        for symbol in symbols:
            key = ("stale", symbol, on)
            if key not in self._markets:
                market = MarketData.of(self.rule, symbol, self.date)
                self._markets[key] = {(symbol, part, (on - provenance.seen).days)
                                      for part, provenance, *_gap in market.stale(on, self.rule.stale_after_days)}
            out |= self._markets[key]
        return out

    def liquidated(self, columns, marks: np.ndarray) -> np.ndarray:
        """Per pool: whether its status is ``liquidation`` with every position at ``marks`` (its new mark price);
        pools floats cannot judge are False and marked in the second array."""
        hit = np.zeros(columns.pools, dtype=bool)
        unsure = np.zeros(columns.pools, dtype=bool)
        for mode, pools, positions in self._by_mode(columns):
            if not isinstance(mode, ModeColumns):
                unsure[pools] = True
                continue
            sub = _subset(columns, positions, pools)
            sub.fields = dict(sub.fields, markPrice=marks[positions])
            hit[pools], unsure[pools] = mode.liquidated(sub)
        return hit, unsure


class ModeColumns:
    """One mode compiled for columns (see the module)."""

    def __init__(self, rule, margin_mode: str, date, markets: dict):
        setting = setting_for(rule, Account("futures", margin_mode, ()), date)
        self.setting, self.rule, self.mode, self.date = setting, setting.rule, setting.mode, date
        self.margin_mode = margin_mode
        mode = self.mode
        values = {symbol: sympy.Rational(v.numerator, v.denominator) for symbol, v in setting.parameters.items()}
        self.price_symbol = self.rule.price
        self.tier_symbols = dict(mode.tier_symbols)
        self.tiered = self.rule.tiers is not None and bool(self.tier_symbols)
        self.others = dict(mode.others)
        self.symbols = {}  # name -> (reading closure, fields it uses, spec)
        for name, spec in mode.symbols.items():
            if spec.others:
                continue
            reading = spec.reading(margin_mode) if spec.snapshot_formula(margin_mode) else None
            compiled = compile_columns(reading) if reading is not None else None
            self.symbols[name] = (compiled, sorted(fields_of(reading)) if reading is not None else [], spec)
        self.needed = frozenset(setting.needed) - set(self.others)
        self.definitions = {name: compile_columns(d.expr.xreplace(values)) for name, d in mode.definitions.items()}
        others_symbols = {mode.symbols[n].sympy for n in self.others}
        self.at_mark = [name for name, d in mode.definitions.items() if not (d.expr.free_symbols & others_symbols)]
        self.basis = compile_columns(mode.tier_basis.expr.xreplace(values)) if mode.tier_basis is not None else None
        self.conditions = {name: (compile_columns(c.relation.lhs.xreplace(values)),
                                  compile_columns(c.relation.rhs.xreplace(values)))
                           for name, c in mode.conditions.items() if name in ("liquidation", "margin_call")}
        self.relations = {name: type(c.relation) for name, c in mode.conditions.items()}
        ratio = next((name for name in RATIOS if name in mode.definitions), None)
        self.ratio = ratio
        if ratio is not None:
            numerator, denominator = sympy.fraction(sympy.together(mode.definitions[ratio].expr.xreplace(values)))
            self.ratio_parts = (compile_columns(numerator), compile_columns(denominator))
        self.roots = self._roots(values) if "liquidation" in mode.conditions else []
        names = sorted({spec.market for _, _, spec in self.symbols.values() if spec.market})
        self.tables = MarketTables(self.rule, date, self.tier_symbols, names, self.tiered, markets)

    def market_arrays(self, symbols) -> tuple:
        """(each symbol's index in the arrays, the arrays): :meth:`MarketTables.arrays`."""
        return self.tables.arrays(symbols)

    # -- compiling the closed form ----------------------------------------------------------------------------
    def _roots(self, values) -> list:
        """Per root: (hoisted parts, root, validity conditions, excluded values), compiled; the parts free of the
        tier symbols are computed once per chunk, the rest once per tier row."""
        form = derive_rule(self.rule).closed_form(self.mode.name, "liquidation")
        self.form = form
        varying = {self.mode.symbols[n].sympy for n in self.tier_symbols}
        out = []
        for root in form.roots:
            expr, parts = hoist(root.xreplace(values), varying)
            out.append(([(symbol.name, compile_columns(part)) for symbol, part in parts], compile_columns(expr)))
        self.root_conditions = [(compile_columns(c.lhs.xreplace(values)), compile_columns(c.rhs.xreplace(values)),
                                 _OPS[type(c)]) for c in form.conditions]
        self.excluded = [compile_columns(e.xreplace(values)) for e in form.excluded]
        return out

    # -- evaluating --------------------------------------------------------------------------------------------
    def state(self, columns, codes, markets) -> tuple:
        """(symbol environment, definitions at the mark, tier row at the mark, positions floats cannot answer):
        steps 2 and 3 of the module; ``codes`` maps the chunk's market codes to the arrays'."""
        n, code = columns.n, codes[columns.market]
        exact = columns.flagged.copy() | ~markets["ok"][code]
        leverage = columns.fields.get("leverage")
        if leverage is not None:  # above the market's limit: the exact path refuses it (legs._check_leverage)
            exact |= leverage > markets["leverage_limit"][code]
        fields = dict(columns.fields)
        fields["side"] = columns.side
        wallet = columns.pool_wallet[columns.pool]
        if np.isfinite(wallet).any():
            fields.setdefault("walletBalance", wallet)
        for name, values in markets["fill"].items():
            given = fields.get(name)
            fill = values[code]
            fields[name] = fill if given is None else np.where(np.isnan(given), fill, given)
        env = {}
        with np.errstate(all="ignore"):
            for name, (reading, used, spec) in self.symbols.items():
                value = None
                if reading is not None and all(f in fields for f in used):
                    present = np.logical_and.reduce([~np.isnan(fields[f]) for f in used]) if used else \
                        np.ones(n, dtype=bool)
                    value = np.broadcast_to(np.asarray(reading(fields), dtype=np.float64), (n,)).copy()
                    exact |= present & ~np.isfinite(value)  # a reading that divides by zero: MV602
                    value[~present] = np.nan
                if spec.market and name in self.needed:
                    from_market = markets["fields"][spec.market][code]
                    value = from_market if value is None else np.where(np.isnan(value), from_market, value)
                if value is None:
                    if spec.from_tiers:
                        continue
                    value = np.full(n, np.nan)
                if spec.from_tiers:
                    exact |= ~np.isnan(value)  # the position gives its own bracket: the exact path's case
                    continue
                exact |= ~np.isnan(value) & ~_in_domain(value, spec)
                if name in self.needed:
                    exact |= np.isnan(value)
                env[name] = value
            tier = np.full(n, -1, dtype=np.int64)
            if self.tiered:
                basis = self.basis(env)
                row = tier_row(markets, code, basis)
                exact |= row < 0
                safe = np.maximum(row, 0)
                tier = np.where(row >= 0, markets["numbers"][code, safe], -1).astype(np.int64)
                for name in self.tier_symbols:
                    env[name] = np.where(row >= 0, markets["tiers"][name][code, safe], np.nan)
            at_mark = {name: _column(self.definitions[name](env), n) for name in self.at_mark}
        return env, at_mark, tier, exact

    def sums(self, columns, env, at_mark, exact) -> dict:
        """Step 4: each ``others:`` symbol as the pool's total less the position's own share."""
        whole = dict(env)
        sizes = np.bincount(columns.pool, minlength=columns.pools)
        for name, definition in self.others.items():
            own = at_mark.get(definition, np.full(columns.n, np.nan))
            missing = np.isnan(own)
            exact |= missing & (sizes[columns.pool] > 1)  # the exact path cannot sum it: MV603
            own = np.where(missing, 0.0, own)
            total = np.bincount(columns.pool, weights=own, minlength=columns.pools)
            whole[name] = total[columns.pool] - own
        return whole

    def price(self, columns) -> Priced:
        codes, markets = self.market_arrays(columns.markets)
        env, at_mark, tier, exact = self.state(columns, codes, markets)
        whole = self.sums(columns, env, at_mark, exact)
        n = columns.n
        with np.errstate(all="ignore"):
            price, price_tier = self._liquidation(columns, codes[columns.market], markets, whole)
            status, gap, undecided = self._status(columns, whole, at_mark)
            exact |= undecided
            ratio = _column(self.definitions[self.ratio](whole), n) if self.ratio else np.full(n, np.nan)
            parts = tuple(_column(p(whole), n) for p in self.ratio_parts) if self.ratio else ()
            ratio = np.where(np.isfinite(ratio), ratio, np.nan)
        nan = np.full(n, np.nan)
        mm = at_mark.get("maintenance_margin", nan)
        upnl = at_mark.get("upnl", nan)
        pools = columns.pools
        pool_status = np.zeros(pools, dtype=np.int8)
        np.maximum.at(pool_status, columns.pool, status)
        pool_mm = np.bincount(columns.pool, weights=mm, minlength=pools)
        if self.margin_mode == "cross":
            pool_equity = columns.pool_wallet + np.bincount(columns.pool, weights=upnl, minlength=pools)
        else:
            equity = _column(self.definitions["equity"](whole), n) if "equity" in self.definitions else nan
            pool_equity = np.bincount(columns.pool, weights=equity, minlength=pools)
        first = _first_of(columns.pool, pools)
        pool_ratio = ratio[first] if (self.margin_mode == "cross" and self.others) else np.full(pools, np.nan)
        notional = at_mark.get("notional", nan)
        gross = np.abs(np.nan_to_num(columns.pool_wallet)) + np.bincount(
            columns.pool, weights=np.abs(np.nan_to_num(notional)), minlength=pools)
        pool_exact = np.zeros(pools, dtype=bool)
        np.logical_or.at(pool_exact, columns.pool, exact)
        gap = gap / np.maximum(gross[columns.pool], 1e-300)
        return Priced(price, whole[self.price_symbol], price_tier, tier, mm, upnl, ratio, status, gap, parts, exact,
                      markets["tick"][codes[columns.market]], pool_status, pool_equity, pool_mm, pool_ratio, gross,
                      pool_exact)

    def liquidated(self, columns) -> tuple:
        """Per pool: (status is liquidation, floats cannot judge it): the replay of a price path."""
        codes, markets = self.market_arrays(columns.markets)
        env, at_mark, _, exact = self.state(columns, codes, markets)
        whole = self.sums(columns, env, at_mark, exact)
        with np.errstate(all="ignore"):
            status, _, undecided = self._status(columns, whole, at_mark)
        exact |= undecided
        hit = np.zeros(columns.pools, dtype=bool)
        np.logical_or.at(hit, columns.pool, status == STATUS_CODES["liquidation"])
        unsure = np.zeros(columns.pools, dtype=bool)
        np.logical_or.at(unsure, columns.pool, exact)
        return hit & ~unsure, unsure

    def _status(self, columns, whole, at_mark) -> tuple:
        """(status code, |lhs - rhs| of the condition nearest to flipping, undecidable) per position."""
        n = columns.n
        status = np.zeros(n, dtype=np.int8)
        gap = np.full(n, np.inf)
        undecided = np.zeros(n, dtype=bool)
        for name in ("margin_call", "liquidation"):  # the worse one decides: liquidation last
            if name not in self.conditions:
                continue
            lhs, rhs = (_column(side(whole), n) for side in self.conditions[name])
            undecided |= ~np.isfinite(lhs) | ~np.isfinite(rhs)
            holds = _OPS[self.relations[name]](lhs, rhs)
            status = np.where(holds, np.int8(STATUS_CODES[name]), status)
            gap = np.minimum(gap, np.abs(lhs - rhs))
        return status, gap, undecided

    def _liquidation(self, columns, code, markets, whole) -> tuple:
        """Step 5: the tier-consistent root nearest to the mark, and the row it lies in."""
        n = columns.n
        best = np.full(n, np.nan)
        best_tier = np.full(n, -1, dtype=np.int64)
        distance = np.full(n, np.inf)
        mark = whole[self.price_symbol]
        rows = markets["floors"].shape[1] if self.tiered else 1
        for parts, root in self.roots:
            env = dict(whole)
            for name, part in parts:
                env[name] = part(env)
            for k in range(rows):
                if self.tiered:
                    for name in self.tier_symbols:
                        env[name] = markets["tiersT"][name][k][code]
                value = _column(root(env), n)
                ok = np.isfinite(value)
                at_root = dict(env)
                at_root[self.price_symbol] = value
                for lhs, rhs, op in self.root_conditions:
                    ok &= op(lhs(at_root), rhs(at_root))
                for excluded in self.excluded:
                    ok &= value != excluded(at_root)
                if self.tiered:
                    basis = self.basis(at_root)
                    floor, cap = markets["floorsT"][k][code], markets["capsT"][k][code]
                    ok &= inside(markets, code, basis, floor, cap)
                    number = markets["numbersT"][k][code]
                else:
                    number = -1
                closer = ok & (np.abs(value - mark) < distance)
                best = np.where(closer, value, best)
                best_tier = np.where(closer, number, best_tier)
                distance = np.where(closer, np.abs(value - mark), distance)
        return best, best_tier


_OPS = {sympy.StrictLessThan: np.less, sympy.LessThan: np.less_equal, sympy.StrictGreaterThan: np.greater,
        sympy.GreaterThan: np.greater_equal, sympy.Equality: np.equal, sympy.Unequality: np.not_equal}

_DOMAIN = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "!=": np.not_equal}


def _in_domain(value, spec) -> np.ndarray:
    ok = np.ones(value.shape, dtype=bool)
    for op, bound in spec.domain:
        ok &= _DOMAIN[op](value, float(bound))
    if spec.one_of:
        ok &= np.isin(value, [float(v) for v in spec.one_of])
    return ok


def _of_rule(error, rule) -> bool:
    """Whether ``error`` is the rule's (located in its file: a date it does not cover, a symbol nothing reads)."""
    return isinstance(error, VerifierError) and any(d.file == rule.file for d in error.diagnostics)


def _first_of(pool, pools) -> np.ndarray:
    """The first position (in order) of each pool."""
    first = np.full(pools, len(pool), dtype=np.int64)
    np.minimum.at(first, pool, np.arange(len(pool)))
    return first


def _column(value, n) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))


def _blank(columns) -> Priced:
    n, pools = columns.n, columns.pools
    nan, pnan = np.full(n, np.nan), np.full(pools, np.nan)
    return Priced(nan.copy(), nan.copy(), np.full(n, -1), np.full(n, -1), nan.copy(), nan.copy(), nan.copy(),
                  np.zeros(n, dtype=np.int8), np.full(n, np.inf), (nan.copy(), nan.copy()),
                  np.zeros(n, dtype=bool), nan.copy(), np.zeros(pools, dtype=np.int8), pnan.copy(), pnan.copy(),
                  pnan.copy(), pnan.copy(), np.zeros(pools, dtype=bool))


_POSITION_ARRAYS = ("liquidation_price", "mark", "price_tier", "tier", "maintenance_margin", "unrealized_pnl", "margin_ratio",
                    "status", "gap", "exact", "tick")
_POOL_ARRAYS = ("pool_status", "pool_equity", "pool_maintenance_margin", "pool_margin_ratio", "pool_gross",
                "pool_exact")


def _merge(out: Priced, part: Priced, positions, pools) -> None:
    for name in _POSITION_ARRAYS:
        getattr(out, name)[positions] = getattr(part, name)
    for name in _POOL_ARRAYS:
        getattr(out, name)[pools] = getattr(part, name)
    if part.ratio_parts:
        for mine, theirs in zip(out.ratio_parts, part.ratio_parts):
            mine[positions] = theirs


def _subset(columns, positions, pools):
    """The positions and pools given (pools renumbered from 0)."""
    from verifier.model.position_columns import PositionColumns

    renumber = np.full(columns.pools, -1, dtype=np.int64)
    renumber[pools] = np.arange(len(pools))
    return PositionColumns(
        {name: values[positions] for name, values in columns.fields.items()}, columns.side[positions],
        columns.market[positions], columns.markets, columns.index[positions], renumber[columns.pool[positions]],
        columns.flagged[positions], None if columns.reported is None else columns.reported[positions],
        columns.pool_account[pools], columns.pool_mode[pools], columns.pool_settle[pools], columns.settles,
        columns.pool_wallet[pools])
