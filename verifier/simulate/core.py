"""The shared account core of the reference simulator: one world of users, their accounts, an insurance fund
and fees.

It holds what every product has: accounts and users, funds paid in and out and moved between a user's
accounts, mark prices and the clock, evaluating every account against the rule (notices, liquidation),
the bookkeeping of a liquidation (orders cancelled, insurance, the rule's fee) and conservation of funds.
What a position *is* differs by product and lives in the engines: :class:`~verifier.simulate.futures.
FuturesSimulator` (a wallet and contract positions) and :class:`~verifier.simulate.spot.SpotMarginSimulator`
(balances and loans of assets); :func:`~verifier.simulate.engine.simulator_for` picks one by the rule's product.

Every number and formula comes from the rule (through :class:`~verifier.simulate.binding.SimRule`); this
module holds only mechanisms.
"""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction

from verifier.model.numbers import exact_text
from verifier.simulate.accounts import Account, Order
from verifier.simulate.binding import SimRule
from verifier.simulate.events import Event
from verifier.simulate.ledger import Ledger
from verifier.simulate.market import ConservationError, Refused, User, split_market

ZERO = Fraction(0)
__all__ = ["ZERO", "ConservationError", "Refused", "Simulator", "User", "split_market"]


class Simulator:
    """Accounts, prices, time, the event log and the ledger; operations refuse or apply whole.

    An engine supplies what a position is: :meth:`position_fields`, :meth:`equity`, :meth:`value_of` (what a
    movement of funds adds to an account's allocation), :meth:`holds_market`, :meth:`_liquidation_fees` and
    :meth:`_close_out`; and the operations of its product (:attr:`VERBS`, :meth:`apply_product`).
    """

    PRODUCT = "any"
    VERBS: tuple = ("deposit", "withdraw", "transfer", "add_margin", "remove_margin", "place_order", "cancel_order",
                    "set_margin_mode")  # the scenario verbs this engine runs (the product's are added by each)

    def __init__(self, rule: SimRule, *, quote: str = "USDT", debug: bool = False, time: _dt.datetime | None = None):
        self.check_rule(rule)
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
        self._conserved = None  # the funds last found conserved (see check_conservation)

    @classmethod
    def check_rule(cls, rule: SimRule) -> None:
        """Raise :class:`~verifier.simulate.binding.BindingError` when this engine cannot run ``rule``."""

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

    def apply_product(self, verb: str, args: dict) -> None:
        """Run a scenario action of this engine's product (one of :attr:`VERBS` the core does not know)."""
        raise NotImplementedError

    def foreign(self, verb: str) -> str:
        """Why a verb of the other product is refused here."""
        raise NotImplementedError

    # -- helpers ----------------------------------------------------------------------------------------------
    def _account(self, id: str) -> Account:
        try:
            return self.accounts[id]
        except KeyError:
            raise Refused(f"no account {id!r}; accounts: {', '.join(self.accounts)}") from None

    def _log(self, account, kind, why, **numbers):
        self.events.append(Event(self.step, account, kind, why, numbers,
                                 self.time.isoformat() if self.time else None))

    def log_refusal(self, account: str, verb: str, refusal: Refused) -> None:
        """Record a refused action in the event log (the state is already restored)."""
        self._log(account, "refused", f"{verb}: {refusal}")

    def price_of(self, instrument: str) -> Fraction:
        try:
            return self.prices[instrument]
        except KeyError:
            raise Refused(f"no mark price for {instrument!r}; set it under 'prices'") from None

    def _atomic(self, action, *args):
        """Run ``action``; on refusal restore the state as it was."""
        saved = ({k: a.clone() for k, a in self.accounts.items()}, {k: u.clone() for k, u in self.users.items()},
                 dict(self.orders), self.ledger.clone(), len(self.events))  # orders are never changed in place
        try:
            action(*args)
        except Refused:
            self.accounts, self.users, self.orders, self.ledger = saved[:4]
            del self.events[saved[4]:]
            raise
        self.check_conservation()

    def _positive(self, amount, what="amount") -> Fraction:
        amount = amount if type(amount) is Fraction else Fraction(amount)  # the same object: converted to GMP once
        if amount <= 0:
            raise Refused(f"{what} must be positive, not {exact_text(amount)}")
        return amount

    def _check_asset(self, account: Account, asset: str) -> None:
        """Refuse an asset the account may not hold (every asset, unless the engine says otherwise)."""

    def _check_market_mode(self, account: Account, market: str):
        user = self.users[account.user]
        mode = user.margin_modes.get(market, "cross")
        if account.kind == "isolated" and account.market != market:
            raise Refused(f"isolated account {account.id} trades only {account.market}, not {market}")
        if mode != account.kind:
            raise Refused(f"{market} is in {mode} margin mode for user {user.id}; "
                          f"switch it before trading it in a {account.kind} account")

    # -- what a position is (the engines) ---------------------------------------------------------------------
    def position_fields(self, account: Account) -> list:
        """[(state fields, market, instrument)] of every position the rule sees in ``account``."""
        raise NotImplementedError

    def equity(self, account: Account) -> Fraction:
        """The account's value at mark prices."""
        raise NotImplementedError

    def value_of(self, asset: str, amount: Fraction) -> Fraction:
        """What moving ``amount`` of ``asset`` in or out adds to or takes from an account's allocation."""
        raise NotImplementedError

    def holds_market(self, account: Account, market: str) -> bool:
        """Whether ``account`` has a position in ``market`` (which blocks switching its margin mode)."""
        raise NotImplementedError

    def _liquidation_fees(self, account: Account, check) -> dict:
        """Settlement asset -> the rule's liquidation fee of the account's positions settled in it."""
        raise NotImplementedError

    def _close_out(self, account: Account) -> None:
        """Close every position and debt of a liquidated account at the mark price."""
        raise NotImplementedError

    def _elapse(self, start: _dt.datetime, end: _dt.datetime) -> None:
        """What the passing of time from ``start`` to ``end`` charges (nothing unless the engine says so)."""

    # -- evaluation -------------------------------------------------------------------------------------------
    def evaluate(self, account: Account):
        return self.rule.mode(account.mode).check(self.position_fields(account))

    def _not_liquidatable(self, account: Account, action: str):
        check = self.evaluate(account)
        if check.status == "liquidation":
            level = "inf" if isinstance(check.margin_level, float) else exact_text(check.margin_level)
            raise Refused(f"{action} would leave account {account.id} at its liquidation condition "
                          f"(margin level {level})")
        return check

    # -- funds ------------------------------------------------------------------------------------------------
    def deposit(self, account: str, asset: str, amount) -> None:
        self._atomic(self._deposit, account, asset, amount)

    def _deposit(self, account_id, asset, amount):
        account, amount = self._account(account_id), self._positive(amount)
        self._check_asset(account, asset)
        account.cash[asset] += amount
        account.allocated += self.value_of(asset, amount)
        self.ledger.deposit(asset, amount)
        self._log(account.id, "deposit", f"{exact_text(amount)} {asset} paid in", amount=amount)

    def withdraw(self, account: str, asset: str, amount) -> None:
        self._atomic(self._withdraw, account, asset, amount)

    def _withdraw(self, account_id, asset, amount):
        account, amount = self._account(account_id), self._positive(amount)
        self._take_out(account, asset, amount, "withdrawal")
        self.ledger.withdraw(asset, amount)
        self._log(account.id, "withdraw", f"{exact_text(amount)} {asset} paid out", amount=amount)

    def _take_out(self, account, asset, amount, what):
        if account.cash[asset] < amount:
            raise Refused(f"{what} of {exact_text(amount)} {asset} exceeds the {exact_text(account.cash[asset])} "
                          f"{asset} account {account.id} holds")
        account.cash[asset] -= amount
        account.allocated -= self.value_of(asset, amount)
        mode = self.rule.mode(account.mode)
        fields = self.position_fields(account)
        if fields and not mode.holds("transfer_out_allowed", mode.account_values(fields)):
            raise Refused(f"{what} of {exact_text(amount)} {asset} from {account.id} breaks the rule's "
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
        self._check_asset(target, asset)
        self._take_out(source, asset, amount, "transfer")
        target.cash[asset] += amount
        target.allocated += self.value_of(asset, amount)
        self._log(source.id, "transfer", f"{exact_text(amount)} {asset} moved to {target.id}", amount=amount)

    # -- the clock --------------------------------------------------------------------------------------------
    def advance(self, when: _dt.datetime) -> None:
        """Move the clock to ``when``; the engine charges what time costs (interest on loans)."""
        if self.time is None:
            self.time = when
            return
        if when < self.time:
            raise Refused(f"time cannot go back from {self.time.isoformat()} to {when.isoformat()}")
        self._elapse(self.time, when)
        self.time = when

    # -- orders and margin mode -------------------------------------------------------------------------------
    def place_order(self, id: str, account: str, market: str, side: str, amount, price) -> None:
        self._atomic(self._place_order, id, account, market, side, amount, price)

    def _place_order(self, id, account_id, market, side, amount, price):
        account = self._account(account_id)
        if id in self.orders:
            raise Refused(f"order id {id!r} is in use")
        self._check_market_mode(account, market)
        self.orders[id] = Order(id, account.id, market, side, self._positive(amount), self._positive(price, "price"))
        self._log(account.id, "order_placed", f"{side} {exact_text(amount)} {market} at {exact_text(price)}",
                  amount=Fraction(amount), price=Fraction(price))

    def cancel_order(self, id: str) -> None:
        order = self.orders.pop(id, None)
        if order is None:
            raise Refused(f"no open order {id!r}")
        self._log(order.account, "order_cancelled", f"order {id} cancelled by the user")

    def set_margin_mode(self, user: str, market: str, mode: str) -> None:
        self._set_margin_mode(user, market, mode)  # every refusal comes before the one change: no copy to restore

    def _set_margin_mode(self, user_id, market, mode):
        if mode not in ("cross", "isolated"):
            raise Refused(f"margin mode must be 'cross' or 'isolated', not {mode!r}")
        if user_id not in self.users:
            raise Refused(f"no user {user_id!r}")
        accounts = [a for a in self.accounts.values() if a.user == user_id]
        open_positions = [a.id for a in accounts if self.holds_market(a, market)]
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
            if type(price) is not Fraction or price.numerator <= 0:  # a positive Fraction needs no checking
                price = self._positive(price, f"price of {instrument}")
            self.prices[instrument] = price
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
        fees = self._liquidation_fees(account, check)
        self._close_out(account)
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

    def funds(self) -> tuple:
        """Every balance the conservation check reads: each account's cash, the ledger's holders, net deposits."""
        return (tuple(self.accounts), *map(tuple, map(dict.items, [a.cash for a in self.accounts.values()])),
                *map(tuple, map(dict.items, self.ledger.balances.values())), tuple(self.ledger.external.items()))

    def check_conservation(self) -> None:
        """In debug mode: every asset balances (user + market + lender + insurance + fees = net deposits), and no
        account holds a negative balance.

        Both are a function of :meth:`funds` alone, so balances equal to the ones last found conserved are
        conserved: a price update that moved no funds compares them (the same objects, mostly) instead of adding
        every asset up again."""
        if not self.debug:
            return
        funds = self.funds()
        if funds == self._conserved:
            return
        wrong = self.ledger.imbalance(self.user_balances())
        if wrong:
            raise ConservationError(f"funds not conserved after step {self.step}: {wrong}")
        negative = [(a.id, asset) for a in self.accounts.values() for asset, v in a.cash.items() if v < 0]
        if negative:
            raise ConservationError(f"negative balance after step {self.step}: {negative}")
        self._conserved = funds
