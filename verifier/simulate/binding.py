"""What the simulator reads from a loaded rule, compiled once: the rule as a calculator.

The simulator holds account state (balances, debts, positions); the rule says what
that state *means*.  Each rule symbol gets its value from one of:

* its ``snapshot`` reading for the account kind (``contracts * contractSize``,
  ``walletBalance``, ``leverage``, ``takerFeeRate``, ...): evaluated over the state fields
  of a position (see :data:`FIELDS`): the simulator fills in size, entry, side, prices and
  balances; a position carries the others (``leverage``, ``takerFeeRate``,
  ``maintenanceMarginPercentage``, ...) from when it was opened (a scenario's ``trade``
  action gives them).  A reading whose fields the position lacks falls back to the
  scenario's ``inputs`` for the symbol; a tier symbol's reading, when the position carries
  its fields, overrides the tier table (as in a snapshot).  A cross position with no
  ``collateral`` field takes the mode's ``initial_margin`` definition, when it has one;
* a parameter in force on the scenario's date (a scenario may override one, and says why);
* the tier table row chosen by the tier basis (``from: tiers``), in the market's table in force on the scenario's
  date in the rule's market catalog;
* a field of the market in the rule's catalog on that date (``market: maxLeverage``), when neither the position nor
  the scenario gives the symbol;
* the sum of a definition over the account's *other* positions (``others:``);
* a value the scenario supplies (``inputs``), for symbols the account state does not hold.

Names the simulator looks for (everything else is the rule's own business):

==========================  ==================================================================
``conditions.liquidation``  required: the account is liquidated when it holds for a position
``conditions.margin_call``  optional: a margin-call notice when it holds (and no liquidation)
``conditions.transfer_out_allowed``  optional: must still hold after a transfer out
``definitions.margin_level``  optional: shown per account; else lhs/rhs of the liquidation condition
``definitions.upnl``          futures: profit realised when a position is reduced or closed
``definitions.liquidation_fee``  the fee of a liquidated position; a rule without it must say
                              ``policies: {liquidation_fee: {none: why}}``
``policies.interest``         spot margin: the definition of one hour's interest on a loan, and when
                              it is charged (:class:`~verifier.model.policies.Interest`), or ``none``
==========================  ==================================================================

>>> from verifier.read import load_rule
>>> rule = SimRule(load_rule("binance/usdm-perpetual"), None)
>>> mode = rule.mode("isolated")
>>> pos = {"contracts": Fraction(1, 4), "contractSize": Fraction(1), "entryPrice": Fraction(60000),
...        "markPrice": Fraction(57000), "side": Fraction(1), "collateral": Fraction(1000)}
>>> check = mode.check([(pos, "BTC/USDT:USDT")])
>>> check.status, check.margin_level
('normal', Fraction(250, 57))
"""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction
from operator import attrgetter, is_

import sympy
from gmpy2 import mpq

from verifier.errors import EvaluationError, VerifierError
from verifier.model.snapshot import FIELD_SYMBOLS, SNAPSHOT_FIELDS
from verifier.simulate.compiled import (COMPARE, OPERATORS, ColumnProgram, CompileError, as_fraction, compile_expr,
                                        compile_relation, exact, relation_sides)

FIELDS = SNAPSHOT_FIELDS
"""State fields a position snapshot may carry: the snapshot contract's ccxt names (model.snapshot)."""
_FIELD_SYMBOLS = FIELD_SYMBOLS
_STATE = frozenset(FIELDS) - {"leverage", "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount",
                               "fundingRate"}


class BindingError(VerifierError, ValueError):
    """The rule cannot drive the simulator (a symbol with no way to get a value, a missing condition)."""

    code = "MV713"


class Check:
    """The result of evaluating one account: status, margin level, and per-position values.

    ``values`` (per position: SymPy symbol -> Fraction) is made when first read: a price update that liquidates
    nothing never needs it."""

    __slots__ = ("status", "margin_level", "_values", "_make_values")

    def __init__(self, status: str, margin_level, values: list | None = None, make_values=None):
        self.status = status  # 'normal', 'margin_call' or 'liquidation'
        self.margin_level = margin_level  # Fraction, inf, or None (nothing to evaluate)
        self._values, self._make_values = values, make_values

    @property
    def values(self) -> list:
        if self._values is None:
            self._values, self._make_values = self._make_values(), None
        return self._values

    def __repr__(self) -> str:
        return f"Check(status={self.status!r}, margin_level={self.margin_level!r})"


