"""Evaluating an account by its rule's :class:`~verifier.derive.account.program.Program`: the compiled path.

:func:`run_account` gives exactly what :func:`verifier.derive.account.evaluate_account` gives -- the same
:class:`~verifier.derive.account.evaluation.AccountEvaluation`, every number equal -- step for step as that
evaluation takes them (setting, legs, others sums, pricing), with the decisions taken once in the program and the
arithmetic in GMP rationals.  It answers only where it computes the very same thing: wherever the reference would
report a problem (a missing field, a value outside its domain, a market the catalog lacks, an undecidable
condition, a leverage above the market's limit ...) or a difference (a position's own market values or bracket
against the catalog's, a bracket given in part), would leave a status unknown (an input lacking, a condition
dividing by zero), would take SymPy's path (a zero denominator a closed form may cancel, something not compiled) or
works differently (hedge partners: :mod:`verifier.derive.hedge`), it raises :class:`Fallback` and the caller hands
the account to the reference evaluation, which answers or reports exactly as it always does.

The tier row holding a value is found by bisection on the table's exact floors (checked against the row's own
bounds, as :meth:`~verifier.model.tiers.TierTable.row_for` does); every row of the table is solved exactly for the
price (no float pre-filter), rows in order, so the consistent roots, and the one picked, are the reference's.  A
float pre-filter was measured and does not pay here: a row's exact screen is three GMP operations and two
comparisons (~0.35 us in CPython), and the same screen in floats with a running error bound costs as much (the
interpreter's dispatch, not the arithmetic, is the cost); even an unguarded float test saves ~0.05 us a row.

>>> import datetime
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> from verifier.derive.account.program import build_program
>>> account = account_from_data({"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT",
...     "side": "long", "contracts": "1", "contractSize": "1", "entryPrice": "60000", "markPrice": "60000",
...     "collateral": "1000"}]})
>>> result = run_account(build_program(load_rule("binance/usdm-perpetual")), account, date=datetime.date(2024, 10, 1))
>>> result.positions[0].liquidation_price, result.positions[0].tier, result.status
(Fraction(11790000, 199), 2, 'normal')
"""

from __future__ import annotations

import bisect
import gc
from fractions import Fraction
from types import SimpleNamespace

from gmpy2 import mpq

from verifier.derive.account.evaluation import STATUSES, AccountEvaluation, PositionEvaluation, _ratio_reason
from verifier.derive.account.program import STATUS_CONDITIONS
from verifier.model.display import Display
from verifier.model.market import POSITION_FIELDS

FAR = mpq(10) ** 12  # verifier.derive.account.pricing.FAR
NO_ROOT = "no price reaches the liquidation condition inside its own tier row"  # pricing.NO_ROOT
_LONG_REASON = ("over-collateralised {side}: the margin stays above the maintenance requirement even as the price "
                "{direction}")
_MARK_REASON = ("liquidated at the mark already, and at every price as it {direction}: the requirement exceeds the "
                "margin at every such price (a maintenance rate at or above what the side can lose)")
OUTGROWN = ("outgrown the tier table: the liquidation condition is reached only past the last bracket's cap ({cap}, "
            "tier {tier}), where the market's brackets end; no price inside them reaches it")  # pricing.OUTGROWN
_CHECKS = {">": mpq.__gt__, ">=": mpq.__ge__, "<": mpq.__lt__, "<=": mpq.__le__, "!=": mpq.__ne__}


class Fallback(Exception):
    """The compiled path does not answer this account; the reference evaluation must (``str``: why)."""


def run_account(program, account, date=None, today=None) -> AccountEvaluation:
    """:func:`verifier.derive.account.evaluate_account` of ``account`` under the rule ``program`` was built from;
    :class:`Fallback` where the reference must answer.

    The garbage collector is held off meanwhile: the evaluation makes no reference cycle, and each collection its
    many small results would set off walks the whole heap of the caller again (a process holding a large library
    spends more time there than here).  It is on again as before when the evaluation ends."""
    with collector_held():
        return _run(program, account, date, today)


class collector_held:
    """The garbage collector off meanwhile, and on again afterwards if it was on: for work that makes many small
    objects and no reference cycle (collections it would set off walk the caller's whole heap again and again).  A
    class, not a generator context manager: entered a few times an account, a generator's frame cost more than the
    evaluation of a one-position account's glue.

    >>> import gc
    >>> with collector_held():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """

    __slots__ = ("collecting",)

    def __enter__(self):
        self.collecting = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc_info):
        if self.collecting:
            gc.enable()


