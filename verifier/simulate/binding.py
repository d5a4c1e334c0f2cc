"""What the simulator reads from a loaded rule, compiled once: the rule as a calculator.

The simulator holds account state (balances, debts, positions); the rule says what
that state *means*.  Each rule symbol gets its value from one of:

* its ``snapshot`` reading for the account kind (``contracts * contractSize``,
  ``walletBalance``, ``total``, ``debt``, ...): evaluated over the state fields the
  simulator fills in for a position (see :data:`FIELDS`);
* a parameter in force on the scenario's date (a scenario may override one, and says why);
* the tier table row chosen by the tier basis (``from: tiers``);
* the sum of a definition over the account's *other* positions (``others:``);
* a value the scenario supplies (``inputs``), for symbols the account state does not hold.

Names the simulator looks for (everything else is the rule's own business):

==========================  ==================================================================
``conditions.liquidation``  required: the account is liquidated when it holds for a position
``conditions.margin_call``  optional: a margin-call notice when it holds (and no liquidation)
``conditions.transfer_out_allowed``  optional: must still hold after a transfer out
``definitions.margin_level``  optional: shown per account; else lhs/rhs of the liquidation condition
``definitions.upnl``          futures: profit realised when a position is reduced or closed
``definitions.hourly_interest``  spot margin: interest charged per started hour on a loan
``definitions.liquidation_fee``  optional: fee of a liquidated position; else the parameter
                              ``liquidation_fee_rate`` times the definition ``notional``
==========================  ==================================================================

>>> from verifier.spec import load_rule
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

import sympy

from verifier.errors import VerifierError
from verifier.formula import ANY, Term, parse_formula
from verifier.simulate.compiled import compile_expr, compile_relation, relation_sides

FIELDS = ("contracts", "contractSize", "entryPrice", "markPrice", "side", "collateral", "walletBalance",
          "leverage", "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount", "total", "debt",
          "interest", "price", "notional")
"""State fields a position snapshot may carry (the ccxt names rule snapshot readings use)."""

_FIELD_SYMBOLS = {name: sympy.Symbol(name) for name in FIELDS}


class BindingError(VerifierError, ValueError):
    """The rule cannot drive the simulator (a symbol with no way to get a value, a missing condition)."""


@dataclass
class Check:
    """The result of evaluating one account: status, margin level, and per-position values."""

    status: str  # 'normal', 'margin_call' or 'liquidation'
    margin_level: object  # Fraction, inf, or None (nothing to evaluate)
    values: list  # per position: SymPy symbol -> Fraction


class SimMode:
    """One rule mode compiled for simulation."""

    def __init__(self, rule, view, date, overrides: dict, inputs: dict):
        self.rule, self.view, self.name, self.account = rule, view, view.name, view.account
        self.inputs = inputs
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
        self.others = [(view.symbols[s].sympy, self.definitions[d]) for s, d in view.others.items()]
        self.tier_symbols = [(view.symbols[s].sympy, column) for s, column in view.tier_symbols.items()]
        self.tier_basis = compile_expr(view.tier_basis.expr) if view.tier_basis is not None else None
        self.bound, self.from_inputs = [], []
        for name, spec in view.symbols.items():
            if spec.from_tiers or spec.others:
                continue
            reading = spec.snapshot_formula(view.account)
            if reading is None and name == rule.price:
                reading = "markPrice"
            if reading is None:
                self.from_inputs.append((spec.sympy, name))
                continue
            expr = _FIELD_SYMBOLS["side"] if reading == "side" else parse_formula(
                reading, {n: Term(s, ANY) for n, s in _FIELD_SYMBOLS.items()}, what="snapshot reading").expr
            self.bound.append((spec.sympy, compile_expr(expr)))

    def position_values(self, fields: dict, market: str | None, instrument: str | None = None) -> dict:
        """Every symbol's value for one position (others-sums excluded)."""
        state = {_FIELD_SYMBOLS[k]: v for k, v in fields.items()}
        values = dict(self.params)
        for symbol, reading in self.bound:
            try:
                values[symbol] = reading(state)
            except KeyError as exc:
                raise BindingError(f"symbol {symbol.name!r} reads state field {exc.args[0]!r}, which a "
                                   f"{self.rule.product} position does not have") from None
        for symbol, name in self.from_inputs:
            given = self.inputs.get(name)
            if isinstance(given, dict):
                given = given.get(instrument, given.get(market))
            if given is not None:  # a formula that needs it and lacks it fails in _need()
                values[symbol] = Fraction(given)
        if self.tier_symbols:
            table = self.rule.tiers.table(market) if self.rule.tiers is not None else None
            if table is None:
                raise BindingError(f"no tier table for market {market!r}")
            basis = self.tier_basis(values)
            row = table.row_for(basis)
            if row is None:
                raise BindingError(f"no tier row of {market} holds basis {basis}")
            for symbol, column in self.tier_symbols:
                values[symbol] = row.values[column]
        return values

    def account_values(self, positions) -> list:
        """Per-position values with the others-sums filled in; ``positions`` = [(fields, market[, instrument])]."""
        values = [self.position_values(*p) for p in positions]
        for symbol, definition in self.others:
            each = [_need(definition, v) for v in values]
            total = sum(each, Fraction(0))
            for v, own in zip(values, each):
                v[symbol] = total - own
        return values

    def check(self, positions) -> Check:
        """Status and margin level of an account holding ``positions``."""
        if not positions:
            return Check("normal", None, [])
        values = self.account_values(positions)
        liquidation = self.conditions["liquidation"]
        call = self.conditions.get("margin_call")
        if any(_need(liquidation, v) for v in values):
            status = "liquidation"
        elif call is not None and any(_need(call, v) for v in values):
            status = "margin_call"
        else:
            status = "normal"
        return Check(status, self.margin_level(values), values)

    def margin_level(self, values):
        level = self.definitions.get("margin_level")
        if level is not None:
            return min(_need(level, v) for v in values)
        lhs, rhs = self.liquidation_sides
        ratios = []
        for v in values:
            a, b = _need(lhs, v), _need(rhs, v)
            if b > 0:
                ratios.append(a / b if not isinstance(a, float) else a)
        return min(ratios) if ratios else None

    def definition(self, name: str, values: dict):
        return _need(self.definitions[name], values)

    def holds(self, condition: str, values_list) -> bool:
        """Whether ``condition`` holds for every position (True when the mode does not define it)."""
        cond = self.conditions.get(condition)
        return cond is None or all(_need(cond, v) for v in values_list)

    def liquidation_fee(self, values: dict) -> Fraction:
        if "liquidation_fee" in self.definitions:
            return self.definition("liquidation_fee", values)
        rate = self.view.parameters.get("liquidation_fee_rate")
        if rate is None or "notional" not in self.definitions:
            return Fraction(0)
        return self.params[rate.sympy] * self.definition("notional", values)


def _need(function, values):
    """Evaluate; a symbol with no value becomes a :class:`BindingError` that says how to give one."""
    try:
        return function(values)
    except KeyError as exc:
        raise BindingError(f"symbol {exc.args[0]!r} has no value here: it has no snapshot reading, so give it "
                           "under the scenario's 'inputs' (one value, or one per asset or market)") from None


class SimRule:
    """A loaded rule compiled for one simulation date, with scenario overrides and inputs.

    ``overrides``: parameter name -> value, or -> (value, modes it applies to or None for all).
    """

    def __init__(self, rule, date: _dt.date | None, overrides: dict | None = None, inputs: dict | None = None):
        self.rule = rule
        self.date = date
        self.spot = rule.product == "spot-margin"
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
