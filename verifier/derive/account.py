"""Evaluating an account under a rule (design.md section 4): :func:`evaluate_account`.

Each rule symbol says how it is read from a position (``SymbolSpec.reading``, a formula over ccxt field names
parsed by the reading stage).  Per position: the rule's definitions at the mark (tier row of the mark), then the
mode's ``others:`` symbols summed over the other positions, then the liquidation price solved exactly and
tier-consistently (:func:`verifier.derive.tiers.solve_price`; same-market legs of a cross hedge account move with
the price, :mod:`verifier.derive.hedge`), and the status from the rule's own conditions.  A spot-margin account's
quote balance counts in the others sums and has no price of its own.

The result is numbers (exact :class:`~fractions.Fraction`) and reasons; :mod:`verifier.report.evaluate` writes it.
Every problem is an :class:`~verifier.errors.EvaluationError` with a located diagnostic (the account's places,
or the rule file's).

>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> account = account_from_data({"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT",
...     "side": "long", "contracts": "1", "entryPrice": "60000", "markPrice": "60000", "collateral": "1000"}]})
>>> result = evaluate_account(load_rule("binance/usdm-perpetual"), account)
>>> result.positions[0].liquidation_price, result.positions[0].tier, result.status
(Fraction(11790000, 199), 2, 'normal')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from verifier.derive.hedge import solve_hedged
from verifier.derive.tiers import solve_price
from verifier.errors import DerivationError, Diagnostic, EvaluationError
from verifier.model.evaluate import substitutions, to_fraction, used_parameters
from verifier.model.rule import Display
from verifier.model.snapshot import evaluate_reading, fields_of

STATUSES = ("normal", "margin_call", "liquidation")
"""From best to worst; an account's status is the worst of its positions'."""


@dataclass(frozen=True)
class PositionEvaluation:
    """One position's numbers, exact."""

    symbol: str
    side: str
    liquidation_price: Fraction | None  # None: no price exists (see reason)
    reason: str | None  # why there is no liquidation price
    maintenance_margin: Fraction | None  # at the mark; None when the rule defines none
    unrealized_pnl: Fraction | None
    tier: int | None  # the tier row at the mark (None: the position gives its tier values, or no tier table)
    status: str


@dataclass(frozen=True)
class AccountEvaluation:
    """What :func:`evaluate_account` found: per position, the account's margin level and status."""

    rule: str
    mode: str
    display: Display  # how the rule displays prices (a reporter rounds with it, the exact value beside)
    positions: tuple
    margin_level: Fraction | None
    status: str


@dataclass
class _Leg:
    """A position while it is evaluated: the rule's symbols read from it, then its definitions at the mark."""

    position: object
    market: str | None
    values: dict  # rule symbol -> exact value (tier overrides included)
    tier_values: dict  # tier symbol -> value (given by the position, or the table's row at the mark)
    at_mark: dict = field(default_factory=dict)  # definition -> value at the mark
    tier: int | None = None


def evaluate_account(rule, account, date=None) -> AccountEvaluation:
    """Evaluate ``account`` (:class:`verifier.model.account.Account`) under ``rule`` with values in force on ``date``."""
    mode = select_mode(rule, account)
    _check_date(rule, mode, date)
    _check_readable(rule, mode, account)
    legs = [_read_leg(rule, mode, account, position) for position in account.positions]
    for leg in legs:
        _at_mark(rule, mode, leg, date, account)
    partners = _hedge_partners(account, mode, legs)
    _sum_others(mode, legs, partners, account)
    out = tuple(_evaluate_leg(rule, mode, legs, index, partners.get(index, ()), date, account)
                for index, leg in enumerate(legs) if not leg.position.quote)
    level = None
    if "margin_level" in mode.definitions and out:
        first = next(leg for leg in legs if not leg.position.quote)
        level = _value(mode, mode.definitions["margin_level"].expr, first, date, account, "margin_level")
    status = max((p.status for p in out), key=STATUSES.index, default="normal")
    return AccountEvaluation(rule.id, mode.name, rule.display, out, level, status)