def _run(program, account, date, today) -> AccountEvaluation:
    view = program.view(date)
    if view.refused:
        raise Fallback("the rule does not know its formulas on that date")
    plan = view.plans[_mode_name(view, account)]
    if plan.refused:
        raise Fallback("a parameter has no value on that date")
    if not plan.compiled:
        raise Fallback(f"not compiled: {plan.reason}")
    if not plan.readable.get(account.margin_mode):
        raise Fallback("a needed symbol has no reading")
    if account.position_mode == "hedge" and plan.account == "cross" and plan.others:
        symbols = [p.symbol for p in account.positions if not p.quote]
        if len(set(symbols)) != len(symbols):
            raise Fallback("hedge partners move with one price")
    markets = _Markets(program, date)
    futures = account.kind == "futures"
    prepared = _prepared(plan, account.margin_mode)
    if plan.others:  # each position's sums over the others: the steps, all positions read first
        legs = [_leg(program, plan, prepared, account, position, markets, futures) for position in account.positions]
        _sum_others(plan, legs)
        out = tuple(_evaluate(program, plan, prepared, account, leg) for leg in legs if not leg.position.quote)
        rated = False
    else:
        out, rated = _alone(program, plan, prepared, account, markets, futures)
    pool_ratio = out[0].margin_ratio if out and plan.account == "cross" and plan.others else None
    level = None
    if prepared.margin_level and account.positions:
        level = next((p.margin_ratio for p in out), None)
        pool_ratio = None
    statuses = {p.status for p in out}
    status = max(statuses, key=STATUSES.index) if statuses else "normal"  # each status once (a file's are few)
    on = date or today
    stale = () if on is None else _stale(program, markets, account.positions, date, on)
    ratio_mode = prepared.ratio_mode
    # AccountEvaluation(...) without the frozen dataclass's __init__ (a field at a time): once an account
    made = _new(AccountEvaluation)
    _setattr(made, "__dict__", {
        "rule": program.rule_id, "mode": plan.name, "display": program.display, "positions": out,
        "margin_level": level, "status": status, "stale": stale, "stale_after_days": program.stale_after_days,
        "catalog": program.catalog_id, "exchange": program.exchange, "margin_ratio": pool_ratio,
        "margin_mode": account.margin_mode, "settle": account.settle,
        "wallet_balance": _fraction(account.wallet_balance),
        "ratio_reason": None if rated and ratio_mode.rated else _ratio_reason(ratio_mode, out, pool_ratio if level
                                                                                is None else level),
        "quote": account.quote, "symbol": account.symbol, "totals": (), "derivatives": ()})
    return made


def _alone(program, plan, prepared, account, markets, futures) -> tuple:
    """(The evaluations of an account whose positions stand alone (no others sums): each by its shape's fused
    function (:mod:`~verifier.derive.account.fused`), else by the steps; whether every one came from a fused
    function with a margin ratio).  The second says what :func:`~verifier.derive.account.evaluation._ratio_reason`
    would find going through them again (nothing lacking, every ratio there: no reason, in a mode that is not
    cross and defines a ratio, :attr:`_RatioMode.rated`): once an account on the warm path."""
    wallet = None if account.wallet_balance is None else mpq(account.wallet_balance)
    given = wallet is not None
    fused = prepared.fused
    out = []
    shape = function = None  # the last position's shape and function: a file's positions mostly share them
    rated = True
    local = markets.local
    for position in account.positions:
        # _market_and_fields, written out (once a position on the warm path)
        market = local.get(position.symbol) or markets.get(position.symbol)
        if futures and not market.type_ok:
            raise Fallback("a market the catalog lacks, or of another kind")
        fields = position.fields
        if not getattr(position, "exact_mpq", False):
            fields = {name: mpq(value) for name, value in fields.items()}
        key = (tuple(fields), given, market.fill_names)
        if key != shape:
            function = fused.get(key, _UNSET)
            if function is _UNSET:
                function = fused[key] = _fuse(program, plan, prepared, account.margin_mode, key, futures)
            shape = key
        found = None
        if function is not None and not getattr(position, "market_fields", None) \
                and getattr(position, "own_tier", None) is None:  # own catalog values or tier: the steps
            try:
                found = function(fields, _SIGNS[position.side], wallet, market.fill_map, market)
            except ZeroDivisionError:
                found = None
        if found is None:
            leg = _leg(program, plan, prepared, account, position, markets, futures)
            evaluation = _evaluate(program, plan, prepared, account, leg)
            rated = False
        else:
            evaluation = _evaluation(program, plan, prepared, account, position, market, found)
            if found[9] is None:
                rated = False
        if not position.quote:
            out.append(evaluation)
    return tuple(out), rated


_UNSET = object()


def _fuse(program, plan, prepared, margin_mode, key, futures):
    from verifier.derive.account.fused import fuse

    fields, wallet, fills = key

    def reason(values, market, side, catalog):
        return _reason(program, plan, prepared, values, market, side > 0, catalog)

    return fuse(program, plan, prepared, margin_mode, fields, wallet, fills, futures, reason, NO_PRICE)


