"""The adapter: the one module of ``compare`` that knows the shape of :class:`verifier.model.account.Account`.

It turns one user's accounts (one snapshot, or several: a cross one and an isolated one make a mixed account)
into a :class:`Book` of holdings and funds per settlement currency, and builds the model Accounts the derive stage
prices (:meth:`Book.view`).  A ccxt export of a mixed account arrives already split into pools by the read stage
(:func:`verifier.read.positions_file.read_positions`: one Account per cross settlement currency, one per isolated
position), so a position's margin mode is its Account's.

How the funds are read (the output says it too):

* a cross snapshot's ``walletBalance`` is its settlement currency's cross wallet, without isolated margin;
* an isolated position's ``collateral`` is its isolated margin, without unrealised PnL;
* an isolated snapshot's ``walletBalance`` (optional) is the funds outside its isolated positions, so the cross
  wallet of that currency, were every position cross, is the collateral plus that ``walletBalance``.

>>> import datetime
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> account = account_from_data({"marginMode": "isolated", "walletBalance": "4000", "positions": [{
...     "symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.25", "entryPrice": "60000",
...     "markPrice": "60000", "collateral": "1000"}]})
>>> book = book_of(load_rule("binance/usdm-perpetual"), [account], datetime.date(2026, 11, 28))
>>> holding = book.holdings[0]
>>> holding.label, holding.size, holding.given_mode, book.funds["USDT"].cross_wallet
('BTC/USDT:USDT', Fraction(1, 4), 'isolated', Fraction(5000, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verifier.derive.account.definitions import position_definitions
from verifier.derive.account.market import MarketData
from verifier.errors import EvaluationError
from verifier.model.account import Account, Place, Position

ZERO = Fraction(0)
_TAG = "compare-account"  # marks a Place wrapped with the index of the account it belongs to


def margin_mode_of(account, position) -> str:
    """The margin mode the account holds ``position`` in: its pool's (the read stage splits mixed exports)."""
    return account.margin_mode


@dataclass(frozen=True)
class Holding:
    """One position of the user's, as compare sees it."""

    index: int  # 0-based, in the order of the accounts and their positions
    account: int  # which account holds it
    position: Position
    given_mode: str  # 'cross' or 'isolated', as the account holds it
    settle: str  # the settlement currency (ccxt symbol BASE/QUOTE:SETTLE)
    size: Fraction  # contracts x contractSize (the catalog's contract size where the position gives none)
    collateral: Fraction | None  # an isolated position's margin, as given
    label: str  # the symbol, with the side in hedge mode

    @property
    def symbol(self) -> str:
        return self.position.symbol

    @property
    def side(self) -> str:
        return self.position.side

    @property
    def sign(self) -> int:
        return self.position.sign

    @property
    def entry(self) -> Fraction:
        return self.position.fields["entryPrice"]

    @property
    def mark(self) -> Fraction:
        return self.position.fields["markPrice"]

    @property
    def leverage(self) -> Fraction | None:
        return self.position.fields.get("leverage")


@dataclass(frozen=True)
class Funds:
    """One settlement currency's funds as the accounts give them."""

    settle: str
    wallet: Fraction  # walletBalance: the cross wallet, or the funds outside the isolated positions
    wallet_from: str | None  # 'cross' or 'isolated': the kind of snapshot that gave it; None: none did
    collateral: Fraction  # the isolated positions' collateral

    @property
    def cross_wallet(self) -> Fraction:
        """The cross wallet were every position of this currency cross."""
        return self.wallet + self.collateral


@dataclass(frozen=True)
class Book:
    """The user's positions and funds, and what builds the Accounts to price."""

    holdings: tuple
    funds: dict  # settlement currency -> Funds
    position_mode: str
    modes: dict  # 'cross' / 'isolated' -> the rule mode a snapshot names, or None
    accounts: tuple

    @property
    def files(self) -> tuple:
        return tuple(a.file for a in self.accounts)

    def error(self, holding, code, message, field=None, hint=None) -> EvaluationError:
        """An error located at ``holding``'s ``field`` (its position when None) in the file it came from."""
        account = self.accounts[holding.account]
        return account.error(code, message, holding.position.at(field), hint=hint)

    def view(self, kind, holdings, *, wallet=None, collateral=None, marks=None) -> Account:
        """The model Account that holds ``holdings`` in margin mode ``kind``: a cross one backed by ``wallet``,
        or isolated ones with ``collateral`` (holding index -> margin); marks replaced by ``marks`` (symbol ->
        price) when given.  Errors in it stay located in the user's files."""
        positions = []
        for h in holdings:
            fields = {k: v for k, v in h.position.fields.items() if k != "collateral"}
            if kind == "isolated":
                fields["collateral"] = collateral[h.index]
            if marks is not None:
                fields["markPrice"] = marks[h.symbol]
            places = {name: _wrap(h.account, place) for name, place in h.position.places.items()}
            positions.append(Position(h.symbol, h.side, fields, _wrap(h.account, h.position.place), places))
        first = next((i for i, a in enumerate(self.accounts) if a.margin_mode == kind), 0)
        source = self.accounts[first]
        return Account("futures", kind, tuple(positions), position_mode=self.position_mode, wallet_balance=wallet,
                       mode=self.modes.get(kind), leverage=source.leverage, file=source.file,
                       places={name: _wrap(first, place) for name, place in source.places.items()},
                       locator=_Composite(self.accounts))


    def at_entry(self, rule, holding, names, date) -> dict:
        """{name: value} of the rule's definitions ``names`` for ``holding`` alone at its entry price, in the
        rule's isolated mode (only their inputs are read: the position needs no collateral for them)."""
        view = self.view("isolated", [holding], collateral={holding.index: Fraction(0)},
                         marks={holding.symbol: holding.entry})
        return position_definitions(rule, view, tuple(names), date)[0]