_COLUMNAR, _EXACT, _POOL = attrgetter("columnar"), attrgetter("exact"), attrgetter("pool")
_WHERE = object()  # in a plan's key, between the field names and the market

_REMEMBERED = 4096
"""Plans, rows and judged states a mode keeps (each memory is emptied when full: states of one scenario rarely
recur far apart, and a run meets few distinct markets and field sets)."""


class _Memory(dict):
    """Results remembered under keys, at most :data:`_REMEMBERED`, consulted only while it pays.

    Verify's stories judge the same states again and again; a replay of prices that never repeat never does, and
    would pay for every lookup and every entry (and for the garbage collector walking them).  So the memory counts
    what it finds: when fewer than one lookup in :data:`_PAYS` of a window of :data:`_WINDOW` finds something, it
    is emptied and rests for :data:`_REST` calls (neither looked in nor added to), then tries again.  It only ever
    returns what was computed for an equal key: resting changes no result, only the time taken.
    """

    __slots__ = ("tried", "found", "resting")

    def __init__(self):
        super().__init__()
        self.tried = self.found = self.resting = 0

    def awake(self) -> bool:
        """Whether to use the memory for this call."""
        if self.resting:
            self.resting -= 1
            return False
        return True

    def keep(self, key, value):
        if len(self) >= _REMEMBERED:
            self.clear()
        self[key] = value
        return value

    def count(self, tried: int, found: int) -> None:
        """Count a call's lookups and what they found; rest when the last window found too little."""
        self.tried += tried
        self.found += found
        if self.tried >= _WINDOW:
            if self.found * _PAYS < self.tried:
                self.clear()
                self.resting = _REST
            self.tried = self.found = 0


_WINDOW, _PAYS, _REST = 256, 4, 4096