def _evaluation(program, plan, prepared, account, position, market, found) -> PositionEvaluation:
    price, reason, mm, upnl, tier, status, mark, bracket, source, ratio, liquidation_tier = found
    if source != "catalog":  # (the catalog's: as a result gives it already, fused.RESULT)
        bracket = tuple(sorted((name, _fraction(value)) for name, value in zip(prepared.tier_names, bracket)))
    made = _new(PositionEvaluation)
    # its numbers as GMP rationals, made Fractions when read (evaluation._Exact); None is said at once.  The fields
    # in one dict display, the five numbers written out (not a loop over (name, value) pairs): this runs once a
    # position on the warm path, where a loop's tuples or keyword arguments cost a measurable share (issue 26)
    exact = {}
    fields = {"symbol": position.symbol, "side": position.side, "reason": reason, "tier": tier, "status": status,
              "display": market.display, "market_data": market.provenance, "index": position.index,
              "margin_mode": account.margin_mode, "mode": plan.name, "bracket": bracket, "bracket_source": source,
              "reported": position.reported, "settle": account.settle, "liquidation_tier": liquidation_tier,
              "_exact": exact}
    if price is None:
        fields["liquidation_price"] = None
    else:
        exact["liquidation_price"] = price
    if mm is None:
        fields["maintenance_margin"] = None
    else:
        exact["maintenance_margin"] = mm
    if upnl is None:
        fields["unrealized_pnl"] = None
    else:
        exact["unrealized_pnl"] = upnl
    if mark is None:
        fields["mark_price"] = None
    else:
        exact["mark_price"] = mark
    if ratio is None:
        fields["margin_ratio"] = None
    else:
        exact["margin_ratio"] = ratio
    _setattr(made, "__dict__", fields)  # the fields as its own dict: no copy into another
    return made


_setattr = object.__setattr__


def _stale(program, markets, positions, date, on) -> tuple:
    """The evaluation's ``stale`` entries: each market's (:meth:`_Market.stale`) in the order the positions name
    them, kept by the program for the date, the day and the markets named (the accounts of one file mostly name
    the same markets: each account would otherwise ask every market again)."""
    symbols = tuple([position.symbol for position in positions])
    cache = program.__dict__.setdefault("_stale", {})
    key = (date, on, symbols)
    found = cache.get(key)
    if found is None:
        if len(cache) > 10_000:
            cache.clear()
        entries = []
        for symbol in dict.fromkeys(symbols):
            entries += markets.get(symbol).stale(on, program.stale_after_days)
        found = cache[key] = _Entries(entries)
    return found


class _Entries(tuple):
    """A tuple that computes its hash once (the ``stale`` entries, whose provenances hash field by field, are
    hashed again for every account that holds them, to find their warnings); equal to, and hashing as, the tuple of
    its items."""

    __slots__ = ()
    _hashes: dict = {}

    def __hash__(self):
        found = _Entries._hashes.get(id(self))
        if found is None or found[0] is not self:
            if len(_Entries._hashes) > 10_000:
                _Entries._hashes.clear()
            found = _Entries._hashes[id(self)] = (self, tuple.__hash__(self))
        return found[1]


class _RatioMode:
    """What :func:`verifier.derive.account.evaluation._ratio_reason` reads of a mode."""

    def __init__(self, plan):
        from verifier.derive.account.evaluation import RATIOS

        self.name, self.account = plan.name, plan.account
        self.definitions = {name: None for name, _, _ in plan.definitions}
        # a mode in which positions that all have a margin ratio and lack nothing leave the account no ratio reason
        self.rated = plan.account != "cross" and any(name in self.definitions for name in RATIOS)


def _mode_name(view, account) -> str:
    """:func:`verifier.derive.account.setting.select_mode`'s choice (a mode it would refuse: Fallback)."""
    if account.mode is not None:
        if not any(name == account.mode for name, _, _ in view.modes):
            raise Fallback("no such mode")
        return account.mode
    matching = [(name, leverage) for name, kind, leverage in view.modes if kind == account.margin_mode]
    if not matching:
        raise Fallback("no mode of that margin mode")
    if len(matching) > 1 and account.leverage is not None:
        for name, leverage in matching:
            if leverage == account.leverage:
                return name
    return matching[0][0]


# ------------------------------------------------------------------------------------------------ markets


class _Markets:
    """The markets of one evaluation (one run: an account), each resolved once and kept by the program for its date
    (many accounts of one file share them): ``local`` is the program's mapping of symbol to market for the date."""

    def __init__(self, program, date):
        self.program, self.date = program, date
        cache = program.__dict__.setdefault("_resolved", {})
        local = cache.get(date)
        if local is None or len(local) > 10_000:
            if len(cache) > 100:
                cache.clear()
            local = cache[date] = {}
        self.local = local

    def get(self, symbol):
        found = self.local.get(symbol)
        if found is None:
            found = self.local[symbol] = _Market(self.program, symbol, self.date)
        return found


