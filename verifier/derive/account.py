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

>>> import datetime
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> account = account_from_data({"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT",
...     "side": "long", "contracts": "1", "contractSize": "1", "entryPrice": "60000", "markPrice": "60000",
...     "collateral": "1000"}]})
>>> result = evaluate_account(load_rule("binance/usdm-perpetual"), account, date=datetime.date(2024, 10, 1))
>>> result.positions[0].liquidation_price, result.positions[0].tier, result.status
(Fraction(11790000, 199), 2, 'normal')
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy

from verifier.derive.account_mode import check_date, check_readable, rule_at, select_mode
from verifier.derive.account_read import Leg, read_leg
from verifier.derive.hedge import solve_hedged
from verifier.derive.tiers import solve_price
from verifier.errors import DerivationError, EvaluationError
from verifier.model.evaluate import substitutions, to_fraction
from verifier.model.rule import Display

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
    display: Display = Display(None, None)  # the market's tick and the rule's rounding (a reporter rounds with it)
    market_data: tuple = ()  # (part, Provenance) of the catalog versions used: 'market', 'tiers'


@dataclass(frozen=True)
class AccountEvaluation:
    """What :func:`evaluate_account` found: per position, the account's margin level and status."""

    rule: str
    mode: str
    display: Display  # how the rule displays prices (each position's own display has its market's tick)
    positions: tuple
    margin_level: Fraction | None
    status: str
    stale: tuple = ()  # (symbol, part, Provenance, days) of market data older than the rule's threshold
    stale_after_days: int = 30
    catalog: str | None = None  # the id of the rule's market catalog (what `import` takes)
    exchange: str | None = None  # the catalog's ccxt exchange id


def evaluate_account(rule, account, date=None, today=None) -> AccountEvaluation:
    """Evaluate ``account`` (:class:`verifier.model.account.Account`) under ``rule`` with values in force on ``date``.

    Market data last seen longer before ``date`` (else ``today``; neither: not checked) than the rule's threshold is
    listed in the result's ``stale``.
    """
    rule = rule_at(rule, date)
    mode = select_mode(rule, account)
    check_date(rule, mode, date)
    check_readable(rule, mode, account, date)
    legs = [read_leg(rule, mode, account, position, date) for position in account.positions]
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
    catalog = rule.markets
    return AccountEvaluation(rule.id, mode.name, rule.display, out, level, status, _stale(rule, legs, date or today),
                             rule.stale_after_days, catalog.id if catalog else None,
                             catalog.exchange if catalog else None)


def _stale(rule, legs, on) -> tuple:
    """(symbol, part, provenance, days) of every catalog version used that was last seen too long before ``on``."""
    if on is None:
        return ()
    found, seen = [], set()
    for leg in legs:
        if leg.position.symbol in seen:
            continue
        seen.add(leg.position.symbol)
        for part, provenance in leg.lookup.stale(on, rule.stale_after_days):
            found.append((leg.position.symbol, part, provenance, (on - provenance.seen).days))
    return tuple(found)


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
            row = rule.tiers.table(leg.market, date).row_for(to_fraction(basis))
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
                              statuses[0] if statuses else "normal", leg.lookup.display(rule.display),
                              leg.lookup.provenance())


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
