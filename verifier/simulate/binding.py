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
from dataclasses import dataclass
from fractions import Fraction

from verifier.errors import EvaluationError, VerifierError
from verifier.model.snapshot import FIELD_SYMBOLS, SNAPSHOT_FIELDS
from verifier.simulate.compiled import OPERATORS, compile_expr, compile_relation, relation_sides

FIELDS = SNAPSHOT_FIELDS
"""State fields a position snapshot may carry: the snapshot contract's ccxt names (model.snapshot)."""
_FIELD_SYMBOLS = FIELD_SYMBOLS
_STATE = frozenset(FIELDS) - {"leverage", "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount"}


class BindingError(VerifierError, ValueError):
    """The rule cannot drive the simulator (a symbol with no way to get a value, a missing condition)."""

    code = "MV713"


@dataclass
class Check:
    """The result of evaluating one account: status, margin level, and per-position values."""

    status: str  # 'normal', 'margin_call' or 'liquidation'
    margin_level: object  # Fraction, inf, or None (nothing to evaluate)
    values: list  # per position: SymPy symbol -> Fraction


_REMEMBERED = 4096
"""Judged states a mode keeps (the cache is emptied when full: states of one scenario rarely recur far apart)."""


def _remembered(memory: dict, key, compute):
    """``memory[key]``, computed on a miss (the memory is emptied when full)."""
    known = memory.get(key)
    if known is None:
        if len(memory) >= _REMEMBERED:
            memory.clear()
        known = memory[key] = compute()
    return known


def _state_key(fields: dict) -> tuple:
    """A position's fields as a key: a Fraction as its numerator and denominator (hashing those two ints is much
    cheaper than hashing the Fraction, and equal Fractions have equal ones)."""
    return tuple((name, value.numerator, value.denominator) if type(value) is Fraction else (name, value)
                 for name, value in fields.items())


class SimMode:
    """One rule mode compiled for simulation."""

    def __init__(self, rule, view, date, overrides: dict, inputs: dict):
        self.rule, self.view, self.name, self.account = rule, view, view.name, view.account
        self.inputs, self.date = inputs, date
        self._checks: dict = {}  # positions -> Check: a mode's judgement depends on nothing else
        self._values: dict = {}  # one position's state -> its symbols' values
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
        self.tier_symbols = [(view.symbols[s].sympy, column) for s, column in view.tier_symbols.items()]
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
            entry = (spec.sympy, name, compile_expr(expr), needs)
            if spec.from_tiers:
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

    def position_values(self, fields: dict, market: str | None, instrument: str | None = None) -> dict:
        """Every symbol's value for one position (others-sums excluded); a new dict the caller may change.

        Remembered per position state: a state is read several times (judged, then its equity taken)."""
        key = (_state_key(fields), market, instrument)
        return dict(_remembered(self._values, key, lambda: self._position_values(fields, market, instrument)))

    def _position_values(self, fields: dict, market: str | None, instrument: str | None) -> dict:
        unknown = sorted(set(fields) - set(FIELDS))
        if unknown:
            raise BindingError(f"position field {unknown[0]!r} is not one the simulator knows; fields: "
                               + ", ".join(FIELDS))
        state = {_FIELD_SYMBOLS[k]: v for k, v in fields.items()}
        values = dict(self.params)
        for symbol, name in self.from_inputs:
            given = self._input(name, market, instrument)
            if given is not None:  # a formula that needs it and lacks it fails in _need()
                values[symbol] = given
        later = []
        for symbol, name, reading, needs in self.bound:
            if "collateral" in needs and "collateral" not in fields:
                later.append((symbol, name, reading, needs))
            else:
                self._bind(values, state, fields, symbol, name, reading, needs, market, instrument)
        if later and self.account == "cross" and "initial_margin" in self.definitions:
            try:  # a cross position's collateral is its initial margin (what it commits of the wallet)
                state[_FIELD_SYMBOLS["collateral"]] = self.definitions["initial_margin"](values)
                fields = {**fields, "collateral": state[_FIELD_SYMBOLS["collateral"]]}
            except KeyError:
                pass
        for symbol, name, reading, needs in later:
            self._bind(values, state, fields, symbol, name, reading, needs, market, instrument)
        overridden = set()
        for symbol, name, reading, needs in self.tier_overrides:
            if needs <= set(fields):  # the position carries its own (e.g. maintenanceMarginPercentage)
                values[symbol] = reading(state)
                overridden.add(symbol)
        if self.tier_symbols and len(overridden) < len(self.tier_symbols):
            table = self._tier_table(market)
            basis = _need(self.tier_basis, values, self.reasons)
            row = table.row_for(basis)
            if row is None:
                raise BindingError(f"no tier row of {market} holds basis {basis}")
            for symbol, column in self.tier_symbols:
                if symbol not in overridden:
                    values[symbol] = row.values[column]
        return values

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

    def _bind(self, values, state, fields, symbol, name, reading, needs, market, instrument):
        if needs <= set(fields):
            values[symbol] = reading(state)
            return
        given = self._input(name, market, instrument)
        if given is not None:
            values[symbol] = given
        # else: left without a value; a formula that needs it fails in _need() with self.reasons[name]

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
        """Status and margin level of an account holding ``positions`` (remembered: a state is judged often, e.g.
        before and after an action that changed another account, and a copied account judges the same state)."""
        if not positions:
            return Check("normal", None, [])
        key = tuple((_state_key(fields), *where) for fields, *where in positions)
        return _remembered(self._checks, key, lambda: self._check(positions))

    def _check(self, positions) -> Check:
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


def _need(function, values, reasons=None):
    """Evaluate; a symbol with no value becomes a :class:`BindingError` that says how to give one."""
    try:
        return function(values)
    except KeyError as exc:
        name = exc.args[0]
        if reasons and name in reasons:
            raise BindingError(reasons[name]) from None
        raise BindingError(f"symbol {name!r} has no value here: it has no snapshot reading, so give it "
                           "under the scenario's 'inputs' (one value, or one per asset or market)") from None


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
