"""The reference simulator: one world of users, their accounts, an insurance fund and fees.

Every number and formula comes from the rule (through :class:`SimRule`); this module
holds only mechanisms: moving balances, averaging entry prices, closing positions at
the mark price, charging what the rule says, and refusing what the exchange refuses.

Spot margin (``product: spot-margin``): an account holds balances of assets and owes
debts (with interest); each asset it holds or owes is one *position* for the rule.
Futures: an account holds a wallet balance in the settlement asset and positions.

>>> from verifier.read import load_rule
>>> sim = Simulator(SimRule(load_rule("binance/usdm-perpetual"), None), debug=True)
>>> sim.add_account("B", "bob", "cross")
>>> sim.add_account("B-BTC", "bob", "isolated", market="BTC/USDT:USDT")
>>> sim.set_prices({"BTC/USDT:USDT": Fraction(60000)})
>>> sim.deposit("B", "USDT", Fraction(5000))
>>> sim.transfer("B", "B-BTC", "USDT", Fraction(1000))
>>> sim.trade("B-BTC", "BTC/USDT:USDT", "buy", Fraction(1, 4))
>>> sim.set_prices({"BTC/USDT:USDT": Fraction(56100)})
>>> sim.accounts["B-BTC"].status, sim.accounts["B-BTC"].cash["USDT"], sim.accounts["B"].cash["USDT"]
('liquidated', Fraction(0, 1), Fraction(4000, 1))
"""

from __future__ import annotations

import copy
import datetime as _dt
from fractions import Fraction

from verifier.errors import VerifierError
from verifier.simulate.accounts import Account, Order, Position
from verifier.simulate.binding import SimRule
from verifier.simulate.events import Event, decimal_text
from verifier.simulate.ledger import Ledger

ZERO = Fraction(0)

CARRIED = ("leverage", "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount")
"""Snapshot fields a futures position carries from its opening trade (the rest is the simulator's state)."""


class Refused(VerifierError):
    """The exchange would refuse this action; the state is unchanged."""


class ConservationError(AssertionError):
    """Funds appeared or vanished: a bug in the simulator (raised in debug mode)."""


def split_market(market: str) -> tuple[str, str, str]:
    """``'BTC/USDT:USDT'`` -> ('BTC', 'USDT', 'USDT'); ``'ETH/USDT'`` -> ('ETH', 'USDT', 'USDT').

    >>> split_market("ETH/USDT")
    ('ETH', 'USDT', 'USDT')
    """
    pair, _, settle = market.partition(":")
    base, _, quote = pair.partition("/")
    if not base or not quote:
        raise Refused(f"market {market!r} is not of the form BASE/QUOTE or BASE/QUOTE:SETTLE")
    return base, quote, settle or quote


class User:
    def __init__(self, id: str):
        self.id = id
        self.cross: str | None = None
        self.margin_modes: dict = {}  # market -> 'cross' | 'isolated'
        self.position_mode = "one-way"