class _Market:
    """One market as of the date: what :class:`verifier.derive.account.market.MarketData` gives, prepared."""

    def __init__(self, program, symbol, date):
        self.symbol = symbol
        market = program.market(symbol) if program.has_catalog else None
        spec = market.spec_at(date) if market is not None else None
        self.market, self.spec = market, spec
        self.fields = {name: mpq(value) for name, value in spec.fields.items()} if spec is not None else {}
        self.fill = tuple((position_field, self.fields[market_field]) for position_field, market_field
                          in POSITION_FIELDS.items() if market_field in self.fields and spec.fields[market_field]
                          is not None)
        self.fill_names = tuple(name for name, _ in self.fill)
        self.fill_map = dict(self.fill)
        # legs.read_legs' checks of a futures position's market (MarketData.check_listed, check_type): listed in the
        # rule's catalog, and of the rule's kind (a version not yet in force tells the kind too); else the reference
        # refuses it, located
        kind = spec or (market.specs[-1] if market is not None and market.specs else None)
        self.type_ok = (market is not None or not program.has_catalog) and (
            kind is None or kind.type not in ("linear", "inverse") or kind.type == program.market_type)
        tick = spec.price_tick if spec is not None else None
        rule_display = program.display
        tick = tick if tick is not None else rule_display.price_tick
        self.display = Display(tick, rule_display.price_rounding) if rule_display.price_rounding else Display(None,
                                                                                                             None)
        self.provenance = () if market is None else tuple(
            (part, version.provenance) for part, version in (("market", spec), ("tiers", market.tiers_at(date)))
            if version is not None)
        self.leverage_limit = _leverage_limit(program, market, self.fields, date)
        version = market.tiers_at(date) if market is not None and program.has_tiers else None
        self.table = version.table if version is not None else None
        self._rows, self._values, self._brackets, self._stale = {}, {}, {}, {}
        self.tables = {}  # a fused function's key -> its table_for
        if self.table is not None:
            self.closed = self.table.bounds == "[floor, cap)"
            self.floors = [mpq(row.floor) for row in self.table.rows]
            self.caps = [None if row.cap is None else mpq(row.cap) for row in self.table.rows]
            # rows that follow each other without gap or overlap (what a valid catalog holds): a value the
            # bisection's row does not hold lies in no row (below the first floor or past the last cap)
            floors, caps = self.floors, self.caps
            self.contiguous = bool(floors) and all(caps[i] is not None and floors[i] < caps[i] == floors[i + 1]
                                  for i in range(len(floors) - 1)) and (caps[-1] is None or floors[-1] < caps[-1])

    def stale(self, on, threshold) -> list:
        """The evaluation's ``stale`` entries of this market on ``on`` (kept: every account of a file asks the
        same): (symbol, part, provenance, days since seen, the next version's effective date)."""
        key = (on, threshold)
        found = self._stale.get(key)
        if found is None:
            found = self._stale[key] = [] if self.market is None else [
                (self.symbol, part, provenance, (on - provenance.seen).days, following)
                for part, provenance, following in self.market.stale(on, threshold)]
        return found

    def row_for(self, basis):
        """The table's row holding ``basis`` (None: none does), by bisection on the floors."""
        table = self.table
        index = (bisect.bisect_right if self.closed else bisect.bisect_left)(self.floors, basis) - 1
        if index >= 0:
            cap = self.caps[index]
            if cap is None or (basis < cap if self.closed else basis <= cap):
                return table.rows[index]
        if self.contiguous:
            return None
        return table.row_for(basis)  # a table with gaps or overlaps: the reference's own answer

    def row_at(self, basis):
        """The place in the table of :meth:`row_for`'s row (None: no row holds ``basis``), which is the place of
        its entry in :meth:`rows`."""
        index = (bisect.bisect_right if self.closed else bisect.bisect_left)(self.floors, basis) - 1
        if index >= 0:
            cap = self.caps[index]
            if cap is None or (basis < cap if self.closed else basis <= cap):
                return index
        if self.contiguous:
            return None
        row = self.table.row_for(basis)  # a table with gaps or overlaps: the reference's own answer
        return None if row is None else next(i for i, r in enumerate(self.table.rows) if r is row)

    def table_for(self, key, columns: tuple, names: tuple) -> tuple:
        """What a fused function (:mod:`~verifier.derive.account.fused`) reads of the table, kept under its ``key``:
        (:meth:`rows` of ``columns``, the bound convention (True: ``[floor, cap)``), the floors, the caps, the
        bisection :meth:`row_at` makes, a mapping for the solver's row indexes of these rows
        (:meth:`verifier.derive.rational_code.RowIndex.index`), each row's :meth:`bracket` of ``names`` and
        ``columns``).  A table is there (the function asked)."""
        found = self.tables[key] = (self.rows(columns), self.closed, self.floors, self.caps,
                                    bisect.bisect_right if self.closed else bisect.bisect_left, {},
                                    tuple(self.bracket(row.number, names, columns) for row in self.table.rows))
        return found

    def row_values(self, row, columns: tuple) -> tuple:
        """The values of ``columns`` in ``row``, as mpq (kept: every position in the row shares them)."""
        key = (row.number, columns)
        found = self._values.get(key)
        if found is None:
            found = self._values[key] = tuple(mpq(row.values[c]) for c in columns)
        return found

    def bracket(self, number, names: tuple, columns: tuple) -> tuple:
        """A result's ``bracket`` for row ``number``: (tier symbol, Fraction) sorted by name."""
        key = (number, names, columns)
        found = self._brackets.get(key)
        if found is None:
            row = self.table.rows[number - 1] if self.table.rows[number - 1].number == number else next(
                r for r in self.table.rows if r.number == number)
            found = self._brackets[key] = tuple(sorted((name, Fraction(row.values[column]))
                                                       for name, column in zip(names, columns)))
        return found

    def rows(self, columns: tuple) -> tuple:
        """``(number, floor, cap, value, ...)`` of every row, the values of ``columns`` in order, as mpq."""
        found = self._rows.get(columns)
        if found is None:
            found = self._rows[columns] = tuple(
                (row.number, floor, cap, *(mpq(row.values[c]) for c in columns))
                for row, floor, cap in zip(self.table.rows, self.floors, self.caps))
        return found


