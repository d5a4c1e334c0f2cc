"""How much backs each position in each mode: its isolated allocation, and its currency's cross wallet.

A position the account holds isolated keeps its ``collateral``; one it holds in cross gets what ``--allocate``
says (its own entry, else the default, else ``initial``):

* ``initial``: the rule's ``initial_margin`` at the entry price (the margin the position would have opened with,
  isolated), at the position's ``leverage`` where the rule's initial margin needs one;
* an amount, in the position's settlement currency;
* a percentage: that share of its settlement currency's cross wallet.

An explicit ``--allocate SYMBOL=...`` also overrides an isolated position's collateral (a what-if).  The isolated
side keeps the rest of each wallet outside the positions (``free``); allocations beyond the wallet are an error.

>>> import datetime
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> from verifier.compare.book import book_of
>>> from verifier.model.whatif import Allocation
>>> rule = load_rule("binance/usdm-perpetual")
>>> account = account_from_data({"marginMode": "cross", "walletBalance": "5000", "positions": [{
...     "symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.25", "entryPrice": "60000",
...     "markPrice": "60000", "leverage": "5"}]})
>>> book = book_of(rule, [account], datetime.date(2026, 11, 28))
>>> allocated, wallets = allocate(rule, book, (), datetime.date(2026, 11, 28))
>>> allocated[0], wallets["USDT"].free
(Allocated(amount=Fraction(3000, 1), how='initial', value=Fraction(5, 1)), Fraction(2000, 1))
>>> allocate(rule, book, (Allocation("percent", Fraction(1, 5)),), None)[0][0].amount
Fraction(1000, 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verifier.errors import Diagnostic, UsageError, VerifierError
from verifier.model.numbers import grouped_text

ZERO = Fraction(0)


@dataclass(frozen=True)
class Allocated:
    """A position's isolated margin and where it came from: ``how`` is 'account' (its collateral), 'initial'
    (``value`` the leverage), 'amount' or 'percent' (``value`` the share of the cross wallet)."""

    amount: Fraction
    how: str
    value: Fraction | None = None


@dataclass(frozen=True)
class Wallet:
    """One settlement currency: its cross wallet, what the isolated side allocates of it, what stays outside."""

    settle: str
    cross_wallet: Fraction
    given: Fraction  # walletBalance as given
    given_from: str | None  # 'cross' / 'isolated' snapshot, None: not given
    collateral: Fraction  # the isolated positions' collateral as given
    allocated: Fraction  # the isolated side's allocations
    positions: tuple  # labels of its positions: in cross, liquidated together

    @property
    def free(self) -> Fraction:
        """What the isolated side keeps outside its positions (never at risk)."""
        return self.cross_wallet - self.allocated


def allocate(rule, book, requests, date) -> tuple[dict, dict]:
    """(holding index -> :class:`Allocated`, settlement currency -> :class:`Wallet`) for ``requests`` (model
    :class:`~verifier.model.whatif.Allocation`s), with the rule's values in force on ``date``."""
    symbols = {h.symbol for h in book.holdings}
    default, by_symbol = None, {}
    for request in requests:
        if request.symbol is None:
            default = request
        elif request.symbol not in symbols:
            raise _usage("MV650", f"--allocate names {request.symbol}, which no position holds",
                         "the positions: " + ", ".join(sorted(symbols)))
        else:
            by_symbol[request.symbol] = request
    out = {}
    for h in book.holdings:
        request = by_symbol.get(h.symbol)
        if request is None and h.given_mode == "isolated":
            out[h.index] = Allocated(h.collateral, "account")
            continue
        out[h.index] = _allocated(rule, book, h, request or default, date)
    wallets = {}
    for settle, funds in book.funds.items():
        held = [h for h in book.holdings if h.settle == settle]
        wallet = Wallet(settle, funds.cross_wallet, funds.wallet, funds.wallet_from, funds.collateral,
                        sum((out[h.index].amount for h in held), ZERO), tuple(h.label for h in held))
        if wallet.free < 0:
            raise _usage("MV652", f"the isolated allocations of {settle} ({grouped_text(wallet.allocated)}) exceed its "
                                  f"cross wallet ({grouped_text(wallet.cross_wallet)})",
                         "allocate less: --allocate AMOUNT or PERCENT, for every position or per market "
                         "(--allocate BTC/USDT:USDT=1000)")
        wallets[settle] = wallet
    return out, wallets


def _allocated(rule, book, holding, request, date) -> Allocated:
    if request is None or request.kind == "initial":
        # the rule's own initial_margin decides what it needs: a leverage for most exchanges, none where the
        # requirement is a fraction of the notional (dYdX's IMF); a missing leverage is named only where it was needed
        leverage = holding.leverage if holding.leverage is not None and holding.leverage > 0 else None
        try:
            amount = book.at_entry(rule, holding, ("initial_margin",), date).get("initial_margin")
        except VerifierError:
            if leverage is not None:
                raise
            amount = None  # the position lacks what the rule's initial margin reads: said as the missing leverage
        if amount is None and leverage is None:
            raise book.error(holding, "MV651", f"--allocate initial needs the leverage of {holding.label} to compute "
                                               "its initial margin, and the position gives none",
                             hint=f"add leverage to the position, or allocate explicitly: --allocate 1000, --allocate "
                                  f"20%, or for this position --allocate {holding.symbol}=1000")
        if amount is None:
            raise book.error(holding, "MV651", f"the rule's initial_margin of {holding.label} cannot be computed from "
                                               "the position's fields", hint="allocate explicitly: --allocate 1000")
        return Allocated(amount, "initial", leverage)
    if request.kind == "amount":
        return Allocated(request.value, "amount")
    cross_wallet = book.funds[holding.settle].cross_wallet
    return Allocated(cross_wallet * request.value, "percent", request.value)


def _usage(code: str, message: str, hint: str) -> UsageError:
    return UsageError(message, [Diagnostic(code, message, file="<command line>", hint=hint)], code=code)