# --------------------------------------------------------------------------------------------- which mode, date


def declared_leverage(mode) -> Fraction | None:
    """The leverage a mode is for, or None when it is for any.

    MERGE: the one place a mode's leverage is read from its NAME (``isolated-5x``); when ModeView.leverage lands,
    this body becomes ``return mode.leverage``.
    """
    head, _, tail = mode.name.rpartition("-")
    return Fraction(tail[:-1]) if head and tail.endswith("x") and tail[:-1].isdigit() else None


def select_mode(rule, account):
    """The rule's mode for this account: named by the file, else of its margin mode (by leverage when several)."""
    if account.mode is not None:
        if account.mode not in rule.modes:
            raise account.error("MV601", f"rule {rule.id} has no mode {account.mode!r}", account.at("mode"),
                                hint="one of " + ", ".join(rule.modes))
        return rule.modes[account.mode]
    matching = [m for m in rule.modes.values() if m.account == account.margin_mode]
    if not matching:
        raise account.error("MV601", f"rule {rule.id} has no {account.margin_mode} mode", account.at("marginMode"),
                            hint="its modes: " + ", ".join(f"{m.name} ({m.account})" for m in rule.modes.values()))
    if len(matching) > 1 and account.leverage is not None:
        for mode in matching:
            if declared_leverage(mode) == account.leverage:
                return mode
    return matching[0]  # the rule's first mode of that margin mode


def _check_date(rule, mode, date) -> None:
    """Every parameter the mode uses has a value in force on ``date``, and the rule says something about it.

    A rule describes its product from its earliest dated value on; before that no value of it is known.
    """
    if date is None:
        return
    for parameter in used_parameters(mode):
        since = parameter.values[0][0]
        if since > date:
            raise _rule_error(rule, "MV604", f"parameter {parameter.name!r} has no value on {date.isoformat()}: its "
                                             f"first value is from {since.isoformat()}",
                              _parameter_path(rule, mode, parameter.name),
                              f"evaluate on or after {since.isoformat()} (--date), or add the earlier value to the "
                              "rule with its source")
    dated = [(p.values[0][0], p.name, m) for m in rule.modes.values() for p in m.parameters.values()]
    if dated and min(dated, key=lambda item: item[:2])[0] > date:
        since, name, owner = min(dated, key=lambda item: item[:2])
        raise _rule_error(rule, "MV604", f"rule {rule.id} has no values before {since.isoformat()} (its earliest, "
                                         f"parameter {name!r}): it says nothing about {date.isoformat()}",
                          _parameter_path(rule, owner, name),
                          f"evaluate on or after {since.isoformat()} (--date), or add the earlier values to the rule "
                          "with their sources")


def _check_readable(rule, mode, account) -> None:
    """Every symbol the mode's conditions need can come from a snapshot (its reading), the tiers or the others."""
    for name in sorted(_needed(mode)):
        spec = mode.symbols[name]
        if spec.others or spec.from_tiers or spec.snapshot_formula(account.margin_mode):
            continue
        raise _rule_error(rule, "MV605", f"the {mode.name} mode needs {name}, {spec.meaning}, which no snapshot "
                                         "field gives: the symbol has no 'snapshot:' reading",
                          _symbol_path(rule, mode, name),
                          f"give {name} a 'snapshot:' reading over ccxt fields in the rule, or evaluate with a rule "
                          "that reads it; a snapshot cannot supply it")


def _needed(mode) -> set:
    """Names of the symbols the mode's conditions use (expanded): every input of the answer."""
    used = set().union(*(c.relation.free_symbols for c in mode.conditions.values()))
    return {name for name, spec in mode.symbols.items() if spec.sympy in used}


def _parameter_path(rule, mode, name) -> tuple:
    return ("parameters", name) if name in rule.parameters else ("modes", mode.name, "parameters", name)


def _symbol_path(rule, mode, name) -> tuple:
    return ("symbols", name) if name in rule.symbols else ("modes", mode.name, "symbols", name)