def _leverage_limit(program, market, fields, date):
    """:meth:`verifier.derive.account.market.MarketData.leverage_limit`'s value (mpq), or None: the market's
    ``maxLeverage``, else the largest of its tier table's maximum-leverage column."""
    if fields.get("maxLeverage") is not None:
        return fields["maxLeverage"]
    version = market.tiers_at(date) if market is not None else None
    column = program.leverage_column
    if column is None or version is None:
        return None
    values = [row.values[column] for row in version.table.rows if row.values.get(column) is not None]
    return mpq(max(values)) if values else None


# ------------------------------------------------------------------------------------------------ legs


class _Prepared:
    """A mode plan made ready to run for one margin mode: each symbol's reading as a field name (a bare field) or
    a compiled function, its domain as comparisons, the definitions' and conditions' functions."""

    def __init__(self, plan, margin_mode):
        from verifier.derive.rational_code import holds

        self.steps = []
        for symbol in plan.symbols:
            reading = symbol.readings.get(margin_mode)
            field = function = None
            if reading is not None:
                if _is_field(reading):
                    field = reading.names[0]
                else:
                    function = reading.function
            market = symbol.market if symbol.needed and symbol.market else None
            fails = reading is not None and symbol.needed and not symbol.from_tiers  # a missing field: MV600
            self.steps.append((symbol.name, field, function, market, fails, _acceptor(symbol), symbol.from_tiers))
        self.tier_names = tuple(name for name, _ in plan.tier_symbols)
        self.tier_set = frozenset(self.tier_names)
        self.columns = tuple(column for _, column in plan.tier_symbols)
        self.basis = plan.basis.function if plan.basis is not None else None
        self.at_mark = tuple((name, code.function) for name, code, uses_others in plan.definitions if not uses_others)
        ratio = plan.ratio
        self.ratio = next(code.function for name, code, _ in plan.definitions if name == ratio) if ratio else None
        # a ratio that reads no others sum has the value it had at the mark: the same inputs
        self.ratio_at_mark = ratio if ratio and not next(u for name, _, u in plan.definitions if name == ratio) else None
        self.status = tuple((name, _condition(plan.status[name], holds)) for name in STATUS_CONDITIONS
                            if name in plan.status)
        self.liquidation = _condition(plan.status["liquidation"], holds) if "liquidation" in plan.status else None
        self.margin_level = any(name == "margin_level" for name, _, _ in plan.definitions)
        form = plan.form
        self.flat = form.flat.function if form is not None else None
        self.tiered = form.tiered.function if form is not None and form.tiered is not None else None
        self.uses = {}  # missing tier symbols -> whether a root reads one (solve_form's uses_tiers)
        self.fused = {}  # shape -> its fused function (None: the steps)
        self.basis_need = frozenset(plan.basis_names) - {form.solve_for if form else None} - set(plan.parameters)
        self.ratio_mode = _RatioMode(plan)  # what the account's ratio reason reads of the mode

    def uses_tiers(self, plan, program, missing: tuple) -> bool:
        found = self.uses.get(missing)
        if found is None:
            form = plan.form
            found = self.uses[missing] = bool(any(name in used for used in form.roots for name in missing) or (
                not form.roots and missing and program.has_tiers))
        return found


def _acceptor(symbol):
    """``value -> bool``: whether a value lies in the symbol's domain (and among its ``one_of``); None: any does."""
    checks = tuple((_CHECKS[op], bound) for op, bound in symbol.domain)
    one_of = symbol.one_of
    if not checks and not one_of:
        return None
    if len(checks) == 1 and not one_of:
        check, bound = checks[0]
        return lambda value: check(value, bound)
    return lambda value: all(check(value, bound) for check, bound in checks) and (not one_of or value in one_of)


def _is_field(code) -> bool:
    """Whether a compiled reading is one field as it is (``markPrice``): read without a call."""
    return len(code.names) == 1 and code.source.splitlines()[1:] == ["    t0 = v[n0]", "    return t0"]


def _condition(tree, holds):
    """A function of the values for a compiled condition: its one relation's, else the tree's walk."""
    if tree[0] == "relation":
        return tree[1].function
    return lambda values: holds(tree, values)


_PREPARED: dict = {}


def _prepared(plan, margin_mode) -> _Prepared:
    key = (id(plan), margin_mode)
    found = _PREPARED.get(key)
    if found is None or found[0] is not plan:
        if len(_PREPARED) > 1000:
            _PREPARED.clear()
        found = _PREPARED[key] = (plan, _Prepared(plan, margin_mode))
    return found[1]


class _Leg:
    """A position while it is evaluated: ``values`` holds the parameters, the symbols read from it, its tier
    values and (later) its others sums, by name -- every input any step reads."""

    __slots__ = ("position", "market", "values", "given", "tier_values", "tiered", "at_mark", "tier",
                 "bracket_source", "missing", "differences")

    def __init__(self, position, market, values, given, tier_values, tiered, differences=()):
        self.position, self.market, self.values, self.given = position, market, values, given
        self.tier_values, self.tiered, self.differences = tier_values, tiered, differences
        self.at_mark, self.tier, self.bracket_source, self.missing = {}, None, None, ()