def _wrap(account: int, place: Place) -> Place:
    return Place((_TAG, account) + tuple(place.key))


@dataclass(frozen=True)
class _Composite:
    """Locates a wrapped place in the file of the account it came from."""

    accounts: tuple

    def diagnostic(self, code, message, place, hint=None):
        key = tuple(place.key)
        index, inner = (key[1], Place(key[2:])) if key[:1] == (_TAG,) else (0, place)
        return self.accounts[index].locator.diagnostic(code, message, inner, hint)


# --------------------------------------------------------------------------------------------- reading


def book_of(rule, accounts, date) -> Book:
    """The :class:`Book` of one user's ``accounts`` (model Accounts), contract sizes from the rule's catalog on
    ``date`` where a position gives none.  Raises :class:`EvaluationError` (MV653, MV606) located in the files."""
    accounts = tuple(accounts)
    for account in accounts:
        if account.kind != "futures":
            raise account.error("MV653", "compare compares futures positions; this is a spot-margin snapshot",
                                account.at("balances"), hint="give a futures snapshot (walletBalance and positions)")
    position_mode = _one_value(accounts, "position_mode", "positionMode")
    modes = {}
    for kind in ("cross", "isolated"):
        named = [a for a in accounts if a.margin_mode == kind and a.mode is not None]
        modes[kind] = _one_value(named, "mode", "mode") if named else None
    holdings, marks = [], {}
    for a, account in enumerate(accounts):
        for position in account.positions:
            holding = _holding(rule, date, len(holdings), a, account, position)
            seen = marks.setdefault(holding.symbol, holding.mark)
            if seen != holding.mark:
                raise account.error("MV653", f"{holding.symbol} has two mark prices in these accounts: a market has "
                                             "one", position.at("markPrice"), hint="give every position of a market "
                                                                                   "the same markPrice")
            if position_mode == "one-way" and any(h.symbol == holding.symbol for h in holdings):
                raise account.error("MV653", f"two positions in {holding.symbol} in one-way mode: one-way holds one "
                                             "position per market", position.at("symbol"),
                                    hint="merge them, or say positionMode: hedge for a long and a short")
            holdings.append(holding)
    return Book(tuple(holdings), _funds(accounts, holdings), position_mode, modes, accounts)


def _one_value(accounts, attribute, field):
    values = {getattr(a, attribute) for a in accounts}
    if len(values) > 1:
        last = accounts[-1]
        raise last.error("MV653", f"these accounts disagree on {field} ({', '.join(sorted(values))}): compare "
                                  "compares one user's positions", last.at(field))
    return values.pop()


def _holding(rule, date, index, a, account, position) -> Holding:
    settle = position.symbol.partition(":")[2]
    if not settle or "/" not in position.symbol:
        raise account.error("MV653", f"{position.symbol!r} is not a futures market symbol", position.at("symbol"),
                            hint="ccxt writes futures markets as BASE/QUOTE:SETTLE, e.g. BTC/USDT:USDT")
    missing = [name for name in ("contracts", "entryPrice", "markPrice") if position.fields.get(name) is None]
    if missing:  # a ccxt export's position whose rule reads a field from something the position lacks
        origins = "; ".join(f"{name} is {position.origins[name]}" for name in missing if name in position.origins)
        raise account.error("MV600", f"the position gives no {', '.join(missing)}: compare needs its size, entry "
                                     "and mark prices", position.at(missing[0]), hint=origins or None)
    fields = MarketData.of(rule, position.symbol, date).fill(dict(position.fields))
    if fields.get("contractSize") is None:
        error = MarketData.of(rule, position.symbol, date).missing("contractSize (the size of one contract)")
        raise account.error(error.code, str(error), position.at("symbol"), hint=error.hint)
    mode = margin_mode_of(account, position)
    collateral = position.fields.get("collateral")
    if mode == "isolated" and collateral is None:
        raise account.error("MV653", "an isolated position needs its collateral (its isolated margin)",
                            position.at(), hint="add collateral: the margin allocated to the position, without PnL")
    label = f"{position.symbol} {position.side}" if account.position_mode == "hedge" else position.symbol
    return Holding(index, a, position, mode, settle, fields["contracts"] * fields["contractSize"],
                   collateral if mode == "isolated" else None, label)


def _funds(accounts, holdings) -> dict:
    """Per settlement currency: the walletBalance given (once), and the isolated collateral."""
    out: dict = {}
    for h in holdings:
        funds = out.get(h.settle, Funds(h.settle, ZERO, None, ZERO))
        out[h.settle] = Funds(h.settle, funds.wallet, funds.wallet_from, funds.collateral + (h.collateral or ZERO))
    for a, account in enumerate(accounts):
        currencies = sorted({h.settle for h in holdings if h.account == a})
        if account.wallet_balance is None:
            if account.margin_mode == "cross":
                raise account.error("MV653", "a cross snapshot needs walletBalance (its cross wallet)", account.at(),
                                    hint="add walletBalance: the cross wallet balance, without unrealised PnL")
            continue
        if len(currencies) > 1:
            raise account.error("MV653", f"walletBalance is one currency's, but the positions settle in "
                                         f"{', '.join(currencies)}", account.at("walletBalance"),
                                hint="give one snapshot per settlement currency")
        funds = out[currencies[0]]
        if funds.wallet_from is not None:
            raise account.error("MV653", f"the {funds.settle} wallet is given twice (walletBalance of two snapshots)",
                                account.at("walletBalance"),
                                hint="give the wallet once: the cross wallet, outside the isolated positions")
        out[funds.settle] = Funds(funds.settle, account.wallet_balance, account.margin_mode, funds.collateral)
    return out