class SimMode:
    """One rule mode compiled for simulation.

    Judging an account (:meth:`check`) is the hot path of a simulation: it runs after every price update.  Each
    position's symbols are bound by a :class:`_Plan` worked out once per market, instrument and set of fields; the
    account's others-sums, conditions and margin level are one :class:`~verifier.simulate.compiled.ColumnProgram`
    over all its positions.  Where that cannot answer (a symbol with no value, a zero denominator), the account is
    judged position by position (:meth:`_check_by_position`), which says what is missing where.
    """

    def __init__(self, rule, view, date, overrides: dict, inputs: dict):
        self.rule, self.view, self.name, self.account = rule, view, view.name, view.account
        self.inputs, self.date = inputs, date
        self._plans: dict = {}  # (*field names, _WHERE, market[, instrument]) -> _Plan
        self._rows = _Memory()  # (plan number, exact values of the fields it reads) -> _Row
        self._checks = _Memory()  # the rows' keys -> Check
        # symbols the rule's market catalog supplies when neither the position nor the scenario gives them
        self.market_fields = {name: spec.market for name, spec in view.symbols.items() if spec.market}
        self.params = {}
        for name, p in view.parameters.items():
            value, modes = overrides.get(name, (None, None))
            if value is not None and (modes is None or view.name in modes):
                self.params[p.sympy] = Fraction(value)
            else:
                self.params[p.sympy] = p.value_at(date)
        self.definitions = {name: compile_expr(d.expr) for name, d in view.definitions.items()}
        self.conditions = {name: compile_relation(c.relation) for name, c in view.conditions.items()}
        if "liquidation" not in self.conditions:
            raise BindingError(f"mode {view.name!r} has no 'liquidation' condition to decide liquidation by")
        self.liquidation_sides = relation_sides(view.conditions["liquidation"].relation)
        self.liquidation_holds = OPERATORS[view.conditions["liquidation"].operator]  # (lhs, rhs) -> bool
        # what a check evaluates more than once is evaluated once: a margin-call condition or a margin level whose
        # left side is the liquidation condition's (a spot rule's margin level) reuses that value
        liquidation = view.conditions["liquidation"].relation
        call = view.conditions.get("margin_call")
        self.call_on_liquidation_lhs = None
        if call is not None and getattr(call.relation, "lhs", None) == liquidation.lhs:
            self.call_on_liquidation_lhs = (OPERATORS[call.operator], compile_expr(call.relation.rhs))
        level = view.definitions.get("margin_level")
        self.level_is_liquidation_lhs = level is not None and level.expr == liquidation.lhs
        self.others = [(view.symbols[s].sympy, self.definitions[d]) for s, d in view.others.items()]
        # a tier column no definition or condition of this version uses (Gate's cum before its tiered maintenance
        # margin) is not looked up: a position that gives the columns in use needs no tier table
        used = set().union(*(d.expr.free_symbols for d in view.definitions.values()),
                           *(c.relation.free_symbols for c in view.conditions.values()))
        unused = {s for s in view.tier_symbols if view.symbols[s].sympy not in used}
        self.tier_symbols = [(view.symbols[s].sympy, column) for s, column in view.tier_symbols.items()
                             if s not in unused]
        self.tier_basis = compile_expr(view.tier_basis.expr) if view.tier_basis is not None else None
        self.bound, self.from_inputs, self.tier_overrides = [], [], []
        self.reasons = {}  # symbol name -> why it may have no value (the fields its reading needs)
        for name, spec in view.symbols.items():
            if spec.others:
                continue
            reading, expr = spec.snapshot_formula(view.account), spec.reading(view.account)
            if reading is None and name == rule.price and not spec.from_tiers:
                reading, expr = "markPrice", _FIELD_SYMBOLS["markPrice"]  # unless the rule reads it otherwise
            if reading is None:
                if not spec.from_tiers:
                    self.from_inputs.append((spec.sympy, name))
                    if spec.market:
                        self.reasons[name] = (
                            f"symbol {name!r} ({spec.meaning or 'no meaning given'}) comes from the market field "
                            f"{spec.market!r} of the rule's market catalog, which has no value for this market on "
                            f"the scenario's date: give {name!r} under the scenario's 'inputs', or import the market")
                continue
            needs = frozenset(str(f) for f in expr.free_symbols)
            entry = (spec.sympy, name, expr, needs)
            if spec.from_tiers:
                if name not in unused:
                    self.tier_overrides.append(entry)
                continue
            self.bound.append(entry)
            carried = sorted(needs - _STATE) or sorted(needs)
            self.reasons[name] = (
                f"symbol {name!r} ({spec.meaning or 'no meaning given'}) reads the position field(s) "
                f"{', '.join(carried)} (snapshot reading: {reading}), which this {rule.product} position does not "
                f"carry: open the position with it (a scenario's trade action, e.g. '{carried[0]}: ...') or give "
                f"{name!r} under the scenario's 'inputs'")
        self.reads_collateral = any("collateral" in needs for *_, needs in self.bound)
        # a position's values as a row: one place per symbol the mode knows (parameters first)
        self.slot_symbols = list(dict.fromkeys([*self.params, *(spec.sympy for spec in view.symbols.values())]))
        self.slots = {symbol: i for i, symbol in enumerate(self.slot_symbols)}
        on_row = self.slots.__getitem__
        self.row_initial_margin = (compile_expr(view.definitions["initial_margin"].expr, on_row, raw=True)
                                   if "initial_margin" in view.definitions else None)
        self.row_tier_basis = (compile_expr(view.tier_basis.expr, on_row, raw=True)
                               if view.tier_basis is not None else None)
        self.program = self._column_program(view, liquidation, call, level)

    def _column_program(self, view, liquidation, call, level):
        """The account's whole judgement as one program over its positions: the others-sums (every one, as the
        position-by-position path computes them), the liquidation condition's sides, the margin-call condition
        (its right side when it shares the liquidation's left) and the margin level, in that order; None when the
        rule's definitions need what the columns do not do (the position-by-position path then does it all)."""
        symbols = {spec.sympy for spec in view.symbols.values()}
        constants = {p: v for p, v in self.params.items() if p not in symbols}
        others = [(view.symbols[s].sympy, view.definitions[d].expr) for s, d in view.others.items()]
        outputs = [symbol for symbol, _ in others] + [liquidation.lhs, liquidation.rhs]
        self.liquidation_compare = COMPARE[view.conditions["liquidation"].operator]
        self.call_at = self.level_at = None  # where the margin-call and margin-level columns are among the outputs
        if call is not None:
            self.call_at = len(outputs)
            outputs.append(call.relation.rhs if self.call_on_liquidation_lhs is not None else call.relation)
            self.call_compare = COMPARE[call.operator] if self.call_on_liquidation_lhs is not None else None
        if level is not None and not self.level_is_liquidation_lhs:
            self.level_at = len(outputs)
            outputs.append(level.expr)
        try:
            return ColumnProgram(outputs, self.slots, constants, others)
        except CompileError:
            return None

    # -- one position -----------------------------------------------------------------------------------------
    def rows(self, positions) -> tuple:
        """(plans, rows, key) of ``positions`` = [(fields, market[, instrument])]: each position's plan and its
        :class:`_Row`, and a key equal for equal plans and field values (None unless every row was remembered: a
        state with a new row is new, no judgement of it can be remembered either).

        A row is remembered under its plan and the exact values of the fields the plan reads: stories judge the
        same states again and again (after every action, for equity, for copied accounts, in story after story
        of one rule), mostly with new but equal Fractions, so the key is made of the values, as GMP rationals
        (which hash in C; each Fraction of the state is converted once while it lives, see
        :func:`~verifier.simulate.compiled.exact`).  A replay of prices that never repeat finds nothing there:
        the memory then rests (:class:`_Memory`)."""
        plans, rows, key = [], [], []
        memory, plans_known = self._rows, self._plans
        if not memory.awake():  # nothing recurs lately: bind each position afresh, no keys
            for position in positions:
                plan = plans_known.get((*position[0], _WHERE, *position[1:])) or self.plan(*position)
                plans.append(plan)
                rows.append(plan.fresh(position[0]))
            if len(set(plans)) < len(plans):  # a plan's kept row serves one position: the others get copies
                rows = [plan.row(plan.where(position[0])) for plan, position in zip(plans, positions)]
            return plans, rows, None
        found = 0
        for position in positions:
            plan = plans_known.get((*position[0], _WHERE, *position[1:])) or self.plan(*position)
            where = plan.where(position[0])
            row = memory.get(where)
            if row is None:
                row = memory.keep(where, plan.row(where))
            else:
                found += 1
            plans.append(plan)
            rows.append(row)
            key.append(where)
        memory.count(len(key), found)
        return plans, rows, tuple(key) if found == len(key) else None

    def plan(self, fields: dict, market: str | None, instrument: str | None = None) -> "_Plan":
        """How a position with these fields, in this market, gets its symbols' values (worked out once)."""
        key = (*fields, _WHERE, market, instrument) if instrument is not None else (*fields, _WHERE, market)
        plan = self._plans.get(key)  # (rows() looks it up itself first: this is its hot path)
        if plan is None:
            if len(self._plans) >= _REMEMBERED:  # (rows and judgements are keyed by plan numbers: forget them too)
                self._plans.clear(), self._rows.clear(), self._checks.clear()
            plan = _Plan(self, frozenset(fields), market, instrument, len(self._plans))
            self._plans[key] = plan
        return plan

    def position_values(self, fields: dict, market: str | None, instrument: str | None = None) -> dict:
        """Every symbol's value for one position (others-sums excluded); a new dict the caller may change."""
        _, (row,), _ = self.rows([(fields, market, instrument)])
        return dict(row.values(self.slot_symbols))

    def _tier_table(self, market):
        """The market's tier table in force on the scenario's date: coded errors (MV606 / MV607) say what is
        missing and how to import it."""
        if self.rule.tiers is None:
            raise BindingError(f"rule {self.rule.id} reads tier columns but has no 'tiers' section")
        try:
            return self.rule.tiers.lookup(market, self.date)
        except EvaluationError as exc:
            raise BindingError(str(exc), code=exc.code, hint=exc.hint) from None

    def _input(self, name, market, instrument):
        """The scenario's value for a symbol (one, or one per asset or market), else its market field's in the
        rule's catalog on the scenario's date (``market:``), else None."""
        given = self.inputs.get(name)
        if isinstance(given, dict):
            given = given.get(instrument, given.get(market))
        if given is None and name in self.market_fields and market is not None and self.rule.markets is not None:
            found = self.rule.markets.market(market)
            spec = found.spec_at(self.date) if found is not None else None
            given = spec.fields.get(self.market_fields[name]) if spec is not None else None
        return None if given is None else Fraction(given)

    # -- an account -------------------------------------------------------------------------------------------
    def account_values(self, positions) -> list:
        """Per-position values with the others-sums filled in; ``positions`` = [(fields, market[, instrument])].

        The others-sums run over positions settled in the same asset (a market's ``:SETTLE``).
        """
        values = [self.position_values(*p) for p in positions]
        # a cross wallet is per settlement asset: coin-margined BTC and ETH positions do not back each other
        pools = [p[1].partition(":")[2] if p[1] else "" for p in positions]
        for symbol, definition in self.others:
            each = [_need(definition, v, self.reasons) for v in values]
            totals: dict = {}
            for pool, own in zip(pools, each):
                totals[pool] = totals.get(pool, Fraction(0)) + own
            for v, pool, own in zip(values, pools, each):
                v[symbol] = totals[pool] - own
        return values

    def check(self, positions) -> Check:
        """Status and margin level of an account holding ``positions`` = [(fields, market[, instrument])]
        (remembered: a mode's judgement depends on nothing else)."""
        if not positions:
            return Check("normal", None, [])
        plans, rows, key = self.rows(positions)
        if key is None:  # a state not seen lately: judge it, and remember it when it comes back
            return self._check(positions, plans, rows)
        known = self._checks.get(key)
        if known is None:
            known = self._checks.keep(key, self._check(positions, plans, rows))
        return known

    def _check(self, positions, plans, rows) -> Check:
        if not all(map(_COLUMNAR, rows)):
            return self._check_by_position(positions)
        pools = list(map(_POOL, plans))
        if pools.count(pools[0]) == len(pools):
            pools = None  # one settlement asset: one sum
        columns = self.program(list(map(_EXACT, rows)), pools)
        if columns is None:  # a zero denominator: position by position says where and what it means
            return self._check_by_position(positions)
        lhs, rhs = columns[len(self.others)], columns[len(self.others) + 1]
        if any(map(self.liquidation_compare, lhs, rhs)):
            status = "liquidation"
        elif self.call_at is None:
            status = "normal"
        elif self.call_compare is not None:  # the margin call's left side is the liquidation's
            status = "margin_call" if any(map(self.call_compare, lhs, columns[self.call_at])) else "normal"
        else:
            status = "margin_call" if any(columns[self.call_at]) else "normal"
        if self.level_is_liquidation_lhs:
            level = min(lhs)
        elif self.level_at is not None:
            level = min(columns[self.level_at])
        else:
            ratios = [a / b for a, b in zip(lhs, rhs) if b > 0]
            level = min(ratios) if ratios else None
        return Check(status, as_fraction(level) if level is not None else None,
                     make_values=lambda: self.account_values(positions))

    def _check_by_position(self, positions) -> Check:
        """The account judged position by position, lazily as the rule reads: what :meth:`check` falls back to
        (and a symbol with no value is a :class:`BindingError` that says how to give it)."""
        values = self.account_values(positions)
        lhs, rhs = self.liquidation_sides
        sides = [(_need(lhs, v, self.reasons), _need(rhs, v, self.reasons)) for v in values]  # each side once
        if any(self.liquidation_holds(a, b) for a, b in sides):
            status = "liquidation"
        elif self._margin_call(values, sides):
            status = "margin_call"
        else:
            status = "normal"
        return Check(status, self.margin_level(values, sides), values)

    def _margin_call(self, values, sides) -> bool:
        if self.call_on_liquidation_lhs is not None:
            holds, rhs = self.call_on_liquidation_lhs
            return any(holds(a, _need(rhs, v, self.reasons)) for (a, _), v in zip(sides, values))
        call = self.conditions.get("margin_call")
        return call is not None and any(_need(call, v, self.reasons) for v in values)

    def margin_level(self, values, sides=None):
        level = self.definitions.get("margin_level")
        if level is not None and sides is not None and self.level_is_liquidation_lhs:
            return min(a for a, _ in sides)
        if level is not None:
            return min(_need(level, v, self.reasons) for v in values)
        if sides is None:
            lhs, rhs = self.liquidation_sides
            sides = [(_need(lhs, v, self.reasons), _need(rhs, v, self.reasons)) for v in values]
        ratios = [a / b if not isinstance(a, float) else a for a, b in sides if b > 0]
        return min(ratios) if ratios else None

    def definition(self, name: str, values: dict):
        return _need(self.definitions[name], values, self.reasons)

    def holds(self, condition: str, values_list) -> bool:
        """Whether ``condition`` holds for every position (True when the mode does not define it)."""
        cond = self.conditions.get(condition)
        return cond is None or all(_need(cond, v, self.reasons) for v in values_list)

    def liquidation_fee(self, values: dict) -> Fraction:
        """The rule's fee of a liquidated position (zero when the rule states it charges none)."""
        if "liquidation_fee" in self.definitions:
            return self.definition("liquidation_fee", values)
        if self.rule.policies.liquidation_fee is None:  # the reading stage refuses such a rule (MV482)
            raise BindingError(f"mode {self.name!r} of rule {self.rule.id} does not say what a liquidation costs")
        return Fraction(0)  # policies.liquidation_fee says none is charged