def _market_and_fields(position, markets, futures) -> tuple:
    """The position's market (a futures market checked: listed, of the rule's kind) and its fields as GMP rationals
    (the reader's own when it gave ``mpq`` already: then ``position.fields`` itself)."""
    market = markets.local.get(position.symbol) or markets.get(position.symbol)
    if futures and not market.type_ok:
        raise Fallback("a market the catalog lacks, or of another kind")
    fields = position.fields
    if not getattr(position, "exact_mpq", False):
        fields = {name: mpq(value) for name, value in fields.items()}
    return market, fields


def _leg(program, plan, prepared, account, position, markets, futures) -> _Leg:
    """:func:`verifier.derive.account.legs.read_leg` and ``at_mark_values`` of one position."""
    market, fields = _market_and_fields(position, markets, futures)
    if fields is position.fields:
        fields = dict(fields)  # the steps below write into it
    if futures and market.fill:
        for name, value in market.fill:  # legs.read_leg: the position's own contractSize against the catalog's
            if fields.get(name) is not None and fields[name] != value:
                raise Fallback("the position's own market values differ from the catalog's")
    own = getattr(position, "market_fields", None) or {}
    if getattr(position, "own_tier", None) is not None:
        raise Fallback("the position names its own tier (the row is chosen by its limit, not its basis)")
    if futures:
        fields["side"] = _SIGNS[position.side]
        if account.wallet_balance is not None and "walletBalance" not in fields:
            fields["walletBalance"] = mpq(account.wallet_balance)
        for name, value in market.fill:
            if fields.get(name) is None:
                fields[name] = value
    values = dict(plan.parameters)
    given, tier_values, differences = set(), {}, []
    for name, field, function, market_field, fails, accept, from_tiers in prepared.steps:
        if field is not None:
            value = fields.get(field)
        elif function is not None:
            try:
                value = function(fields)
            except KeyError:
                value = None
            except ZeroDivisionError:
                raise Fallback("a reading divides by zero") from None
        else:
            value = None
        if market_field is not None:  # the position's own value (read, or its exchange's) over the catalog's
            if value is None and own.get(market_field) is not None:
                value = mpq(own[market_field])
            catalog = market.fields.get(market_field)
            if value is None:
                value = catalog
                if value is None:
                    raise Fallback("a market field the catalog lacks")
            elif catalog is not None and value != catalog:  # the position's value is used, the difference said
                differences.append(_difference(name, market_field, value, catalog, market))
        if value is None:
            if fails:
                raise Fallback("a missing field")
            else:
                continue
        if accept is not None and not accept(value):
            raise Fallback("a value outside its domain")
        values[name] = value
        given.add(name)
        if from_tiers:
            tier_values[name] = value
    if program.has_tiers and not futures:
        raise Fallback("a unified coin's haircut tiers (the steps look them up)")
    if program.has_tiers and futures and 0 < len(tier_values) < len(prepared.tier_names):
        raise Fallback("a bracket given in part (compared with the catalog's, not used)")
    leverage = fields.get("leverage")
    if leverage is not None and market.leverage_limit is not None and leverage > market.leverage_limit:
        raise Fallback("a leverage above the market's limit")
    tiered = program.has_tiers and futures and bool(prepared.tier_names) and (
        not tier_values or any(n not in tier_values for n in prepared.tier_names))
    if tiered and market.table is None:
        raise Fallback("no tier table")
    leg = _Leg(position, market, values, given, tier_values, tiered, tuple(differences))
    _at_mark(program, plan, prepared, leg, futures)
    return leg


_SIGNS = {"long": mpq(1), "short": mpq(-1)}


def _at_mark(program, plan, prepared, leg, futures) -> None:
    """Every definition of the mode at the leg's own values, its tier row at its mark (``at_mark_values``)."""
    values = leg.values
    tier_values = leg.tier_values
    if not tier_values:
        missing, leg.missing = plan.tier_symbols, prepared.tier_names
    else:
        missing = tuple((name, column) for name, column in plan.tier_symbols if name not in tier_values)
        leg.missing = tuple(name for name, _ in missing)
    if plan.tier_symbols and not missing:
        leg.bracket_source = "position"
        if program.has_tiers and futures:
            _compare_bracket(prepared, leg)
    if leg.tiered and prepared.basis is not None and missing:
        try:
            basis = prepared.basis(values)
        except (KeyError, ZeroDivisionError):
            raise Fallback("no tier basis at the mark") from None
        row = leg.market.row_for(basis)
        if row is None:
            raise Fallback("no tier row holds the basis")
        leg.tier, leg.bracket_source = row.number, "catalog"
        row_values = leg.market.row_values(row, prepared.columns)
        for (name, column), value in zip(plan.tier_symbols, row_values):
            if name not in tier_values:
                tier_values[name] = values[name] = value
    at_mark = leg.at_mark
    for name, function in prepared.at_mark:
        try:
            at_mark[name] = function(values)
        except (KeyError, ZeroDivisionError):
            pass