class Simulator:
    """Accounts, prices, time, the event log and the ledger; operations refuse or apply whole."""

    def __init__(self, rule: SimRule, *, quote: str = "USDT", debug: bool = False, time: _dt.datetime | None = None):
        self.rule = rule
        self.quote = quote
        self.debug = debug
        self.users: dict = {}
        self.accounts: dict = {}
        self.orders: dict = {}
        self.prices: dict = {}
        self.ledger = Ledger()
        self.events: list = []
        self.step = 0
        self.time = time

    # -- set-up -----------------------------------------------------------------------------------------------
    def add_account(self, id: str, user: str, kind: str, *, market: str | None = None, mode: str | None = None,
                    position_side: str | None = None) -> None:
        if id in self.accounts:
            raise Refused(f"account {id!r} exists already")
        owner = self.users.setdefault(user, User(user))
        if kind == "cross":
            if owner.cross is not None:
                raise Refused(f"user {user!r} already has a cross account ({owner.cross}); a user has one")
            owner.cross = id
        elif kind == "isolated":
            if market is None:
                raise Refused(f"isolated account {id!r} needs the market (pair or contract) it belongs to")
            split_market(market)
            for other in self.accounts.values():
                if (other.user == user and other.kind == "isolated" and other.market == market
                        and other.position_side == position_side):
                    raise Refused(f"user {user!r} already has an isolated account for {market} ({other.id})")
            owner.margin_modes[market] = "isolated"
        else:
            raise Refused(f"account kind must be 'cross' or 'isolated', not {kind!r}")
        sim_mode = self.rule.mode(mode) if mode else self.rule.default_mode(kind)
        if sim_mode.account != kind:
            raise Refused(f"rule mode {sim_mode.name!r} is for {sim_mode.account} accounts, not {kind}")
        self.accounts[id] = Account(id, user, kind, sim_mode.name, market, position_side)

    # -- helpers ----------------------------------------------------------------------------------------------
    def _account(self, id: str) -> Account:
        try:
            return self.accounts[id]
        except KeyError:
            raise Refused(f"no account {id!r}; accounts: {', '.join(self.accounts)}") from None

    def _log(self, account, kind, why, **numbers):
        self.events.append(Event(self.step, account, kind, why, numbers,
                                 self.time.isoformat() if self.time else None))

    def price_of(self, instrument: str) -> Fraction:
        if self.rule.spot and instrument == self.quote:
            return Fraction(1)
        try:
            return self.prices[instrument]
        except KeyError:
            raise Refused(f"no mark price for {instrument!r}; set it under 'prices'") from None

    def _atomic(self, action, *args):
        """Run ``action``; on refusal restore the state as it was."""
        saved = (copy.deepcopy(self.accounts), copy.deepcopy(self.users), copy.deepcopy(self.orders),
                 copy.deepcopy(self.ledger), len(self.events))
        try:
            action(*args)
        except Refused:
            self.accounts, self.users, self.orders, self.ledger = saved[:4]
            del self.events[saved[4]:]
            raise
        self.check_conservation()

    def _positive(self, amount, what="amount") -> Fraction:
        amount = Fraction(amount)
        if amount <= 0:
            raise Refused(f"{what} must be positive, not {decimal_text(amount)}")
        return amount

    def _require_spot(self, what):
        if not self.rule.spot:
            raise Refused(f"{what} is a spot-margin operation; rule {self.rule.rule.id} is {self.rule.rule.product}")

    def _require_futures(self, what):
        if self.rule.spot:
            raise Refused(f"{what} is a futures operation; rule {self.rule.rule.id} is spot margin")

    def _assets_allowed(self, account: Account, asset: str):
        if account.kind == "isolated" and self.rule.spot:
            base, quote, _ = split_market(account.market)
            if asset not in (base, quote):
                raise Refused(f"isolated account {account.id} ({account.market}) holds only {base} and {quote}, "
                              f"not {asset}")

    def _check_market_mode(self, account: Account, market: str):
        user = self.users[account.user]
        mode = user.margin_modes.get(market, "cross")
        if account.kind == "isolated" and account.market != market:
            raise Refused(f"isolated account {account.id} trades only {account.market}, not {market}")
        if mode != account.kind:
            raise Refused(f"{market} is in {mode} margin mode for user {user.id}; "
                          f"switch it before trading it in a {account.kind} account")

    # -- evaluation -------------------------------------------------------------------------------------------
    def position_fields(self, account: Account) -> list:
        """[(state fields, market, instrument)] of every position the rule sees in ``account``."""
        out = []
        if self.rule.spot:
            assets = sorted({a for d in (account.cash, account.debt, account.interest) for a, v in d.items() if v})
            for asset in assets:
                price = self.price_of(asset)
                market = account.market or f"{asset}/{self.quote}"
                out.append(({"total": account.cash[asset], "debt": account.debt[asset],
                             "interest": account.interest[asset], "markPrice": price, "price": price},
                            market, asset))
        else:
            for pos in account.positions.values():
                out.append((self._futures_fields(account, pos, pos.size), pos.market, pos.market))
        return out

    def _futures_fields(self, account: Account, pos: Position, size: Fraction) -> dict:
        """A futures position's snapshot fields: the simulator's state plus what the position carries.

        An isolated position's ``collateral`` is its account's wallet; a cross position has none of its own
        (the rule's ``initial_margin`` stands for it, see :class:`~verifier.simulate.binding.SimMode`).
        """
        price = self.price_of(pos.market)
        wallet = account.cash[split_market(pos.market)[2]]
        fields = dict(pos.fields)
        fields.update({"contracts": size, "contractSize": Fraction(1), "entryPrice": pos.entry, "markPrice": price,
                       "price": price, "side": Fraction(pos.side), "walletBalance": wallet,
                       "notional": size * price})
        if account.kind == "isolated":
            fields["collateral"] = wallet
        return fields

    def evaluate(self, account: Account):
        return self.rule.mode(account.mode).check(self.position_fields(account))

    def equity(self, account: Account) -> Fraction:
        """The account's value at mark prices: balances minus debts (spot), wallet plus unrealised PnL (futures)."""
        if self.rule.spot:
            return sum(((account.cash[a] - account.debt[a] - account.interest[a]) * self.price_of(a)
                        for a in set(account.cash) | set(account.debt) | set(account.interest)), ZERO)
        total = sum(account.cash.values(), ZERO)
        mode = self.rule.mode(account.mode)
        if "upnl" in mode.definitions:
            for values in mode.account_values(self.position_fields(account)):
                total += mode.definition("upnl", values)
        return total

    def _not_liquidatable(self, account: Account, action: str):
        check = self.evaluate(account)
        if check.status == "liquidation":
            raise Refused(f"{action} would leave account {account.id} at its liquidation condition "
                          f"(margin level {decimal_text(check.margin_level)})")
        return check

    # -- funds ------------------------------------------------------------------------------------------------
    def deposit(self, account: str, asset: str, amount) -> None:
        self._atomic(self._deposit, account, asset, amount)

    def _deposit(self, account_id, asset, amount):
        account, amount = self._account(account_id), self._positive(amount)
        self._assets_allowed(account, asset)
        account.cash[asset] += amount
        account.allocated += amount * self.price_of(asset) if self.rule.spot else amount
        self.ledger.deposit(asset, amount)
        self._log(account.id, "deposit", f"{decimal_text(amount)} {asset} paid in", amount=amount)

    def withdraw(self, account: str, asset: str, amount) -> None:
        self._atomic(self._withdraw, account, asset, amount)

    def _withdraw(self, account_id, asset, amount):
        account, amount = self._account(account_id), self._positive(amount)
        self._take_out(account, asset, amount, "withdrawal")
        self.ledger.withdraw(asset, amount)
        self._log(account.id, "withdraw", f"{decimal_text(amount)} {asset} paid out", amount=amount)

    def _take_out(self, account, asset, amount, what):
        if account.cash[asset] < amount:
            raise Refused(f"{what} of {decimal_text(amount)} {asset} exceeds the {decimal_text(account.cash[asset])} "
                          f"{asset} account {account.id} holds")
        account.cash[asset] -= amount
        account.allocated -= amount * self.price_of(asset) if self.rule.spot else amount
        mode = self.rule.mode(account.mode)
        fields = self.position_fields(account)
        if fields and not mode.holds("transfer_out_allowed", mode.account_values(fields)):
            raise Refused(f"{what} of {decimal_text(amount)} {asset} from {account.id} breaks the rule's "
                          f"transfer-out limit (condition transfer_out_allowed: "
                          f"{mode.view.conditions['transfer_out_allowed'].text})")
        self._not_liquidatable(account, what)

    def transfer(self, source: str, target: str, asset: str, amount) -> None:
        self._atomic(self._transfer, source, target, asset, amount)

    def _transfer(self, source_id, target_id, asset, amount):
        source, target, amount = self._account(source_id), self._account(target_id), self._positive(amount)
        if source.user != target.user:
            raise Refused(f"transfers stay within one user: {source.id} is {source.user}'s, {target.id} is "
                          f"{target.user}'s")
        if source is target:
            raise Refused("a transfer needs two different accounts")
        self._assets_allowed(target, asset)
        self._take_out(source, asset, amount, "transfer")
        target.cash[asset] += amount
        target.allocated += amount * self.price_of(asset) if self.rule.spot else amount
        self._log(source.id, "transfer", f"{decimal_text(amount)} {asset} moved to {target.id}", amount=amount)

    # -- loans (spot margin) ----------------------------------------------------------------------------------
    def _hourly_interest(self, account, asset, principal) -> Fraction:
        mode = self.rule.mode(account.mode)
        if "hourly_interest" not in mode.definitions:
            return ZERO
        price = self.price_of(asset)
        fields = {"total": ZERO, "debt": principal, "interest": ZERO, "markPrice": price, "price": price}
        values = mode.position_values(fields, account.market or f"{asset}/{self.quote}", asset)
        return mode.definition("hourly_interest", values)

    def borrow(self, account: str, asset: str, amount) -> None:
        self._atomic(self._borrow, account, asset, amount)

    def _borrow(self, account_id, asset, amount):
        self._require_spot("borrow")
        account, amount = self._account(account_id), self._positive(amount)
        self._assets_allowed(account, asset)
        self.ledger.give("lender", asset, amount)
        account.cash[asset] += amount
        account.debt[asset] += amount
        charge = self._hourly_interest(account, asset, amount)
        account.interest[asset] += charge
        mode = self.rule.mode(account.mode)
        if not mode.holds("borrow_allowed", mode.account_values(self.position_fields(account))):
            raise Refused(f"borrowing {decimal_text(amount)} {asset} breaks the rule's borrow limit")
        self._not_liquidatable(account, "borrow")
        self._log(account.id, "borrow", f"{decimal_text(amount)} {asset} lent; first hour's interest charged",
                  amount=amount, interest=charge)

    def repay(self, account: str, asset: str, amount) -> None:
        self._atomic(self._repay, account, asset, amount)

    def _repay(self, account_id, asset, amount):
        self._require_spot("repay")
        account, amount = self._account(account_id), self._positive(amount)
        owed = account.debt[asset] + account.interest[asset]
        if amount > owed:
            raise Refused(f"repaying {decimal_text(amount)} {asset} exceeds what {account.id} owes "
                          f"({decimal_text(owed)})")
        if account.cash[asset] < amount:
            raise Refused(f"account {account.id} holds {decimal_text(account.cash[asset])} {asset}, "
                          f"less than the {decimal_text(amount)} to repay")
        to_interest = min(amount, account.interest[asset])  # interest is repaid first
        account.interest[asset] -= to_interest
        account.debt[asset] -= amount - to_interest
        account.cash[asset] -= amount
        self.ledger.take("lender", asset, amount)
        self._log(account.id, "repay", f"{decimal_text(amount)} {asset} repaid (interest first)", amount=amount,
                  interest=to_interest)

    def advance(self, when: _dt.datetime) -> None:
        """Move the clock; interest is charged on every loan at each full hour passed."""
        if self.time is None:
            self.time = when
            return
        if when < self.time:
            raise Refused(f"time cannot go back from {self.time.isoformat()} to {when.isoformat()}")
        hour = self.time.replace(minute=0, second=0, microsecond=0) + _dt.timedelta(hours=1)
        while hour <= when:
            self.time = hour
            for account in self.accounts.values():
                for asset, principal in list(account.debt.items()):
                    if principal:
                        charge = self._hourly_interest(account, asset, principal)
                        account.interest[asset] += charge
                        self._log(account.id, "interest", f"hourly interest on {decimal_text(principal)} {asset}",
                                  interest=charge)
            hour += _dt.timedelta(hours=1)
        self.time = when

    # -- spot trades ------------------------------------------------------------------------------------------
    def buy(self, account: str, market: str, amount) -> None:
        self._atomic(self._spot_trade, account, market, "buy", amount)

    def sell(self, account: str, market: str, amount) -> None:
        self._atomic(self._spot_trade, account, market, "sell", amount)

    def _spot_trade(self, account_id, market, side, amount):
        self._require_spot(side)
        account, amount = self._account(account_id), self._positive(amount)
        self._check_market_mode(account, market)
        base, quote, _ = split_market(market)
        price = self.price_of(base) / self.price_of(quote)
        pay, pay_amount, get, get_amount = ((quote, amount * price, base, amount) if side == "buy"
                                            else (base, amount, quote, amount * price))
        if account.cash[pay] < pay_amount:
            raise Refused(f"{side} of {decimal_text(amount)} {base} needs {decimal_text(pay_amount)} {pay}; account "
                          f"{account.id} holds {decimal_text(account.cash[pay])} (borrow first)")
        account.cash[pay] -= pay_amount
        self.ledger.take("market", pay, pay_amount)
        self.ledger.give("market", get, get_amount)
        account.cash[get] += get_amount
        self._not_liquidatable(account, side)
        self._log(account.id, side, f"{decimal_text(amount)} {base} at {decimal_text(price)} {quote}",
                  amount=amount, price=price)

    # -- futures trades ---------------------------------------------------------------------------------------
    def _realise(self, account: Account, pos: Position, size: Fraction) -> Fraction:
        """Move the profit of closing ``size`` of ``pos`` at the mark price (the rule's ``upnl``) into the wallet."""
        mode = self.rule.mode(account.mode)
        settle = split_market(pos.market)[2]
        fields = self._futures_fields(account, pos, size)
        pnl = mode.definition("upnl", mode.position_values(fields, pos.market, pos.market))
        self.ledger.give("market", settle, pnl)
        account.cash[settle] += pnl
        return pnl

    def trade(self, account: str, market: str, side: str, amount, position_side: str | None = None,
              fields: dict | None = None) -> None:
        """Open, increase, reduce, close or flip at the mark price.

        ``fields``: snapshot fields the position carries from now on (ccxt names: ``leverage``, ``takerFeeRate``,
        ``maintenanceMarginPercentage``, ``maintenanceAmount``); an increase or reduction keeps the ones it had
        and updates those given.
        """
        self._atomic(self._trade, account, market, side, amount, position_side, fields)

    def _trade(self, account_id, market, side, amount, position_side, fields=None):
        self._require_futures("trade")
        account, amount = self._account(account_id), self._positive(amount)
        carried = {}
        for name, value in (fields or {}).items():
            if name not in CARRIED:
                raise Refused(f"a position cannot be opened with field {name!r}; it may carry "
                              + ", ".join(CARRIED))
            carried[name] = Fraction(value)
        if side not in ("buy", "sell"):
            raise Refused(f"side must be 'buy' or 'sell', not {side!r}")
        self._check_market_mode(account, market)
        user = self.users[account.user]
        if user.position_mode == "hedge":
            if position_side not in ("long", "short"):
                raise Refused("in hedge mode a trade names its position side: 'long' or 'short'")
            if account.kind == "isolated" and account.position_side not in (None, position_side):
                raise Refused(f"isolated account {account.id} holds the {account.position_side} position only")
        elif position_side not in (None, "both"):
            raise Refused(f"position side {position_side!r} needs hedge mode; user {user.id} is in one-way mode")
        key = (market, position_side if user.position_mode == "hedge" else "both")
        price = self.price_of(market)
        delta = amount if side == "buy" else -amount
        pos = account.positions.get(key)
        old = pos.side * pos.size if pos else ZERO
        new = old + delta
        if key[1] == "long" and new < 0 or key[1] == "short" and new > 0:
            raise Refused(f"a hedge-mode {key[1]} position cannot be reduced below zero "
                          f"(holds {decimal_text(abs(old))}, trade {decimal_text(amount)})")
        pnl = ZERO
        if pos and (old > 0) != (delta > 0):  # reduce, close or flip: realise the closed part
            pnl = self._realise(account, pos, min(abs(old), abs(delta)))
        if new == 0:
            account.positions.pop(key, None)
            what = "closed"
        elif old == 0 or (old > 0) != (new > 0):
            kept = dict(pos.fields) if pos else {}
            account.positions[key] = Position(market, 1 if new > 0 else -1, abs(new), price, key[1],
                                              {**kept, **carried})
            what = "opened" if old == 0 else "flipped"
        elif abs(new) > abs(old):
            entry = (abs(old) * pos.entry + abs(delta) * price) / abs(new)
            account.positions[key] = Position(market, pos.side, abs(new), entry, key[1], {**pos.fields, **carried})
            what = "increased"
        else:
            pos.size = abs(new)
            pos.fields.update(carried)
            what = "reduced"
        settle = split_market(market)[2]
        if account.cash[settle] < 0:
            raise Refused(f"the realised loss {decimal_text(-pnl)} exceeds the wallet of {account.id}")
        self._not_liquidatable(account, "trade")
        self._log(account.id, "trade", f"{side} {decimal_text(amount)} {market} at {decimal_text(price)}: "
                  f"position {what}", amount=amount, price=price, realised=pnl)

    def close(self, account: str, market: str, position_side: str | None = None) -> None:
        acc = self._account(account)
        key = (market, position_side or "both")
        pos = acc.positions.get(key)
        if pos is None:
            raise Refused(f"account {account} has no {market} position to close")
        self.trade(account, market, "sell" if pos.side > 0 else "buy", pos.size, position_side)

    def set_position_mode(self, user: str, mode: str) -> None:
        self._atomic(self._set_position_mode, user, mode)

    def _set_position_mode(self, user_id, mode):
        self._require_futures("position mode")
        if mode not in self.rule.rule.position_modes:
            raise Refused(f"rule {self.rule.rule.id} allows position modes {', '.join(self.rule.rule.position_modes)}")
        user = self.users.get(user_id)
        if user is None:
            raise Refused(f"no user {user_id!r}")
        if any(a.positions for a in self.accounts.values() if a.user == user_id):
            raise Refused(f"user {user_id} has open positions: close them before switching to {mode} mode")
        user.position_mode = mode
        self._log(None, "position_mode", f"user {user_id} now in {mode} mode")

    # -- orders and margin mode -------------------------------------------------------------------------------
    def place_order(self, id: str, account: str, market: str, side: str, amount, price) -> None:
        self._atomic(self._place_order, id, account, market, side, amount, price)

    def _place_order(self, id, account_id, market, side, amount, price):
        account = self._account(account_id)
        if id in self.orders:
            raise Refused(f"order id {id!r} is in use")
        self._check_market_mode(account, market)
        self.orders[id] = Order(id, account.id, market, side, self._positive(amount), self._positive(price, "price"))
        self._log(account.id, "order_placed", f"{side} {decimal_text(amount)} {market} at {decimal_text(price)}",
                  amount=Fraction(amount), price=Fraction(price))

    def cancel_order(self, id: str) -> None:
        order = self.orders.pop(id, None)
        if order is None:
            raise Refused(f"no open order {id!r}")
        self._log(order.account, "order_cancelled", f"order {id} cancelled by the user")

    def _holds_market(self, account: Account, market: str) -> bool:
        if self.rule.spot:
            base = split_market(market)[0]
            if account.kind == "isolated":
                return account.market == market and not account.is_empty()
            return bool(account.cash[base] or account.debt[base] or account.interest[base])
        return any(p.market == market for p in account.positions.values())

    def set_margin_mode(self, user: str, market: str, mode: str) -> None:
        self._atomic(self._set_margin_mode, user, market, mode)

    def _set_margin_mode(self, user_id, market, mode):
        if mode not in ("cross", "isolated"):
            raise Refused(f"margin mode must be 'cross' or 'isolated', not {mode!r}")
        if user_id not in self.users:
            raise Refused(f"no user {user_id!r}")
        accounts = [a for a in self.accounts.values() if a.user == user_id]
        open_positions = [a.id for a in accounts if self._holds_market(a, market)]
        if open_positions:
            raise Refused(f"cannot switch {market} to {mode} margin: open position in {', '.join(open_positions)}; "
                          "close it first")
        open_orders = [o.id for o in self.orders.values() if o.market == market and o.account in
                       {a.id for a in accounts}]
        if open_orders:
            raise Refused(f"cannot switch {market} to {mode} margin: open orders {', '.join(sorted(open_orders))}; "
                          "cancel them first")
        self.users[user_id].margin_modes[market] = mode
        self._log(None, "margin_mode", f"user {user_id}: {market} now in {mode} margin")

    # -- prices and liquidation -------------------------------------------------------------------------------
    def set_prices(self, prices: dict) -> None:
        """New mark prices; then every account is evaluated (notices, liquidations)."""
        for instrument, price in prices.items():
            self.prices[instrument] = self._positive(price, f"price of {instrument}")
        self.evaluate_all()
        self.check_conservation()

    def evaluate_all(self) -> None:
        checks = {id: self.evaluate(a) for id, a in self.accounts.items()}  # all judged on the same prices
        for id, check in checks.items():
            account = self.accounts[id]
            if account.liquidated_step == self.step and check.status != "liquidation":
                continue  # keep showing this step's liquidation (and the margin level that caused it)
            before = account.status
            account.margin_level = check.margin_level
            if check.status == "liquidation":
                self._liquidate(account, check)
                account.status = "liquidated"
            else:
                account.status = check.status
                if check.status == "margin_call" and before != "margin_call":
                    self._log(id, "margin_call", "the rule's margin_call condition holds "
                              f"({self.rule.mode(account.mode).view.conditions['margin_call'].text})",
                              margin_level=check.margin_level)

    def _liquidate(self, account: Account, check) -> None:
        mode = self.rule.mode(account.mode)
        self._log(account.id, "liquidation", "the rule's liquidation condition holds "
                  f"({mode.view.conditions['liquidation'].text})", margin_level=check.margin_level,
                  equity=self.equity(account))
        for order in [o for o in self.orders.values() if o.account == account.id]:
            del self.orders[order.id]
            self._log(account.id, "order_cancelled", f"order {order.id} cancelled by the liquidation")
        fees: dict = {}  # settlement asset -> the rule's liquidation fee of the positions settled in it
        if self.rule.spot:
            fees[self.quote] = sum((mode.liquidation_fee(v) for v in check.values), ZERO)
        else:
            for pos, v in zip(account.positions.values(), check.values):
                settle = split_market(pos.market)[2]
                fees[settle] = fees.get(settle, ZERO) + mode.liquidation_fee(v)
        if self.rule.spot:
            settle = self.quote
            for asset in sorted(set(account.cash) | set(account.debt) | set(account.interest)):
                if asset == settle:
                    continue
                price = self.price_of(asset)
                held, owed = account.cash[asset], account.debt[asset] + account.interest[asset]
                net = held - owed  # sell what is held beyond the debt, buy what is owed beyond the holding
                self.ledger.take("market", asset, net)
                self.ledger.give("market", settle, net * price)
                account.cash[settle] += net * price
                self.ledger.take("lender", asset, owed)
                account.cash[asset] = account.debt[asset] = account.interest[asset] = ZERO
            owed = account.debt[settle] + account.interest[settle]
            self.ledger.take("lender", settle, owed)
            account.cash[settle] -= owed
            account.debt[settle] = account.interest[settle] = ZERO
        else:
            for key, pos in list(account.positions.items()):
                pnl = self._realise(account, pos, pos.size)
                del account.positions[key]
                self._log(account.id, "position_closed", f"{pos.market} closed at the mark price", realised=pnl)
        for settle, fee in fees.items():
            shortfall = -account.cash[settle] if account.cash[settle] < 0 else ZERO
            if shortfall:
                self.ledger.give("insurance", settle, shortfall)
                account.cash[settle] = ZERO
                self._log(account.id, "insurance", "the insurance fund covers what the collateral could not",
                          shortfall=shortfall)
            charged = min(fee, account.cash[settle])
            if charged:
                account.cash[settle] -= charged
                self.ledger.take("fees", settle, charged)
            self._log(account.id, "liquidation_fee", "the rule's liquidation fee, from what remains",
                      fee=fee, charged=charged)
        account.liquidations += 1
        account.liquidated_step = self.step

    # -- invariants -------------------------------------------------------------------------------------------
    def user_balances(self) -> dict:
        totals: dict = {}
        for account in self.accounts.values():
            for asset, value in account.cash.items():
                totals[asset] = totals.get(asset, ZERO) + value
        return totals

    def check_conservation(self) -> None:
        """In debug mode: every asset balances (user + market + lender + insurance + fees = net deposits)."""
        if not self.debug:
            return
        wrong = self.ledger.imbalance(self.user_balances())
        if wrong:
            raise ConservationError(f"funds not conserved after step {self.step}: {wrong}")
        negative = [(a.id, asset) for a in self.accounts.values() for asset, v in a.cash.items() if v < 0]
        if negative:
            raise ConservationError(f"negative balance after step {self.step}: {negative}")
