"""The spot-margin engine: an account holds balances of assets and owes loans (principal and interest).

Each asset an account holds or owes is one *position* for the rule; prices are per asset, in the quote
asset.  Buying and selling exchange assets at the mark price; borrowing and repaying move loans; the clock
charges interest as the rule's interest policy says (``policies.interest``: which definition gives one hour's
interest, whether the first hour is charged at borrowing, what a repayment pays first).  A liquidation sells what is held beyond the debt
and buys back what is owed beyond the holding, then repays every loan.

>>> from verifier.read import load_rule
>>> sim = SpotMarginSimulator(SimRule(load_rule("binance/spot-margin"), None, inputs={"r": 0}), debug=True)
>>> sim.add_account("A", "alice", "cross")
>>> sim.set_prices({"ETH": Fraction(200)})
>>> sim.deposit("A", "USDT", Fraction(400))
>>> sim.borrow("A", "USDT", Fraction(1600))
>>> sim.buy("A", "ETH/USDT", Fraction(10))
>>> sim.set_prices({"ETH": Fraction(170)})
>>> sim.accounts["A"].status, sim.accounts["A"].margin_level
('liquidated', Fraction(17, 16))
"""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction

from verifier.model.numbers import exact_text
from verifier.model.policies import Interest
from verifier.simulate.accounts import Account
from verifier.simulate.binding import BindingError, SimRule
from verifier.simulate.core import ZERO, Refused, Simulator, split_market


_ONE = Fraction(1)


