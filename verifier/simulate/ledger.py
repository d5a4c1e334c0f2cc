"""Where the money is outside the user's accounts, and the conservation check.

Every movement of funds has two sides.  The user's accounts hold their own
balances; this ledger holds everyone else's: the *market* (counterparty of trades
and realised PnL), the *lender* (source of margin loans), the *insurance* fund and
the *fees* collected.  Conservation: for every asset, the user's balances plus
these four equal what was deposited minus what was withdrawn.

>>> ledger = Ledger()
>>> ledger.deposit("USDT", Fraction(100))
>>> ledger.move("market", "fees", "USDT", Fraction(3))
>>> ledger.imbalance({"USDT": Fraction(100)})
{}
>>> ledger.imbalance({"USDT": Fraction(99)})
{'USDT': Fraction(-1, 1)}
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

HOLDERS = ("market", "lender", "insurance", "fees")


class Ledger:
    """Balances of the market, lender, insurance fund and fee account, per asset, plus net deposits."""

    def __init__(self):
        self.balances = {holder: defaultdict(Fraction) for holder in HOLDERS}
        self.external = defaultdict(Fraction)

    def clone(self) -> "Ledger":
        copy = Ledger()
        copy.balances = {holder: defaultdict(Fraction, values) for holder, values in self.balances.items()}
        copy.external = defaultdict(Fraction, self.external)
        return copy

    def deposit(self, asset: str, amount: Fraction) -> None:
        self.external[asset] += amount

    def withdraw(self, asset: str, amount: Fraction) -> None:
        self.external[asset] -= amount

    def move(self, source: str, target: str, asset: str, amount: Fraction) -> None:
        """Move between two of the non-user holders."""
        self.balances[source][asset] -= amount
        self.balances[target][asset] += amount

    def give(self, holder: str, asset: str, amount: Fraction) -> None:
        """``holder`` pays ``amount`` to a user account (the caller credits the account)."""
        self.balances[holder][asset] -= amount

    def take(self, holder: str, asset: str, amount: Fraction) -> None:
        """``holder`` receives ``amount`` from a user account (the caller debits the account)."""
        self.balances[holder][asset] += amount

    def imbalance(self, user_balances: dict) -> dict:
        """Asset -> (user + holders - net deposits), for every asset that does not balance."""
        assets = set(self.external) | set(user_balances)
        for holder in self.balances.values():
            assets |= set(holder)
        out = {}
        for asset in sorted(assets):
            total = user_balances.get(asset, Fraction(0)) + sum(h.get(asset, Fraction(0)) for h in self.balances.values())
            if total != self.external.get(asset, Fraction(0)):
                out[asset] = total - self.external.get(asset, Fraction(0))
        return out
