"""The futures engine: an account holds a wallet in each settlement asset and contract positions.

Trades open, increase, reduce, close or flip a position at the mark price; the closed part's profit is
the rule's ``upnl`` and moves into the wallet.  A liquidation closes every position at the mark price.

>>> from verifier.read import load_rule
>>> sim = FuturesSimulator(SimRule(load_rule("binance/usdm-perpetual"), None), debug=True)
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

from fractions import Fraction

from verifier.model.numbers import exact_text
from verifier.model.scenario import CARRIED
from verifier.simulate.accounts import Account, Position
from verifier.simulate.binding import SimRule  # noqa: F401 - for the doctest
from verifier.simulate.core import ZERO, Refused, Simulator, split_market


_ONE = Fraction(1)
_SIDES = {1: _ONE, -1: Fraction(-1)}  # the same objects every time: each is converted to GMP once (compiled.exact)


class FuturesSimulator(Simulator):
    """Linear and inverse perpetuals: wallets, positions, one-way or hedge mode."""

    PRODUCT = "futures"
    VERBS = Simulator.VERBS + ("trade", "close", "set_position_mode")
    def foreign(self, what: str) -> str:
        return f"{what} is a spot-margin operation; rule {self.rule.rule.id} is {self.rule.rule.product}"

    def apply_product(self, verb: str, args: dict) -> None:
        if verb == "trade":
            carried = {k: args[k] for k in CARRIED if k in args}
            self.trade(args["account"], args["market"], args["side"], args["amount"], args.get("position_side"),
                       carried or None)
        elif verb == "close":
            self.close(args["account"], args["market"], args.get("position_side"))
        else:
            self.set_position_mode(args["user"], args["mode"])

    def borrow(self, account: str, asset: str, amount) -> None:
        raise Refused(self.foreign("borrow"))

    def repay(self, account: str, asset: str, amount) -> None:
        raise Refused(self.foreign("repay"))

    def buy(self, account: str, market: str, amount) -> None:
        raise Refused(self.foreign("buy"))

    def sell(self, account: str, market: str, amount) -> None:
        raise Refused(self.foreign("sell"))

    # -- what a position is -----------------------------------------------------------------------------------
    def position_fields(self, account: Account) -> list:
        return [(self._fields(account, pos, pos.size), pos.market, pos.market) for pos in account.positions.values()]

    def _fields(self, account: Account, pos: Position, size: Fraction) -> dict:
        """A position's snapshot fields: the simulator's state plus what the position carries.

        An isolated position's ``collateral`` is its account's wallet, and its ``walletBalance`` the owner's cross
        wallet (what a snapshot of the user's account says): a rule that reads the wallet where it means the
        collateral sees the owner's other funds.  A cross position has no collateral of its own (the rule's
        ``initial_margin`` stands for it, see :class:`~verifier.simulate.binding.SimMode`).
        """
        price = self.price_of(pos.market)
        settle = split_market(pos.market)[2]
        wallet = account.cash[settle]
        fields = dict(pos.fields)
        fields.update({"contracts": size, "contractSize": _ONE, "entryPrice": pos.entry, "markPrice": price,
                       "price": price, "side": _SIDES[pos.side], "walletBalance": wallet, "notional": size * price})
        if account.kind == "isolated":
            fields["collateral"] = wallet
            owner = self.users[account.user].cross
            fields["walletBalance"] = self.accounts[owner].cash[settle] if owner is not None else ZERO
        return fields

    def equity(self, account: Account) -> Fraction:
        """The wallet plus the rule's unrealised PnL of every position."""
        total = sum(account.cash.values(), ZERO)
        mode = self.rule.mode(account.mode)
        if "upnl" in mode.definitions:  # a position's own PnL: the others-sums are not needed
            for fields, market, instrument in self.position_fields(account):
                total += mode.definition("upnl", mode.position_values(fields, market, instrument))
        return total

    def value_of(self, asset: str, amount: Fraction) -> Fraction:
        return amount  # a wallet counts in its own asset

    def holds_market(self, account: Account, market: str) -> bool:
        return any(p.market == market for p in account.positions.values())

    # -- trades -----------------------------------------------------------------------------------------------
    def _realise(self, account: Account, pos: Position, size: Fraction) -> Fraction:
        """Move the profit of closing ``size`` of ``pos`` at the mark price (the rule's ``upnl``) into the wallet."""
        mode = self.rule.mode(account.mode)
        settle = split_market(pos.market)[2]
        fields = self._fields(account, pos, size)
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

    def _position_key(self, account: Account, market: str, position_side: str | None) -> tuple:
        user = self.users[account.user]
        if user.position_mode == "hedge":
            if position_side not in ("long", "short"):
                raise Refused("in hedge mode a trade names its position side: 'long' or 'short'")
            if account.kind == "isolated" and account.position_side not in (None, position_side):
                raise Refused(f"isolated account {account.id} holds the {account.position_side} position only")
        elif position_side not in (None, "both"):
            raise Refused(f"position side {position_side!r} needs hedge mode; user {user.id} is in one-way mode")
        return market, position_side if user.position_mode == "hedge" else "both"

    def _trade(self, account_id, market, side, amount, position_side, fields=None):
        account, amount = self._account(account_id), self._positive(amount)
        carried = {}
        for name, value in (fields or {}).items():
            if name not in CARRIED:
                raise Refused(f"a position cannot be opened with field {name!r}; it may carry "
                              + ", ".join(CARRIED))
            carried[name] = value if type(value) is Fraction else Fraction(value)
        if side not in ("buy", "sell"):
            raise Refused(f"side must be 'buy' or 'sell', not {side!r}")
        self._check_market_mode(account, market)
        key = self._position_key(account, market, position_side)
        price = self.price_of(market)
        delta = amount if side == "buy" else -amount
        pos = account.positions.get(key)
        old = pos.side * pos.size if pos else ZERO
        new = old + delta
        if key[1] == "long" and new < 0 or key[1] == "short" and new > 0:
            raise Refused(f"a hedge-mode {key[1]} position cannot be reduced below zero "
                          f"(holds {exact_text(abs(old))}, trade {exact_text(amount)})")
        pnl = ZERO
        if pos and (old > 0) != (delta > 0):  # reduce, close or flip: realise the closed part
            pnl = self._realise(account, pos, min(abs(old), abs(delta)))
        what = self._resize(account, key, pos, old, new, delta, price, carried)
        if account.cash[split_market(market)[2]] < 0:
            raise Refused(f"the realised loss {exact_text(-pnl)} exceeds the wallet of {account.id}")
        self._not_liquidatable(account, "trade")
        self._log(account.id, "trade", f"{side} {exact_text(amount)} {market} at {exact_text(price)}: "
                  f"position {what}", amount=amount, price=price, realised=pnl)

    @staticmethod
    def _resize(account, key, pos, old, new, delta, price, carried) -> str:
        """Set the position's new size (and entry, when it grows or flips); say what happened to it."""
        market = key[0]
        if new == 0:
            account.positions.pop(key, None)
            return "closed"
        if old == 0 or (old > 0) != (new > 0):
            kept = dict(pos.fields) if pos else {}
            account.positions[key] = Position(market, 1 if new > 0 else -1, abs(new), price, key[1],
                                              {**kept, **carried})
            return "opened" if old == 0 else "flipped"
        if abs(new) > abs(old):
            entry = (abs(old) * pos.entry + abs(delta) * price) / abs(new)
            account.positions[key] = Position(market, pos.side, abs(new), entry, key[1], {**pos.fields, **carried})
            return "increased"
        pos.size = abs(new)
        pos.fields.update(carried)
        return "reduced"

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
        if mode not in self.rule.rule.position_modes:
            raise Refused(f"rule {self.rule.rule.id} allows position modes {', '.join(self.rule.rule.position_modes)}")
        user = self.users.get(user_id)
        if user is None:
            raise Refused(f"no user {user_id!r}")
        if any(a.positions for a in self.accounts.values() if a.user == user_id):
            raise Refused(f"user {user_id} has open positions: close them before switching to {mode} mode")
        user.position_mode = mode
        self._log(None, "position_mode", f"user {user_id} now in {mode} mode")

    # -- liquidation ------------------------------------------------------------------------------------------
    def _liquidation_fees(self, account: Account, check) -> dict:
        mode = self.rule.mode(account.mode)
        fees: dict = {}
        for pos, values in zip(account.positions.values(), check.values):
            settle = split_market(pos.market)[2]
            fees[settle] = fees.get(settle, ZERO) + mode.liquidation_fee(values)
        return fees

    def _close_out(self, account: Account) -> None:
        for key, pos in list(account.positions.items()):
            pnl = self._realise(account, pos, pos.size)
            del account.positions[key]
            self._log(account.id, "position_closed", f"{pos.market} closed at the mark price", realised=pnl)
