"""Evaluating an account under a rule (an account snapshot or a ccxt export's margin pool): :func:`evaluate_account`, read top-down.

1. :mod:`~verifier.derive.account.setting`: the rule as of the date, the mode for the account, the parameters in
   force, the symbols the answer needs, the mode compiled -- decided once;
2. :mod:`~verifier.derive.account.market` and :mod:`~verifier.derive.account.legs`: each position read into a leg
   with its market's data on that date (catalog fields it lacks, its tier table), its definitions at its mark;
3. here: the mode's ``others:`` symbols (each a total over the account computed once, less the leg's own share)
   and the hedge partners of a cross hedge account;
4. :mod:`~verifier.derive.account.pricing`: each leg's liquidation price solved exactly and tier-consistently, or
   the reason it has none; then its status from the rule's own conditions and the rule's ``margin_ratio``
   (``margin_level`` for spot margin).

A spot-margin account's quote balance counts in the others sums and has no price of its own.  The result is
numbers (exact :class:`~fractions.Fraction`) and reasons; :mod:`verifier.report.evaluate` writes it.  Every
problem is an :class:`~verifier.errors.EvaluationError` with a located diagnostic (the account's places; what the
rule lacks is located in the rule file).

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

from dataclasses import dataclass, replace
from fractions import Fraction

from verifier.model.display import Display

# The steps (legs, pricing, setting: SymPy and the derivation) are imported where they run, so that the result types
# below load without them: the compiled evaluation (verifier.derive.account.program) builds the same results.

STATUSES = ("normal", "margin_call", "liquidation")
"""From best to worst; an account's status is the worst of its positions'."""

RATIOS = ("margin_ratio", "margin_level")
"""The account-level ratio a rule defines (futures: margin_ratio, spot margin: margin_level), first found."""


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
    index: int | None = None  # the position's place in its file
    margin_mode: str | None = None  # 'cross' or 'isolated': the pool it was evaluated in
    mode: str | None = None  # the rule's mode that evaluated it
    mark_price: Fraction | None = None  # the rule's price symbol as read from the position
    bracket: tuple = ()  # ((tier symbol, value), ...) the maintenance values used
    bracket_source: str | None = None  # 'catalog' (the tier table at the mark) or 'position' (given by the file)
    margin_ratio: Fraction | None = None  # the rule's margin_ratio of the position (isolated) or its pool (cross)
    reported: object = None  # verifier.model.account.Reported: the exchange's own price, when the file has one
    settle: str | None = None  # the settlement currency of its cross pool

    @property
    def distance(self) -> Fraction | None:
        """(liquidation price - mark) / mark: how far the price can move before liquidation (signed)."""
        if self.liquidation_price is None or not self.mark_price:
            return None
        return (self.liquidation_price - self.mark_price) / self.mark_price


@dataclass(frozen=True)
class AccountEvaluation:
    """What :func:`evaluate_account` found: per position, the account's margin level and status."""

    rule: str
    mode: str
    display: Display  # how the rule displays prices (each position's own display has its market's tick)
    positions: tuple
    margin_level: Fraction | None  # spot margin: the rule's margin_level (assets over liabilities)
    status: str
    stale: tuple = ()  # (symbol, part, Provenance, days) of market data older than the rule's threshold
    stale_after_days: int = 30
    catalog: str | None = None  # the id of the rule's market catalog (what `import` takes)
    exchange: str | None = None  # the catalog's ccxt exchange id
    margin_ratio: Fraction | None = None  # futures: the rule's margin_ratio of a cross pool (isolated: per position)
    margin_mode: str | None = None
    settle: str | None = None  # a cross pool's settlement currency (ccxt exports)
    wallet_balance: Fraction | None = None  # a cross pool's wallet
    ratio_reason: str | None = None  # why margin_ratio / margin_level is None


def evaluate_account(rule, account, date=None, today=None) -> AccountEvaluation:
    """Evaluate ``account`` (:class:`verifier.model.account.Account`) under ``rule`` with values in force on ``date``.

    Market data last seen longer before ``date`` (else ``today``; neither: not checked) than the rule's threshold is
    listed in the result's ``stale``.
    """
    from verifier.derive.account.legs import read_legs
    from verifier.derive.account.setting import setting_for

    setting = setting_for(rule, account, date)
    rule, mode = setting.rule, setting.mode
    legs = read_legs(setting, account)
    partners = _hedge_partners(account, mode, legs)
    summed = _sum_others(mode, legs, partners, account)
    out = tuple(_evaluate_leg(setting, legs, index, partners.get(index, ()), account, summed)
                for index, leg in enumerate(legs) if not leg.position.quote)
    pool_ratio = out[0].margin_ratio if out and mode.account == "cross" and mode.others else None
    level = None
    if "margin_level" in mode.definitions and legs:
        level = next((p.margin_ratio for p in out), None)
        pool_ratio = None
    status = max((p.status for p in out), key=STATUSES.index, default="normal")
    catalog = rule.markets
    return AccountEvaluation(rule.id, mode.name, rule.display, out, level, status, _stale(rule, legs, date or today),
                             rule.stale_after_days, catalog.id if catalog else None,
                             catalog.exchange if catalog else None, pool_ratio, account.margin_mode, account.settle,
                             account.wallet_balance, _ratio_reason(mode, out, pool_ratio if level is None else level))