class _Row:
    """One position's values: ``exact`` has one per ``SimMode.slots``, GMP rationals (None where the position has
    no value; an infinity where a reading divides by zero); ``columnar`` when the mode's column program can take
    them (it has every value the program reads, all finite)."""

    __slots__ = ("exact", "columnar", "_values")

    def __init__(self, exact: list, columnar: bool):
        self.exact, self.columnar, self._values = exact, columnar, None

    def values(self, symbols) -> dict:
        """SymPy symbol -> Fraction (made once; callers copy it)."""
        if self._values is None:
            self._values = {symbol: as_fraction(v) for symbol, v in zip(symbols, self.exact) if v is not None}
        return self._values


class _Plan:
    """How one position gets its symbols' values, worked out once for its field names, market and instrument.

    Everything that depends only on those is settled here: which field feeds which symbol, the scenario's inputs
    and the catalog's market fields, whether a cross position's collateral is the mode's ``initial_margin``, the
    market's tier table and which tier columns the position overrides, the errors of a symbol with no way to get a
    value, and the fields the values depend on (``reads``).  :meth:`row` then does only what the state changes:
    the readings, the collateral, the tier row its basis falls in.
    """

    def __init__(self, mode: SimMode, have: frozenset, market: str | None, instrument: str | None, number: int):
        unknown = sorted(have - set(FIELDS))
        if unknown:
            raise BindingError(f"position field {unknown[0]!r} is not one the simulator knows; fields: "
                               + ", ".join(FIELDS))
        slots = mode.slots
        self.number, self.market, self.pool = number, market, (market.partition(":")[2] if market else "")
        self.base = [None] * len(slots)
        for symbol, value in mode.params.items():
            self.base[slots[symbol]] = exact(value)
        present = set(mode.params)
        for symbol, name in mode.from_inputs:
            given = mode._input(name, market, instrument)
            if given is not None:  # a formula that needs it and lacks it fails with the symbol's reason
                self.base[slots[symbol]] = exact(given)
                present.add(symbol)
        readings, later = [], []
        for entry in mode.bound:
            if "collateral" in entry[3] and "collateral" not in have:
                later.append(entry)
            else:
                self._bind(mode, entry, have, readings, present, market, instrument)
        self.collateral = None
        if later and mode.account == "cross" and mode.row_initial_margin is not None:
            if present.issuperset(mode.row_initial_margin.symbols):  # else it cannot be computed: no collateral
                self.collateral = mode.row_initial_margin  # a cross position commits its initial margin
                have = have | {"collateral"}
        after = []
        for entry in later:
            self._bind(mode, entry, have, after, present, market, instrument)
        overrides, overridden = [], set()
        for symbol, name, expr, needs in mode.tier_overrides:
            if needs <= have:  # the position carries its own (e.g. maintenanceMarginPercentage)
                overrides.append((symbol, expr))
                overridden.add(symbol)
                present.add(symbol)
        self.table, self.tiers = None, []
        if mode.tier_symbols and len(overridden) < len(mode.tier_symbols):
            self.table = mode._tier_table(market)
            missing = next((s for s in mode.row_tier_basis.symbols if s not in present), None)
            if missing is not None:
                raise _missing(missing.name, mode.reasons)
            self.basis = mode.row_tier_basis
            self.tiers = [(slots[symbol], column) for symbol, column in mode.tier_symbols if symbol not in overridden]
            present.update(symbol for symbol, _ in mode.tier_symbols)
            self._tier_rows: dict = {}  # id(tier row) -> its values as (slot, mpq); the plan's table holds the rows
        # the fields the row reads, in this order after the plan's number (a computed collateral comes last)
        self.reads = tuple(sorted({s.name for _, expr in readings + after + overrides for s in expr.free_symbols}
                                  - ({"collateral"} if self.collateral is not None else set())))
        self.last_values, self.last_where = (None,) * len(self.reads), (number,) + (None,) * len(self.reads)  # where()
        self.last_row = None  # (where, row) of the last row made: see row()
        place = {name: 1 + i for i, name in enumerate(self.reads)}
        place["collateral"] = place.get("collateral", 1 + len(self.reads))
        self.readings, self.later, self.overrides = (
            [(slots[symbol], place[expr.name] if isinstance(expr, sympy.Symbol) else None,
              compile_expr(expr, lambda s: place[s.name], raw=True)) for symbol, expr in group]
            for group in (readings, after, overrides))
        self.copies = [(slot, at) for slot, at, _ in self.readings]
        self.copied = [(slot, self.reads[at - 1]) for slot, at in self.copies if at is not None]
        self.last_fresh = [None] * len(self.copied)  # the fields' last values: see fresh()
        # every value a field read as is, or a constant: the row is the state's exact values, all finite, placed
        self.simple = (all(at is not None for _, at, _ in self.readings) and not self.later and not self.overrides
                       and self.collateral is None and self.table is None)
        self.in_columns = mode.program is not None and mode.program.inputs <= {slots[s] for s in present}
        self.fresh_row = _Row(self.base.copy(), self.in_columns)  # see fresh()

    def where(self, fields: dict) -> tuple:
        """The plan's number and the exact values of the fields it reads: what its row is a function of.

        The plan keeps the last values it read (the state's Fractions) and their mpqs: an amount that did not
        change since the last update is the same object, and is not converted again."""
        values = tuple(map(fields.__getitem__, self.reads))
        last = self.last_values
        if all(map(is_, values, last)):
            return self.last_where
        self.last_values, self.last_where = values, (self.number, *[
            known if value is seen else exact(value) for value, seen, known in zip(values, last, self.last_where[1:])])
        return self.last_where

    def fresh(self, fields: dict) -> _Row:
        """The position's row made from its fields without a key: a plan whose values are all fields read as is
        keeps one row and places in it the values that changed since it last did (converted once); any other goes
        through :meth:`where` and :meth:`row`.  The kept row is the plan's: it is good until the next call (two
        positions of one plan in one account each get their own copy, see :meth:`SimMode.rows`)."""
        if not self.simple:
            return self.row(self.where(fields))
        row, last = self.fresh_row.exact, self.last_fresh
        for i, (slot, name) in enumerate(self.copied):
            value = fields[name]
            if last[i] is not value:
                last[i] = value
                row[slot] = mpq(value) if type(value) is Fraction else exact(value)
                self.fresh_row._values = None  # its dict of Fractions is made again when asked for
        return self.fresh_row

    def _bind(self, mode, entry, have, readings, present, market, instrument) -> None:
        symbol, name, expr, needs = entry
        if needs <= have:
            readings.append((symbol, expr))
            present.add(symbol)
            return
        given = mode._input(name, market, instrument)
        if given is not None:
            self.base[mode.slots[symbol]] = exact(given)
            present.add(symbol)
        # else: left without a value; a formula that needs it fails with the symbol's reason

    def row(self, where: tuple) -> _Row:
        """The position's values from ``where`` (:meth:`where`); the last one made is kept for the same ``where``."""
        if self.last_row is not None and self.last_row[0] is where:
            return self.last_row[1]
        key, row = where, self.base.copy()
        if self.simple:
            for slot, at in self.copies:
                row[slot] = where[at]
            self.last_row = (key, _Row(row, self.in_columns))
            return self.last_row[1]
        for slot, at, reading in self.readings:
            row[slot] = where[at] if at is not None else reading(where)
        if self.collateral is not None:
            where = (*where, self.collateral(row))
        for slot, at, reading in self.later:
            row[slot] = where[at] if at is not None else reading(where)
        for slot, at, reading in self.overrides:
            row[slot] = where[at] if at is not None else reading(where)
        if self.table is not None:
            basis = as_fraction(self.basis(row))
            tier = self.table.row_for(basis)
            if tier is None:
                raise BindingError(f"no tier row of {self.market} holds basis {basis}")
            values = self._tier_rows.get(id(tier))
            if values is None:
                values = self._tier_rows[id(tier)] = [(slot, exact(tier.values[column])) for slot, column in self.tiers]
            for slot, value in values:
                row[slot] = value
        self.last_row = (key, _Row(row, self.in_columns and float not in map(type, row)))
        return self.last_row[1]


