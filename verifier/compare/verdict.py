"""The comparison's conclusion as data: which mode loses less at each shock and by how much, and at which shocks each
mode is liquidated; without shocks, where each mode is first liquidated and the most each can lose.

A shock's loss in a mode is the equity at the marks minus the equity after the shock's last step: realised losses of
the positions it liquidated and unrealised losses of the others, per settlement currency.  The equity at the marks is
the account's (the two modes hold the same positions on the same funds; a mode liquidated at the marks already has
less, and that counts as its loss).  The report stage words it (:mod:`verifier.report.compare`).

>>> import datetime
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> from verifier.read.whatif import parse_shocks
>>> from verifier.compare import compare
>>> account = account_from_data({"marginMode": "isolated", "walletBalance": "4000", "positions": [{
...     "symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.25", "entryPrice": "60000",
...     "markPrice": "60000", "collateral": "1000"}]})
>>> found = verdict_of(compare(load_rule("binance/usdm-perpetual"), [account], shocks=parse_shocks("-10%,-35%"),
...                            date=datetime.date(2026, 11, 28)))
>>> [(s.shock, s.less, s.lost["cross"]["USDT"], s.lost["isolated"]["USDT"], s.by["USDT"]) for s in found.shocks]
[('-10%', 'isolated', Fraction(1500, 1), Fraction(1000, 1), Fraction(500, 1)), ('-35%', 'isolated', Fraction(5000, 1), Fraction(1000, 1), Fraction(4000, 1))]
>>> found.liquidated_at
{'cross': ('-35%',), 'isolated': ('-10%', '-35%')}
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

MODES = ("cross", "isolated")
ZERO = Fraction(0)


@dataclass(frozen=True)
class ShockVerdict:
    """One shock: each mode's loss (mode -> currency -> amount), the mode that loses less ('cross', 'isolated',
    None: the same, 'mixed': each in a different currency), by how much (currency -> amount), and what each mode
    liquidated (mode -> position labels)."""

    shock: str
    lost: dict
    less: str | None
    by: dict
    liquidated: dict
    steps: int = 1  # the shock's steps (a price path has several)
    first_step: dict | None = None  # mode -> the first step at which it liquidated something (1-based), or None


@dataclass(frozen=True)
class Nearest:
    """Where a mode is first liquidated as prices move from the marks, one position at a time: the position, its
    liquidation price and its distance from the mark ((price - mark) / mark); None where no position has one."""

    position: str
    liquidation_price: Fraction
    distance: Fraction
    display: object  # the market's Display (tick and rounding), for the report


@dataclass(frozen=True)
class Verdict:
    """The comparison's conclusion: per shock (in the order asked), the shocks at which each mode liquidates
    something (mode -> shock labels), each mode's nearest liquidation, the most each can lose (mode -> currency ->
    amount), and the positions already at their liquidation condition at the marks (mode -> labels)."""

    shocks: tuple
    liquidated_at: dict
    nearest: dict
    most_lost: dict
    at_marks: dict


def verdict_of(comparison) -> Verdict:
    """The :class:`Verdict` of a :class:`~verifier.compare.Comparison`."""
    shocks = tuple(_shock(outcome) for outcome in comparison.outcomes)
    liquidated_at = {mode: tuple(s.shock for s in shocks if s.liquidated[mode]) for mode in MODES}
    nearest = {mode: _nearest(comparison, mode) for mode in MODES}
    wallets = comparison.wallets.values()
    most_lost = {"cross": {w.settle: w.cross_wallet for w in wallets},
                 "isolated": {w.settle: w.allocated for w in wallets}}
    at_marks = {mode: tuple(h.label for h in comparison.book.holdings
                            if getattr(comparison.closed, mode)[h.index].status == "liquidation") for mode in MODES}
    return Verdict(shocks, liquidated_at, nearest, most_lost, at_marks)


def _shock(outcome) -> ShockVerdict:
    start, end = outcome.at_mark, outcome.last
    currencies = list(dict.fromkeys(list(start.cross.equity) + list(start.isolated.equity)))
    reference = {c: max(start.cross.equity.get(c, ZERO), start.isolated.equity.get(c, ZERO)) for c in currencies}
    lost = {mode: {c: reference[c] - end.mode(mode).equity.get(c, ZERO) for c in currencies} for mode in MODES}
    winners = set()
    for c in currencies:
        difference = lost["cross"][c] - lost["isolated"][c]
        if difference:
            winners.add("isolated" if difference > 0 else "cross")
    less = None if not winners else winners.pop() if len(winners) == 1 else "mixed"
    by = {c: abs(lost["cross"][c] - lost["isolated"][c]) for c in currencies}
    liquidated = {mode: tuple(end.mode(mode).liquidated) for mode in MODES}
    first_step = {mode: min((step for (kind, _), step in outcome.liquidated_at.items()
                             if kind == mode and step is not None), default=None) for mode in MODES}
    return ShockVerdict(outcome.shock.label, lost, less, by, liquidated, len(outcome.steps), first_step)


def _nearest(comparison, mode) -> Nearest | None:
    priced = getattr(comparison.closed, mode)
    found = [(abs(p.distance), h.label, p) for h in comparison.book.holdings
             for p in [priced[h.index]] if p.distance is not None]
    if not found:
        return None
    _, label, p = min(found, key=lambda item: item[0])
    return Nearest(label, p.liquidation_price, p.distance, p.display)
