"""The shock table against the liquidation prices: two independent answers that must agree.

For every shock, mode and group (an isolated position; in cross, every position of one settlement currency,
liquidated together) the closed forms predict the first step at which the group is liquidated (0: already at
the marks), and the simulator says when it was:

* an isolated position is liquidated at the first step whose price of its market lies at or beyond its
  liquidation price (below it for a long, above it for a short);
* a cross group whose step moves one market, held by one of its positions, likewise by that position's cross
  liquidation price (which holds the other positions at their marks, as the step does);
* where a step moves several markets of a cross group (no single liquidation price decides), where it lands exactly
  on a liquidation price (the rule's ``<`` or ``<=`` decides), or where a position has no liquidation price, the
  derive stage evaluates the rule's liquidation condition at the step's prices.

A disagreement is a bug in margin-verifier or in the rule's closed forms: ``compare`` reports it and exits 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verifier.compare.closed_form import status_at


@dataclass(frozen=True)
class Check:
    """One group under one shock: when the closed forms and the simulator say it is liquidated."""

    shock: str
    mode: str  # 'cross' or 'isolated'
    positions: tuple  # labels of the group
    predicted: int | None  # first step the closed forms liquidate it (0: at the marks; None: never)
    simulated: int | None  # first step the simulator liquidated it
    route: str | None  # how the predicted step was decided: 'price' or 'condition' (None: never liquidated)
    liquidation_price: Fraction | None = None  # the price the 'price' route compared with
    price: Fraction | None = None  # the market's price at the predicted step (the 'price' route)
    market: str | None = None

    @property
    def agrees(self) -> bool:
        return self.predicted == self.simulated


def cross_check(rule, book, allocated, wallets, closed, outcomes, date) -> tuple:
    """Every :class:`Check` of every shock (``closed``: :class:`~verifier.compare.closed_form.ClosedForms`;
    ``outcomes``: the simulator's :class:`~verifier.compare.outcome.ShockOutcome`\\ s)."""
    out = []
    for outcome in outcomes:
        steps = [outcome.at_mark.prices] + [s.prices for s in outcome.steps]
        context = (rule, book, allocated, wallets, date)
        for h in book.holdings:
            first = _first(steps, lambda prices, h=h: _isolated(context, closed.isolated[h.index], h, prices))
            out.append(Check(outcome.shock.label, "isolated", (h.label,), first[0],
                             outcome.liquidated_at[("isolated", h.index)], *first[1:]))
        for settle in wallets:
            group = [h for h in book.holdings if h.settle == settle]
            first = _first(steps, lambda prices, g=group: _cross(context, closed.cross, g, prices))
            out.append(Check(outcome.shock.label, "cross", tuple(h.label for h in group), first[0],
                             outcome.liquidated_at[("cross", settle)], *first[1:]))
    return tuple(out)


def _first(steps, decide) -> tuple:
    """(first step the group is liquidated, route, liquidation price, price, market) or (None, None, ...)."""
    for number, prices in enumerate(steps):
        liquidated, evidence = decide(prices)
        if liquidated:
            return (number,) + evidence
    return None, None, None, None, None


def _beyond(holding, price, liquidation_price) -> bool:
    return price < liquidation_price if holding.sign > 0 else price > liquidation_price


def _isolated(context, priced, holding, prices) -> tuple:
    rule, book, allocated, wallets, date = context
    price, limit = prices[holding.symbol], priced.liquidation_price
    if limit is None or price == limit:
        status = status_at(rule, book, "isolated", [holding], {holding.symbol: price}, allocated, wallets, date)
        return status == "liquidation", ("condition", limit, price, holding.symbol)
    return _beyond(holding, price, limit), ("price", limit, price, holding.symbol)


def _cross(context, priced, group, prices) -> tuple:
    rule, book, allocated, wallets, date = context
    moved = sorted({h.symbol for h in group if prices[h.symbol] != h.mark})
    if not moved:
        return any(priced[h.index].status == "liquidation" for h in group), ("condition", None, None, None)
    holders = [h for h in group if h.symbol == moved[0]]
    if len(moved) == 1 and len(holders) == 1:
        holding = holders[0]
        price, limit = prices[holding.symbol], priced[holding.index].liquidation_price
        if limit is not None and price != limit:
            return _beyond(holding, price, limit), ("price", limit, price, holding.symbol)
    marks = {h.symbol: prices[h.symbol] for h in group}
    status = status_at(rule, book, "cross", group, marks, allocated, wallets, date)
    return status == "liquidation", ("condition", None, None, None)