def _compare_bracket(prepared, leg) -> None:
    """legs._compare_bracket: a bracket the position gives whole, against the catalog's row at its mark; a value
    that differs is a difference the reference reports (Fallback)."""
    market = leg.market
    if market.table is None or prepared.basis is None:
        return
    try:
        basis = prepared.basis(leg.values)
    except (KeyError, ZeroDivisionError):
        return
    row = market.row_for(basis)
    if row is None:
        return
    own = tuple(leg.tier_values[name] for name in prepared.tier_names)
    if own != market.row_values(row, prepared.columns):
        raise Fallback("the position's bracket differs from the catalog's row at its mark (a difference to say)")


def _sum_others(plan, legs) -> None:
    """Each others symbol: its definition summed over the other legs at their marks (no hedge partners here)."""
    if not legs:
        return
    for name, definition in plan.others:
        if len(legs) > 1 and any(definition not in leg.at_mark for leg in legs):
            raise Fallback("a definition the others sum cannot be computed")
        total = mpq(0)
        for leg in legs:
            total += leg.at_mark.get(definition, 0)
        for leg in legs:
            leg.values[name] = total - leg.at_mark.get(definition, 0)
            leg.given.add(name)


# ------------------------------------------------------------------------------------------------ pricing


def _evaluate(program, plan, prepared, account, leg) -> PositionEvaluation:
    values = leg.values
    price, reason = _liquidation(program, plan, prepared, leg)
    status = "normal"
    for name, function in prepared.status:  # every one decided, as the reference does (the first holding wins)
        try:
            if function(values) and status == "normal":
                status = name
        except (KeyError, ZeroDivisionError):
            raise Fallback("an undecidable condition") from None
    ratio = None
    if prepared.ratio_at_mark is not None:
        ratio = leg.at_mark.get(prepared.ratio_at_mark)
    elif prepared.ratio is not None:
        try:
            ratio = prepared.ratio(values)
        except (KeyError, ZeroDivisionError):
            ratio = None
    position, at_mark, market = leg.position, leg.at_mark, leg.market
    if leg.bracket_source == "catalog" and len(leg.tier_values) == len(prepared.tier_names) and \
            prepared.tier_set.isdisjoint(leg.given):
        bracket = market.bracket(leg.tier, prepared.tier_names, prepared.columns)
    else:
        bracket = tuple((name, _fraction(value)) for name, value in sorted(leg.tier_values.items()))
    return PositionEvaluation(
        position.symbol, position.side, _fraction(price), reason, _fraction(at_mark.get("maintenance_margin")),
        _fraction(at_mark.get("upnl")), leg.tier, status, market.display, market.provenance, position.index,
        account.margin_mode, plan.name, _fraction(values.get(program.price)) if program.price in leg.given else None,
        bracket, leg.bracket_source, _fraction(ratio), position.reported, account.settle,
        differences=leg.differences, liquidation_tier=_liquidation_tier(program, prepared, leg, price))


def _difference(name, market_field, own, catalog, market):
    """:class:`verifier.derive.account.legs.CatalogDifference` of a market value the position gives (a ccxt
    export's own ``maxLeverage``) against the catalog's, as the reference records it: the position's is used."""
    from verifier.derive.account.legs import CatalogDifference  # only a file giving its own market values gets here

    return CatalogDifference(name, market_field, _fraction(own), _fraction(catalog), market.spec.provenance)


def _liquidation_tier(program, prepared, leg, price):
    """:func:`verifier.derive.account.pricing.liquidation_tier`: the row holding the basis at ``price``."""
    if price is None or leg.bracket_source != "catalog" or prepared.basis is None:
        return None
    try:
        basis = prepared.basis({**leg.values, program.price: price})
    except (KeyError, ZeroDivisionError):
        raise Fallback("no tier basis at the liquidation price") from None
    row = leg.market.row_for(basis)
    return row.number if row is not None else None


def _liquidation(program, plan, prepared, leg) -> tuple:
    """(price or None, the reason when None): :func:`verifier.derive.account.pricing.liquidation`."""
    if "liquidation" not in plan.conditions:
        return None, f"the {plan.name} mode has no liquidation condition"
    form = plan.form
    if form is None:
        raise Fallback(f"no closed form: {plan.form_failure}")
    values, given = leg.values, leg.given
    current = values.get(form.solve_for) if form.solve_for in given else None
    missing = leg.missing
    uses = prepared.uses_tiers(plan, program, missing)
    try:
        if not uses:
            # exactly the position's own inputs (a table's tier value must not answer for a missing one)
            exact = dict(plan.parameters)
            exact.update((name, values[name]) for name in given if name != form.solve_for)
            prices = prepared.flat(exact)
        else:
            if not leg.tiered or prepared.basis is None:
                raise Fallback("tier symbols without the tier table")
            if not form.roots:
                prices = []
            elif prepared.tiered is None or len(missing) != len(prepared.tier_names):
                raise Fallback("a tier table with some tier values given")
            else:
                # every input the solver reads is one of the position's (or a parameter): the price and the
                # table's tier values in ``values`` are bound by the solver itself
                found = prepared.tiered(values, leg.market.rows(prepared.columns), leg.market.closed)
                prices = [price for _, price in found]
            if not prepared.basis_need <= given and (current is not None or form.entry in given):
                raise Fallback("a tier basis that needs more than the position gives")  # solve_form's entry tier
    except (KeyError, ZeroDivisionError):
        raise Fallback("a root the compiled code cannot compute") from None
    if prices:
        if len(prices) == 1:
            return prices[0], None
        reference = current if current is not None else (values.get(form.entry) if form.entry in given else None)
        if reference is None:
            return prices[0], None
        return min(prices, key=lambda p: abs(p - reference)), None
    return None, _no_price_reason(program, plan, prepared, leg)


