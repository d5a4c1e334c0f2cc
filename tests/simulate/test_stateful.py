"""Hypothesis stateful test: random operations and price moves never break the simulator's invariants.

After every step: funds are conserved (debug mode asserts it inside the simulator, and we check again),
no user balance is negative, an isolated account never loses more than was put into it, an isolated
liquidation changes no other account, and a cross liquidation leaves no cross position open.
"""

import copy
import datetime as dt
from fractions import Fraction as F

from hypothesis import event, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from verifier.simulate import Refused, SimRule, simulator_for
from verifier.read import load_rule

MARKETS = ["BTC/USDT:USDT", "ETH/USDT:USDT"]
START = {"BTC/USDT:USDT": F(60000), "ETH/USDT:USDT": F(3000)}
RULE = SimRule(load_rule("binance/usdm-perpetual"), dt.date(2026, 11, 21))
ACCOUNTS = ["U", "U-BTC", "U-ETH", "V"]

amounts = st.integers(1, 400).map(lambda n: F(n, 100))  # 0.01 .. 4 (contracts)
funds = st.integers(1, 50).map(lambda n: F(n * 100))
moves = st.integers(-25, 25).map(lambda n: 1 + F(n, 100))  # -25 % .. +25 %


def _state(account):
    return (dict(account.cash), {k: (p.side, p.size, p.entry) for k, p in account.positions.items()})


class SimulatorMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.sim = simulator_for(RULE, debug=True)
        self.sim.add_account("U", "u", "cross")
        self.sim.add_account("U-BTC", "u", "isolated", market="BTC/USDT:USDT")
        self.sim.add_account("U-ETH", "u", "isolated", market="ETH/USDT:USDT")
        self.sim.add_account("V", "v", "cross")
        self.sim.set_prices(dict(START))
        self.order_ids = 0

    def _try(self, action, *args):
        before = copy.deepcopy({a: _state(acc) for a, acc in self.sim.accounts.items()})
        try:
            action(*args)
        except Refused:
            after = {a: _state(acc) for a, acc in self.sim.accounts.items()}
            assert after == before, "a refused action changed the state"

    @rule(account=st.sampled_from(ACCOUNTS), amount=funds)
    def deposit(self, account, amount):
        self._try(self.sim.deposit, account, "USDT", amount)

    @rule(source=st.sampled_from(ACCOUNTS[:3]), to=st.sampled_from(ACCOUNTS[:3]), amount=funds)
    def transfer(self, source, to, amount):
        self._try(self.sim.transfer, source, to, "USDT", amount)

    @rule(account=st.sampled_from(ACCOUNTS), amount=funds)
    def withdraw(self, account, amount):
        self._try(self.sim.withdraw, account, "USDT", amount)

    @rule(account=st.sampled_from(ACCOUNTS), market=st.sampled_from(MARKETS), side=st.sampled_from(["buy", "sell"]),
          amount=amounts)
    def trade(self, account, market, side, amount):
        self._try(self.sim.trade, account, market, side, amount)

    @rule(account=st.sampled_from(ACCOUNTS), market=st.sampled_from(MARKETS))
    def close(self, account, market):
        self._try(self.sim.close, account, market)

    @rule(account=st.sampled_from(ACCOUNTS), market=st.sampled_from(MARKETS))
    def place_order(self, account, market):
        self.order_ids += 1
        self._try(self.sim.place_order, f"o{self.order_ids}", account, market, "buy", F(1, 10), F(1000))

    @precondition(lambda self: self.sim.orders)
    @rule(data=st.data())
    def cancel_order(self, data):
        self._try(self.sim.cancel_order, data.draw(st.sampled_from(sorted(self.sim.orders))))

    @rule(user=st.sampled_from(["u", "v"]), market=st.sampled_from(MARKETS),
          mode=st.sampled_from(["cross", "isolated"]))
    def switch_margin_mode(self, user, market, mode):
        self._try(self.sim.set_margin_mode, user, market, mode)

    @rule(market=st.sampled_from(MARKETS), move=moves)
    def price_move(self, market, move):
        sim = self.sim
        before = {a: (_state(acc), acc.liquidations) for a, acc in sim.accounts.items()}
        price = max(sim.prices[market] * move, F(1))
        sim.step += 1
        sim.set_prices({market: price})
        for id, account in sim.accounts.items():
            state, count = before[id]
            if account.liquidations == count:
                assert _state(account) == state, f"{id} changed without being liquidated"
            else:
                event(f"{account.kind} liquidation")
            if account.liquidations != count and account.kind == "cross":
                assert not account.positions, "a cross liquidation left a cross position open"
            assert not any(o.account == id for o in sim.orders.values()) or account.liquidations == count

    @invariant()
    def funds_conserved(self):
        assert self.sim.ledger.imbalance(self.sim.user_balances()) == {}

    @invariant()
    def balances_never_negative(self):
        for account in self.sim.accounts.values():
            assert all(v >= 0 for v in account.cash.values()), account.id
            assert self.sim.equity(account) >= 0 or self.sim.evaluate(account).status == "liquidation"

    @invariant()
    def isolated_loss_bounded_by_collateral(self):
        for account in self.sim.accounts.values():
            if account.kind == "isolated":
                loss = account.allocated - self.sim.equity(account)
                assert loss <= account.allocated


TestSimulatorMachine = SimulatorMachine.TestCase