def _ratio_reason(mode, positions, ratio) -> str | None:
    """Why the account (or a position) has no margin ratio or level: the rule defines none, or it is no number."""
    if not any(name in mode.definitions for name in RATIOS):
        return f"the {mode.name} mode defines no margin_ratio"
    if ratio is None and (mode.account == "cross" or any(p.margin_ratio is None for p in positions)):
        return "the margin ratio is not a finite number here (nothing in its denominator)"
    return None


def _stale(rule, legs, on) -> tuple:
    """(symbol, part, provenance, days) of every catalog version used that was last seen too long before ``on``."""
    if on is None:
        return ()
    found, seen = [], set()
    for leg in legs:
        if leg.position.symbol in seen:
            continue
        seen.add(leg.position.symbol)
        for part, provenance in leg.market.stale(on, rule.stale_after_days):
            found.append((leg.position.symbol, part, provenance, (on - provenance.seen).days))
    return tuple(found)


def _hedge_partners(account, mode, legs) -> dict:
    """leg index -> indices of the other legs of the same market, for a cross account in hedge mode.

    Those legs share one liquidation price: their definitions move with the price (see
    :mod:`verifier.derive.hedge`).  One-way accounts and isolated modes have no partners.
    """
    if account.position_mode != "hedge" or mode.account != "cross" or not mode.others:
        return {}
    by_market: dict = {}
    for i, leg in enumerate(legs):
        if not leg.position.quote:
            by_market.setdefault(leg.position.symbol, []).append(i)
    return {i: [j for j in group if j != i] for group in by_market.values() if len(group) > 1 for i in group}


def _sum_others(mode, legs, partners, account) -> set:
    """Each ``others:`` symbol: its definition summed over the other legs at their marks (hedge partners excluded).

    The total over the account is computed once; each leg's sum is the total less its own share (exact).  Returns
    the (leg index, symbol) pairs it summed (not those the position gives itself).
    """
    summed = set()
    for name, definition in mode.others.items():
        if all(name in leg.values for leg in legs):
            continue
        for other in legs:
            if definition not in other.at_mark and len(legs) > 1:
                raise account.error("MV603", f"cannot compute {definition} of this position at its mark, which "
                                             f"{name} sums for the other positions", other.position.at(),
                                    hint="every input of " + definition + " must come from the position")
        total = sum((leg.at_mark.get(definition, Fraction(0)) for leg in legs), Fraction(0))
        for i, leg in enumerate(legs):
            if name in leg.values:
                continue
            excluded = [i, *partners.get(i, ())]
            leg.values[name] = total - sum((legs[j].at_mark.get(definition, Fraction(0)) for j in excluded),
                                           Fraction(0))
            summed.add((i, name))
    return summed


def _with_partners(mode, legs, index, partners, summed, values) -> dict:
    """The leg's values as its status sees the account at the marks: hedge partners are left out of the others'
    sums only so that the price can move them with the leg (:mod:`verifier.derive.hedge`); at the mark they are in
    the account."""
    if not partners:
        return values
    values = dict(values)
    for name, definition in mode.others.items():
        if (index, name) in summed:
            values[mode.symbols[name].sympy] += sum((legs[j].at_mark[definition] for j in partners), Fraction(0))
    return values


def _evaluate_leg(setting, legs, index, partners, account, summed) -> PositionEvaluation:
    from verifier.derive.account.pricing import liquidation

    rule, mode, compiled = setting.rule, setting.mode, setting.compiled
    leg = legs[index]
    values = leg.exact(mode, setting.parameters)
    price, reason = liquidation(setting, legs, index, partners, account)
    whole = _with_partners(mode, legs, index, partners, summed, values)
    statuses = [name for name in ("liquidation", "margin_call")
                if name in mode.conditions and _holds(compiled, mode, name, whole, leg, account)]
    ratio = next((compiled.value(mode, name, values) for name in RATIOS if name in mode.definitions), None)
    position = leg.position
    return PositionEvaluation(
        position.symbol, position.side, price, reason, leg.at_mark.get("maintenance_margin"),
        leg.at_mark.get("upnl"), leg.tier, statuses[0] if statuses else "normal", leg.market.display(rule.display),
        leg.market.provenance(), index=position.index, margin_mode=account.margin_mode, mode=mode.name,
        mark_price=leg.values.get(rule.price), bracket=tuple(sorted(leg.tier_values.items())),
        bracket_source=leg.bracket_source, margin_ratio=ratio, reported=position.reported, settle=account.settle)


def _holds(compiled, mode, name, values, leg, account) -> bool:
    """Whether condition ``name`` holds at the leg's values, exactly; undecidable is an error, never 'normal'."""
    from verifier.derive.account.compiled import Undecidable

    try:
        return compiled.holds(mode, name, values)
    except Undecidable as exc:
        if exc.zero:
            raise account.error("MV603", f"cannot decide the {name} condition ({mode.conditions[name].text}): it "
                                         "divides by zero at these values", leg.position.at(),
                                hint="a ratio with nothing in its denominator (a margin level with nothing owed) "
                                     "has no value; the rule does not say what it means") from None
        raise account.error("MV603", f"cannot decide the {name} condition: it still needs " + ", ".join(exc.needs),
                            leg.position.at()) from None