class SpotMarginSimulator(Simulator):
    """Cross and isolated spot margin: balances, loans, interest."""

    PRODUCT = "spot margin"
    VERBS = Simulator.VERBS + ("borrow", "repay", "buy", "sell")

    def __init__(self, rule: SimRule, **options):
        super().__init__(rule, **options)
        self._held: dict = {}  # account id -> (its balances, the assets it holds or owes): see _assets
    def foreign(self, what: str) -> str:
        return f"{what} is a futures operation; rule {self.rule.rule.id} is spot margin"

    def apply_product(self, verb: str, args: dict) -> None:
        if verb in ("borrow", "repay"):
            getattr(self, verb)(args["account"], args["asset"], args["amount"])
        else:
            getattr(self, verb)(args["account"], args["market"], args["amount"])

    def trade(self, account: str, market: str, side: str, amount, position_side=None, fields=None) -> None:
        raise Refused(self.foreign("trade"))

    def close(self, account: str, market: str, position_side=None) -> None:
        raise Refused(self.foreign("close"))

    def set_position_mode(self, user: str, mode: str) -> None:
        raise Refused(self.foreign("position mode"))

    # -- what a position is -----------------------------------------------------------------------------------
    def price_of(self, instrument: str) -> Fraction:
        return _ONE if instrument == self.quote else super().price_of(instrument)

    def _assets(self, account: Account) -> list:
        """The assets ``account`` holds or owes, in order (found again only when its balances changed: a price
        update changes none, and testing thirty Fractions for zero cost as much as judging them)."""
        state = (tuple(account.cash.items()), tuple(account.debt.items()), tuple(account.interest.items()))
        known = self._held.get(account.id)
        if known is None or known[0] != state:
            known = self._held[account.id] = (state, sorted({a for d in state for a, v in d if v}))
        return known[1]

    def position_fields(self, account: Account) -> list:
        out = []
        cash, debt, interest, prices, quote = account.cash, account.debt, account.interest, self.prices, self.quote
        for asset in self._assets(account):
            price = _ONE if asset == quote else prices.get(asset)
            if price is None:
                price = self.price_of(asset)  # refused: no price
            market = account.market or f"{asset}/{quote}"
            out.append(({"total": cash[asset], "debt": debt[asset], "interest": interest[asset], "markPrice": price,
                         "price": price}, market, asset))
        return out

    def equity(self, account: Account) -> Fraction:
        """Balances minus debts (interest included), at mark prices."""
        return sum(((account.cash[a] - account.debt[a] - account.interest[a]) * self.price_of(a)
                    for a in set(account.cash) | set(account.debt) | set(account.interest)), ZERO)

    def value_of(self, asset: str, amount: Fraction) -> Fraction:
        return amount * self.price_of(asset)  # allocations count in the quote asset

    def holds_market(self, account: Account, market: str) -> bool:
        base = split_market(market)[0]
        if account.kind == "isolated":
            return account.market == market and not account.is_empty()
        return bool(account.cash[base] or account.debt[base] or account.interest[base])

    def _check_asset(self, account: Account, asset: str) -> None:
        if account.kind == "isolated":
            base, quote, _ = split_market(account.market)
            if asset not in (base, quote):
                raise Refused(f"isolated account {account.id} ({account.market}) holds only {base} and {quote}, "
                              f"not {asset}")

    # -- loans ------------------------------------------------------------------------------------------------
    @classmethod
    def check_rule(cls, rule: SimRule) -> None:
        """A spot-margin rule must say how its loans accrue interest (``policies.interest``)."""
        if rule.rule.policies.interest is None:
            raise BindingError(f"rule {rule.rule.id} is spot margin but does not say how loans accrue interest: "
                               "state 'policies: {interest: {per_hour: <definition>, first_hour: at-borrow, repay: "
                               "interest-first, source: <id>}}' or 'policies: {interest: {none: <why>}}' "
                               "(docs/writing-rules.md)")

    @property
    def _interest(self) -> Interest | None:
        """The rule's interest policy, or None when it charges no interest."""
        policy = self.rule.rule.policies.interest
        return policy if isinstance(policy, Interest) else None

    def _hourly_interest(self, account, asset, principal) -> Fraction:
        """One hour's interest on ``principal`` of ``asset``: the rule's definition named by the policy."""
        price = self.price_of(asset)
        fields = {"total": ZERO, "debt": principal, "interest": ZERO, "markPrice": price, "price": price}
        mode = self.rule.mode(account.mode)
        values = mode.position_values(fields, account.market or f"{asset}/{self.quote}", asset)
        return mode.definition(self._interest.per_hour, values)

    def borrow(self, account: str, asset: str, amount) -> None:
        self._atomic(self._borrow, account, asset, amount)

    def _borrow(self, account_id, asset, amount):
        account, amount = self._account(account_id), self._positive(amount)
        self._check_asset(account, asset)
        self.ledger.give("lender", asset, amount)
        account.cash[asset] += amount
        account.debt[asset] += amount
        at_borrow = self._interest is not None and self._interest.charged_at_borrow
        charge = self._hourly_interest(account, asset, amount) if at_borrow else ZERO
        account.interest[asset] += charge
        mode = self.rule.mode(account.mode)
        if not mode.holds("borrow_allowed", mode.account_values(self.position_fields(account))):
            raise Refused(f"borrowing {exact_text(amount)} {asset} breaks the rule's borrow limit")
        self._not_liquidatable(account, "borrow")
        self._log(account.id, "borrow", f"{exact_text(amount)} {asset} lent"
                  + ("; first hour's interest charged" if at_borrow else ""), amount=amount, interest=charge)

    def repay(self, account: str, asset: str, amount) -> None:
        self._atomic(self._repay, account, asset, amount)

    def _repay(self, account_id, asset, amount):
        account, amount = self._account(account_id), self._positive(amount)
        owed = account.debt[asset] + account.interest[asset]
        if amount > owed:
            raise Refused(f"repaying {exact_text(amount)} {asset} exceeds what {account.id} owes "
                          f"({exact_text(owed)})")
        if account.cash[asset] < amount:
            raise Refused(f"account {account.id} holds {exact_text(account.cash[asset])} {asset}, "
                          f"less than the {exact_text(amount)} to repay")
        principal_first = self._interest is not None and self._interest.repay == "principal-first"
        if principal_first:
            to_interest = amount - min(amount, account.debt[asset])
        else:
            to_interest = min(amount, account.interest[asset])
        account.interest[asset] -= to_interest
        account.debt[asset] -= amount - to_interest
        account.cash[asset] -= amount
        self.ledger.take("lender", asset, amount)
        self._log(account.id, "repay", f"{exact_text(amount)} {asset} repaid "
                  f"({'principal' if principal_first else 'interest'} first)", amount=amount, interest=to_interest)

    def _elapse(self, start: _dt.datetime, end: _dt.datetime) -> None:
        """The rule's interest on every loan at each full hour passed (nothing when it charges none).

        No price moves and no loan changes while the clock runs, so every hour charges the same on a principal:
        the hours are charged at once, one event a loan (the sum is exactly the hours' charges added one by one)."""
        if self._interest is None:
            return
        first = start.replace(minute=0, second=0, microsecond=0) + _dt.timedelta(hours=1)
        if first > end:
            return
        hours = (end - first) // _dt.timedelta(hours=1) + 1
        self.time = first + (hours - 1) * _dt.timedelta(hours=1)  # the last full hour charged
        for account in self.accounts.values():
            for asset, principal in list(account.debt.items()):
                if principal:
                    charge = self._hourly_interest(account, asset, principal)
                    account.interest[asset] += charge * hours
                    self._log(account.id, "interest", f"{hours} hour(s) of interest on {exact_text(principal)} {asset}"
                              f" at {exact_text(charge)} an hour", interest=charge * hours, hours=Fraction(hours))

    # -- trades -----------------------------------------------------------------------------------------------
    def buy(self, account: str, market: str, amount) -> None:
        self._atomic(self._exchange, account, market, "buy", amount)

    def sell(self, account: str, market: str, amount) -> None:
        self._atomic(self._exchange, account, market, "sell", amount)

    def _exchange(self, account_id, market, side, amount):
        account, amount = self._account(account_id), self._positive(amount)
        self._check_market_mode(account, market)
        base, quote, _ = split_market(market)
        price = self.price_of(base) / self.price_of(quote)
        pay, pay_amount, get, get_amount = ((quote, amount * price, base, amount) if side == "buy"
                                            else (base, amount, quote, amount * price))
        if account.cash[pay] < pay_amount:
            raise Refused(f"{side} of {exact_text(amount)} {base} needs {exact_text(pay_amount)} {pay}; account "
                          f"{account.id} holds {exact_text(account.cash[pay])} (borrow first)")
        account.cash[pay] -= pay_amount
        self.ledger.take("market", pay, pay_amount)
        self.ledger.give("market", get, get_amount)
        account.cash[get] += get_amount
        self._not_liquidatable(account, side)
        self._log(account.id, side, f"{exact_text(amount)} {base} at {exact_text(price)} {quote}",
                  amount=amount, price=price)

    # -- liquidation ------------------------------------------------------------------------------------------
    def _liquidation_fees(self, account: Account, check) -> dict:
        mode = self.rule.mode(account.mode)
        return {self.quote: sum((mode.liquidation_fee(values) for values in check.values), ZERO)}

    def _close_out(self, account: Account) -> None:
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