def _missing(name: str, reasons=None) -> BindingError:
    """The error of a symbol with no value: its reason when the mode knows one, else how to give it."""
    if reasons and name in reasons:
        return BindingError(reasons[name])
    return BindingError(f"symbol {name!r} has no value here: it has no snapshot reading, so give it "
                        "under the scenario's 'inputs' (one value, or one per asset or market)")


def _need(function, values, reasons=None):
    """Evaluate; a symbol with no value becomes a :class:`BindingError` that says how to give one."""
    try:
        return function(values)
    except KeyError as exc:
        raise _missing(exc.args[0], reasons) from None


class SimRule:
    """A loaded rule compiled for one simulation date, with scenario overrides and inputs.

    ``overrides``: parameter name -> value, or -> (value, modes it applies to or None for all).
    """

    def __init__(self, rule, date: _dt.date | None, overrides: dict | None = None, inputs: dict | None = None):
        rule = rule.at(date)  # the formulas in force on the date (an EvaluationError where the rule has none)
        self.rule = rule
        self.date = date
        overrides = {k: (v if isinstance(v, tuple) else (v, None)) for k, v in (overrides or {}).items()}
        inputs = dict(inputs or {})
        known = {n for m in rule.modes.values() for n in m.parameters}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise BindingError(f"rule {rule.id} has no parameter {unknown[0]!r}")
        self.modes = {name: SimMode(rule, view, date, overrides, inputs) for name, view in rule.modes.items()}

    def mode(self, name: str) -> SimMode:
        return self.modes[name]

    def default_mode(self, kind: str) -> SimMode:
        """The rule's mode for an account kind ('cross' or 'isolated'), when there is exactly one."""
        matching = [m for m in self.modes.values() if m.account == kind]
        if len(matching) != 1:
            raise BindingError(f"rule {self.rule.id} has {len(matching)} {kind} modes; name one with 'mode'")
        return matching[0]


_COMPILED: dict = {}


def compiled_rule(rule, date, overrides: dict | None = None, inputs: dict | None = None) -> SimRule:
    """The rule compiled for a date, overrides and inputs: once for all who share them (verify runs hundreds of
    stories and thousands of cases of one rule; compiling it took a twentieth of each story)."""
    key = (id(rule), date, _frozen(overrides or {}), _frozen(inputs or {}))
    entry = _COMPILED.get(key)
    if entry is None or entry[0] is not rule:
        if len(_COMPILED) >= 64:
            _COMPILED.clear()
        entry = _COMPILED[key] = (rule, SimRule(rule, date, overrides, inputs))
    return entry[1]


def _frozen(value):
    """A hashable copy of nested dicts, lists and tuples (for :func:`compiled_rule`'s key)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted((_frozen(v) for v in value), key=repr))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value
