"""Evaluating an account under a rule (design.md section 4): :func:`evaluate_account`.

Each rule symbol says how it is read from a position (``SymbolSpec.reading``, a formula over ccxt field names
parsed by the reading stage).  Per position: the rule's definitions at the mark (tier row of the mark), then the
mode's ``others:`` symbols summed over the other positions, then the liquidation price solved exactly and
tier-consistently (:func:`verifier.derive.tiers.solve_price`; same-market legs of a cross hedge account move with
the price, :mod:`verifier.derive.hedge`), and the status from the rule's own conditions.  A spot-margin account's
quote balance counts in the others sums and has no price of its own.

The result is numbers (exact :class:`~fractions.Fraction`) and reasons; :mod:`verifier.report.evaluate` writes it.
Every problem is an :class:`~verifier.errors.EvaluationError` with a located diagnostic (the account's places;
what the rule lacks is checked first, in :mod:`verifier.derive.account_mode`, and located in the rule file).

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

from verifier.derive.account_mode import check_date, check_readable, needed_symbols, rule_at, select_mode
from verifier.derive.hedge import solve_hedged
from verifier.derive.tiers import solve_price
from verifier.errors import DerivationError, EvaluationError
from verifier.model.evaluate import substitutions, to_fraction
from verifier.model.rule import Display
from verifier.model.snapshot import evaluate_reading, fields_of
from verifier.model.symbols import in_domain

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
    rule = rule_at(rule, date)
    mode = select_mode(rule, account)
    check_date(rule, mode, date)
    check_readable(rule, mode, account)
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
    fields, needed = _reading_fields(account, position), needed_symbols(mode)
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
            _check_domain(account, position, name, spec, value)
            (tier_values if spec.from_tiers else values)[name] = value
    tables = rule.tiers.tables if rule.tiers is not None else {}
    if tables and account.kind == "futures" and any(n not in tier_values for n in mode.tier_symbols) \
            and position.symbol not in tables:
        raise account.error("MV603", f"rule {rule.id} has no tier table for market {position.symbol!r}",
                            position.at("symbol"), hint="markets with tier tables: " + ", ".join(tables)
                            + "; or give maintenanceMarginPercentage and maintenanceAmount")
    market = position.symbol if position.symbol in tables else None
    return _Leg(position, market, {**values, **tier_values}, tier_values)


def _check_domain(account, position, name, spec, value) -> None:
    """A value read from the account lies in the symbol's declared domain (an entry price of 0 is not a price)."""
    allowed = in_domain(value, spec.domain) and (not spec.one_of or value in spec.one_of)
    if allowed:
        return
    reading = spec.snapshot_formula(account.margin_mode)
    names = sorted(fields_of(spec.reading(account.margin_mode)))
    on_account = names == ["walletBalance"] and "walletBalance" not in position.fields
    place = account.at(names[0]) if on_account else position.at(names[0] if len(names) == 1 else None)
    # numbers in a message are exact fractions (str of a Fraction: 3, 1/3); reports format through verifier.report
    wanted = " and ".join(f"{op} {Fraction(b)}" for op, b in spec.domain) or \
        "one of " + ", ".join(str(Fraction(v)) for v in spec.one_of)
    raise account.error("MV602", f"{name} ({spec.meaning}) must be {wanted}; {reading} gives {Fraction(value)}", place,
                        hint=f"the rule reads {name} as {reading}; check the snapshot's fields")


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
    """Whether condition ``name`` holds at the leg's values, exactly; undecidable is an error, never 'normal'."""
    condition = mode.conditions[name]
    sides = [_substituted(mode, side, leg, date, account, f"the {name} condition")
             for side in (condition.relation.lhs, condition.relation.rhs)]
    needs = sorted({s.name for side in sides for s in side.free_symbols})
    if needs:
        raise account.error("MV603", f"cannot decide the {name} condition: it still needs " + ", ".join(needs),
                            leg.position.at())
    if any(side.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) for side in sides):
        raise account.error("MV603", f"cannot decide the {name} condition ({condition.text}): it divides by zero at "
                                     "these values", leg.position.at(),
                            hint="a ratio with nothing in its denominator (a margin level with nothing owed) has no "
                                 "value; the rule does not say what it means")
    return bool(condition.relation.func(*sides))


def _value(mode, expr, leg, date, account, what) -> Fraction | None:
    """``expr`` at the leg's values; None where it is not a finite number (a margin level with no debt)."""
    value = _substituted(mode, expr, leg, date, account, what)
    if value.free_symbols:
        raise account.error("MV603", f"cannot evaluate {what}: it still needs "
                                     + ", ".join(sorted(s.name for s in value.free_symbols)), leg.position.at())
    return None if value.has(sympy.zoo, sympy.nan, sympy.oo) else to_fraction(value)
