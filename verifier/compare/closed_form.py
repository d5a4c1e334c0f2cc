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

from dataclasses import dataclass, field, replace
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
    explained: dict = field(default_factory=dict)  # 'cross' / 'isolated' -> holding index -> Explanation (--explain)


def closed_forms(rule, book, allocated, wallets, date, today=None, explain: bool = False) -> ClosedForms:
    """Price every holding in cross (per settlement currency) and in isolated; with ``explain``, each one's trace
    in each mode (:mod:`verifier.derive.account.explain`, on the same accounts the prices come from)."""
    cross, stale, explained = {}, [], {"cross": {}, "isolated": {}} if explain else {}
    for settle, wallet in wallets.items():
        holdings = [h for h in book.holdings if h.settle == settle]
        view = _cross_view(book, holdings, wallet)
        evaluation = evaluate_account(rule, view, date=date, today=today)
        cross.update(_priced(holdings, evaluation))
        stale += evaluation.stale
        if explain:
            explained["cross"].update(_explained(rule, view, holdings, date, lambda h: {
                "walletBalance": _wallet_note(wallet)}))
    holdings = list(book.holdings)
    view = _isolated_view(book, holdings, allocated)
    evaluation = evaluate_account(rule, view, date=date, today=today)
    if explain:
        explained["isolated"].update(_explained(rule, view, holdings, date, lambda h: {
            "collateral": _allocation_note(allocated[h.index], h)}))
    return ClosedForms(cross, _priced(holdings, evaluation), tuple(dict.fromkeys(stale + list(evaluation.stale))),
                       explained)


def _explained(rule, view, holdings, date, notes) -> dict:
    """Holding index -> its trace in ``view``, the fields compare computed (a wallet, an allocation) said so:
    their place in the user's file is not where the value comes from."""
    from verifier.derive.account.explain import explain_account

    out = {}
    for holding, trace in zip(holdings, explain_account(rule, view, date)):
        said = {name: note for name, note in notes(holding).items() if note is not None}
        inputs = tuple(replace(item, fields=tuple(
            replace(f, where=None, note=said[f.name]) if f.name in said else f for f in item.fields))
            for item in trace.inputs)
        out[holding.index] = replace(trace, inputs=inputs)
    return out


def _wallet_note(wallet) -> str:
    """Where compare's cross wallet comes from (the trace's note on ``walletBalance``)."""
    return (f"compare's {wallet.settle} cross wallet were every position cross: the walletBalance given, "
            f"{wallet.given}, plus the isolated positions' collateral, {wallet.collateral}")


def _allocation_note(allocated, holding) -> str | None:
    """Where compare's isolated margin of ``holding`` comes from (None: its own collateral, located as read)."""
    if allocated.how == "account":
        return None
    if allocated.how == "initial":
        return (f"compare's allocation: the rule's initial_margin at the entry price, at leverage {allocated.value}"
                " (the default, --allocate initial)")
    if allocated.how == "percent":
        return f"compare's allocation: --allocate {allocated.value * 100}% of the {holding.settle} cross wallet"
    return f"compare's allocation: --allocate {allocated.amount}"


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