def _no_price_reason(program, plan, prepared, leg) -> str:
    """:func:`verifier.derive.account.pricing.no_price_reason`."""
    found = _reason(program, plan, prepared, leg.values if program.price in leg.given else {}, leg.market,
                    leg.position.side == "long", leg.bracket_source == "catalog")
    if found is None:
        raise Fallback("a condition missing a symbol, or the table ending before the condition holds: the reference says why")
    return found


def _reason(program, plan, prepared, values, market, long: bool, catalog: bool) -> str | None:
    """Why no price, from the leg's ``values`` (None: the reference must say, SymPy deciding what the compiled
    condition cannot: a symbol missing)."""
    at_mark = _UNSET
    if catalog:
        outgrown, at_mark = _outgrown(program, plan, prepared, values, market)
        if outgrown is not False:
            return outgrown  # the reason, or None: the reference must say
    mark = values.get(program.price)
    if mark is None or mark <= 0:
        return NO_ROOT
    far = mark / FAR if long else mark * FAR
    condition = prepared.liquidation
    values = dict(values)
    try:
        if at_mark is _UNSET:
            at_mark = condition(values)
        values[program.price] = far
        if catalog:
            try:
                row = market.row_for(prepared.basis(values))
            except (KeyError, ZeroDivisionError):
                row = None
            if row is None:
                return NO_ROOT  # past the table's end (not outgrown, said above): the reference's at_price fails
            values.update(zip(prepared.tier_names, market.row_values(row, prepared.columns)))
        at_far = condition(values)
    except ZeroDivisionError:  # the reference: undecidable, dividing by zero
        return NO_ROOT
    except KeyError:  # the reference asks SymPy, which may still decide (a symbol a parameter switches off)
        return None
    side, direction = ("long", "falls toward 0") if long else ("short", "rises without bound")
    if not at_far:
        return _LONG_REASON.format(side=side, direction=direction)
    if at_mark:
        return _MARK_REASON.format(direction=direction)
    return NO_ROOT


def _outgrown(program, plan, prepared, values, market):
    """(:func:`verifier.derive.account.pricing.outgrown_reason` of a leg whose bracket comes from the catalog,
    the liquidation condition at the mark when it was computed, else ``_UNSET``): :data:`OUTGROWN` filled in,
    False where the reference finds no such reason, None where it must decide (a value the compiled code lacks or
    a zero denominator, which the reference may judge otherwise)."""
    table = market.table
    if table is None:
        return False, _UNSET  # the reference's tier_table() raises: no reason of this kind
    condition = prepared.liquidation
    form = plan.form
    try:
        at_mark = condition(values)
    except (KeyError, ZeroDivisionError):
        return None, _UNSET
    if at_mark:
        return False, at_mark  # liquidated at the mark already: said so, whatever lies past the table
    try:
        last = table.rows[-1] if table.rows else None
        if last is None or last.cap is None:
            return False, at_mark
        exact = dict(plan.parameters)
        exact.update((name, value) for name, value in values.items() if name != form.solve_for)
        exact.update(zip(prepared.tier_names, market.row_values(last, prepared.columns)))
        prices = prepared.flat(exact)
        if not prices:
            return False, at_mark
        reference = values.get(form.solve_for)
        if reference is None and form.entry is not None:
            reference = values.get(form.entry)
        price = prices[0] if len(prices) == 1 or reference is None else min(prices,
                                                                           key=lambda p: abs(p - reference))
        basis = prepared.basis({**values, program.price: price})
    except (KeyError, ZeroDivisionError):
        return None, at_mark
    if market.row_for(basis) is not None or basis < market.caps[-1]:
        return False, at_mark
    return OUTGROWN.format(cap=last.cap, tier=last.number), at_mark


def _outgrown_text(market) -> str:
    """:data:`OUTGROWN` for ``market``'s table (its last row's cap and number), as :func:`_outgrown` fills it in."""
    last = market.table.rows[-1]
    return OUTGROWN.format(cap=last.cap, tier=last.number)


NO_PRICE = SimpleNamespace(
    no_root=NO_ROOT, far=FAR, outgrown=_outgrown_text,
    long=_LONG_REASON.format(side="long", direction="falls toward 0"),
    short=_LONG_REASON.format(side="short", direction="rises without bound"),
    mark_long=_MARK_REASON.format(direction="falls toward 0"),
    mark_short=_MARK_REASON.format(direction="rises without bound"))
"""What :func:`_reason` says and reads, for the fused functions to write it out (:func:`verifier.derive.account.
fused._no_price`): its texts filled in for each side, the far factor, a market's outgrown text."""


# ------------------------------------------------------------------------------------------------ numbers

_new = object.__new__


def _fraction(value):
    """An exact number as the Fraction every result holds (None stays None)."""
    if value is None or type(value) is Fraction:
        return value
    fraction = _new(Fraction)
    fraction._numerator, fraction._denominator = int(value.numerator), int(value.denominator)
    return fraction