def _rule_error(rule, code, message, path, hint) -> EvaluationError:
    """An error located in the rule file (the rule, not the account, lacks what is needed)."""
    line, col = rule.locate(*path)
    diagnostic = Diagnostic(code, message, file=rule.file, line=line, col=col, json_path="$." + ".".join(path),
                            hint=hint)
    return EvaluationError(message, [diagnostic], code=code)


# --------------------------------------------------------------------------------------------- reading a position


def _reading_fields(account, position) -> dict:
    """The ccxt fields a symbol's reading may use: the position's, its side, and the account's wallet."""
    fields = dict(position.fields)
    if account.kind == "futures":
        fields["side"] = Fraction(position.sign)
        if account.wallet_balance is not None:
            fields.setdefault("walletBalance", account.wallet_balance)
    return fields


def _read_leg(rule, mode, account, position) -> _Leg:
    """The rule's symbols read from one position (tier columns it gives override the table)."""
    fields, needed = _reading_fields(account, position), _needed(mode)
    values, tier_values = {}, {}
    for name, spec in mode.symbols.items():
        text = spec.snapshot_formula(account.margin_mode)
        if not text or spec.others:
            continue
        try:
            value = evaluate_reading(spec.reading(account.margin_mode), fields)
        except EvaluationError as exc:
            raise account.error("MV602", f"cannot read {name} ({spec.meaning}) as {text}: {exc}", position.at()) \
                from None
        if value is None and not spec.from_tiers and name in needed:
            raise _missing_field(account, position, spec, name, fields)
        if value is not None:
            (tier_values if spec.from_tiers else values)[name] = value
    tables = rule.tiers.tables if rule.tiers is not None else {}
    if tables and account.kind == "futures" and any(n not in tier_values for n in mode.tier_symbols) \
            and position.symbol not in tables:
        raise account.error("MV603", f"rule {rule.id} has no tier table for market {position.symbol!r}",
                            position.at("symbol"), hint="markets with tier tables: " + ", ".join(tables)
                            + "; or give maintenanceMarginPercentage and maintenanceAmount")
    market = position.symbol if position.symbol in tables else None
    return _Leg(position, market, {**values, **tier_values}, tier_values)


def _missing_field(account, position, spec, name, fields) -> EvaluationError:
    missing = sorted(fields_of(spec.reading(account.margin_mode)) - set(fields))
    on_account = missing[0] == "walletBalance" if missing else False
    where = "snapshot" if on_account else "position"
    return account.error("MV600", f"{where} is missing {', '.join(map(repr, missing))} (needed for {name}: "
                                  f"{spec.meaning})", account.at() if on_account else position.at())


# --------------------------------------------------------------------------------------------- at the mark


def _at_mark(rule, mode, leg, date, account) -> None:
    """Every definition of the mode at the leg's own values (tiers at the mark), except ones needing the others."""
    values = {k: v for k, v in leg.values.items() if k not in mode.others}
    try:
        subs = substitutions(mode, values, date=date, tiers=rule.tiers, market=leg.market,
                             needed=set(mode.tier_symbols) - set(values))
    except EvaluationError as exc:
        raise account.error("MV603", f"cannot evaluate the position: {exc}", leg.position.at()) from None
    overridden = all(name in leg.tier_values for name in mode.tier_symbols)
    if rule.tiers is not None and mode.tier_basis is not None and leg.market is not None and not overridden:
        basis = mode.tier_basis.expr.xreplace(subs)
        if not basis.free_symbols:
            row = rule.tiers.table(leg.market).row_for(to_fraction(basis))
            leg.tier = row.number if row else None
    for name in mode.tier_symbols:
        symbol = mode.symbols[name].sympy
        if symbol in subs and name not in leg.tier_values:
            leg.tier_values[name] = to_fraction(subs[symbol])
    others = {mode.symbols[n].sympy for n in mode.others}
    for name, definition in mode.definitions.items():
        if definition.expr.free_symbols & others:
            continue
        value = definition.expr.xreplace(subs)
        if not value.free_symbols and not value.has(sympy.zoo, sympy.nan):
            leg.at_mark[name] = to_fraction(value)


