"""Each position's liquidation price in each mode, by the derive stage's exact account evaluation.

The cross side prices every position of a settlement currency in one cross account backed by that currency's
whole cross wallet (the other positions held at their marks); the isolated side prices each position alone,
backed by its allocation.  :func:`status_at` asks the same evaluation whether a mode is at its liquidation
condition at other prices: the cross-check's answer where no single liquidation price decides.

>>> import datetime
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> from verifier.compare.book import book_of
>>> from verifier.compare.allocation import allocate
>>> rule, day = load_rule("binance/usdm-perpetual"), datetime.date(2026, 11, 28)
>>> book = book_of(rule, [account_from_data({"marginMode": "isolated", "walletBalance": "4000", "positions": [{
...     "symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.25", "entryPrice": "60000",
...     "markPrice": "60000", "collateral": "1000"}]})], day)
>>> allocated, wallets = allocate(rule, book, (), day)
>>> prices = closed_forms(rule, book, allocated, wallets, day)
>>> prices.cross[0].liquidation_price, prices.isolated[0].liquidation_price, prices.isolated[0].distance
(Fraction(10000000, 249), Fraction(14000000, 249), Fraction(-47, 747))
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verifier.derive.account import evaluate_account
from verifier.model.rule import Display


@dataclass(frozen=True)
class Priced:
    """One position in one mode, at its mark."""

    liquidation_price: Fraction | None
    reason: str | None  # why there is no liquidation price
    distance: Fraction | None  # (liquidation price - mark) / mark
    status: str  # 'normal', 'margin_call' or 'liquidation' at the mark
    display: Display  # the market's tick and the rule's rounding
    mode: str  # the rule's mode that priced it
    tier: int | None = None  # the tier row at the mark (None: no tier table, or the position's own bracket)
    liquidation_tier: int | None = None  # the tier row at the liquidation price

    @property
    def tier_moves(self) -> bool:
        """Whether the liquidation price lies in another tier row than the mark (both known)."""
        return self.tier is not None and self.liquidation_tier is not None and self.tier != self.liquidation_tier


@dataclass(frozen=True)
class ClosedForms:
    """Holding index -> :class:`Priced`, per side; the market data found stale."""

    cross: dict
    isolated: dict
    stale: tuple


def closed_forms(rule, book, allocated, wallets, date, today=None) -> ClosedForms:
    """Price every holding in cross (per settlement currency) and in isolated."""
    cross, stale = {}, []
    for settle, wallet in wallets.items():
        holdings = [h for h in book.holdings if h.settle == settle]
        evaluation = evaluate_account(rule, _cross_view(book, holdings, wallet), date=date, today=today)
        cross.update(_priced(holdings, evaluation))
        stale += evaluation.stale
    holdings = list(book.holdings)
    evaluation = evaluate_account(rule, _isolated_view(book, holdings, allocated), date=date, today=today)
    return ClosedForms(cross, _priced(holdings, evaluation), tuple(dict.fromkeys(stale + list(evaluation.stale))))


def status_at(rule, book, kind, holdings, marks, allocated, wallets, date) -> str:
    """The status of ``holdings`` in margin mode ``kind`` at ``marks`` (symbol -> price): the worst of them."""
    if kind == "cross":
        view = _cross_view(book, holdings, wallets[holdings[0].settle], marks)
    else:
        view = _isolated_view(book, holdings, allocated, marks)
    return evaluate_account(rule, view, date=date).status


def _cross_view(book, holdings, wallet, marks=None):
    return book.view("cross", holdings, wallet=wallet.cross_wallet, marks=marks)


def _isolated_view(book, holdings, allocated, marks=None):
    return book.view("isolated", holdings, collateral={h.index: allocated[h.index].amount for h in holdings},
                     marks=marks)


def _priced(holdings, evaluation) -> dict:
    out = {}
    for holding, position in zip(holdings, evaluation.positions):
        price = position.liquidation_price
        distance = None if price is None else (price - holding.mark) / holding.mark
        out[holding.index] = Priced(price, position.reason, distance, position.status, position.display,
                                    evaluation.mode, position.tier, position.liquidation_tier)
    return out