def _hedge_partners(account, mode, legs) -> dict:
    """leg index -> indices of the other legs of the same market, for a cross account in hedge mode.

    Those legs share one liquidation price: their definitions move with the price (see
    :mod:`verifier.derive.hedge`).  One-way accounts and isolated modes have no partners.
    """
    if account.position_mode != "hedge" or mode.account != "cross" or not mode.others:
        return {}
    partners = {}
    for i, leg in enumerate(legs):
        same = [j for j, other in enumerate(legs)
                if j != i and other.position.symbol == leg.position.symbol and not leg.position.quote]
        if same:
            partners[i] = same
    return partners


def _sum_others(mode, legs, partners, account) -> None:
    """Each ``others:`` symbol: its definition summed over the other legs at their marks (hedge partners excluded)."""
    for i, leg in enumerate(legs):
        for name, definition in mode.others.items():
            if name in leg.values:
                continue
            total = Fraction(0)
            for j, other in enumerate(legs):
                if j == i or j in partners.get(i, ()):
                    continue
                if definition not in other.at_mark:
                    raise account.error("MV603", f"cannot compute {definition} of this position at its mark, which "
                                                 f"{name} sums for the other positions", other.position.at(),
                                        hint="every input of " + definition + " must come from the position")
                total += other.at_mark[definition]
            leg.values[name] = total


# --------------------------------------------------------------------------------------------- prices and status


def _evaluate_leg(rule, mode, legs, index, partners, date, account) -> PositionEvaluation:
    leg = legs[index]
    price, reason = _liquidation(rule, mode, legs, index, partners, date, account)
    statuses = [name for name in ("liquidation", "margin_call")
                if name in mode.conditions and _holds(mode, name, leg, date, account)]
    return PositionEvaluation(leg.position.symbol, leg.position.side, price, reason,
                              leg.at_mark.get("maintenance_margin"), leg.at_mark.get("upnl"), leg.tier,
                              statuses[0] if statuses else "normal")


def _liquidation(rule, mode, legs, index, partners, date, account) -> tuple:
    """(exact liquidation price or None, the reason when None)."""
    leg = legs[index]
    if "liquidation" not in mode.conditions:
        return None, f"the {mode.name} mode has no liquidation condition"
    try:
        if partners:
            own = [{k: v for k, v in legs[j].values.items() if k not in mode.others} for j in partners]
            price, _ = solve_hedged(rule, mode.name, "liquidation", leg.values, own, market=leg.market, date=date,
                                    current=leg.values.get(rule.price))
        else:
            price = solve_price(rule, mode.name, "liquidation", leg.values, market=leg.market, date=date).price
    except (EvaluationError, DerivationError) as exc:
        raise account.error("MV603", f"cannot compute the liquidation price: {exc}", leg.position.at()) from None
    if price is None:
        return None, "no price reaches the liquidation condition (no root in the price's domain and a tier row)"
    return price, None


def _substituted(mode, expr, leg, date, account, what):
    try:
        return expr.xreplace(substitutions(mode, {**leg.values, **leg.tier_values}, date=date, needed=set()))
    except EvaluationError as exc:
        raise account.error("MV603", f"cannot evaluate {what}: {exc}", leg.position.at()) from None


def _holds(mode, name, leg, date, account) -> bool:
    result = _substituted(mode, mode.conditions[name].relation, leg, date, account, f"the {name} condition")
    if result not in (sympy.true, sympy.false):
        raise account.error("MV603", f"cannot decide the {name} condition: it still needs "
                                     + ", ".join(sorted(s.name for s in result.free_symbols)), leg.position.at())
    return result is sympy.true


def _value(mode, expr, leg, date, account, what) -> Fraction | None:
    """``expr`` at the leg's values; None where it is not a finite number (a margin level with no debt)."""
    value = _substituted(mode, expr, leg, date, account, what)
    if value.free_symbols:
        raise account.error("MV603", f"cannot evaluate {what}: it still needs "
                                     + ", ".join(sorted(s.name for s in value.free_symbols)), leg.position.at())
    return None if value.has(sympy.zoo, sympy.nan, sympy.oo) else to_fraction(value)
