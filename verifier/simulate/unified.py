"""The unified-margin engine: one account of many coins, each valued in USD at its own price.

A unified account (Bybit UTA, Binance Portfolio Margin, OKX multi-currency margin) is its coins: for each, the
amount held, the loan and its interest, the coin's USD price, and what the derivatives settled in it contribute,
the snapshot fields the rule reads (``maintenanceMargin`` in USD; OKX also ``notional`` and ``takerFeeRate``).
Each coin is one position of the rule, market ``COIN/USD`` of the rule's collateral catalog (its haircut tier,
its loan rate); the rule's others-sums (``CV1``, ``MM1``) run over the account's other coins, and its own
conditions (the account margin rate against the action levels) judge the account after every price event, as
for every other product: nothing here knows a formula or a level.

Unlike spot margin, every coin has a price (a stablecoin's USD price too): the valuation currency (the scenario's
``quote``, ``USD``) is the only asset at 1, and what a liquidation realises is paid in it.  The positions'
margin is held as set (``set_derivatives``) when prices move: their own profit and loss is not simulated, as the
rules hold it (docs/unified-margin.md).

>>> from verifier.read import load_rule
>>> sim = UnifiedMarginSimulator(SimRule(load_rule("binance/portfolio-margin"), None, inputs={"BMMR": 0}),
...                              quote="USD", debug=True)
>>> sim.add_account("A", "alice", "cross")
>>> sim.set_prices({"BTC": Fraction(20000), "USDC": Fraction(1)})
>>> sim.deposit("A", "BTC", Fraction(1))
>>> sim.set_derivatives("A", "USDC", {"maintenanceMargin": Fraction(1000)})
>>> sim.evaluate_all()  # what a scenario step does after its actions
>>> sim.accounts["A"].margin_level  # uniMMR = 0.95 x 20,000 / 1,000
Fraction(19, 1)
>>> sim.set_prices({"BTC": Fraction(1000)})
>>> sim.accounts["A"].status, sim.accounts["A"].margin_level
('liquidated', Fraction(19, 20))
"""

from __future__ import annotations

from fractions import Fraction

from verifier.model.numbers import exact_text
from verifier.simulate.accounts import Account
from verifier.simulate.binding import SimRule  # noqa: F401 - for the doctest
from verifier.simulate.core import ZERO, Refused, split_market
from verifier.simulate.spot import SpotMarginSimulator

DERIVATIVE_FIELDS = ("maintenanceMargin", "notional", "takerFeeRate")
"""Snapshot fields the derivatives settled in a coin may carry (the unified rules' ``PM``, ``N``, ``fee``)."""


class UnifiedMarginSimulator(SpotMarginSimulator):
    """Unified margin: the spot-margin account's coins and loans, every coin priced in the valuation currency,
    and per coin the margin of the derivatives settled in it."""

    PRODUCT = "unified margin"
    VERBS = SpotMarginSimulator.VERBS + ("set_derivatives",)

    def apply_product(self, verb: str, args: dict) -> None:
        if verb == "set_derivatives":
            self.set_derivatives(args["account"], args["asset"],
                                 {k: args[k] for k in DERIVATIVE_FIELDS if k in args})
        else:
            super().apply_product(verb, args)

    def price_of(self, instrument: str) -> Fraction:
        return Fraction(1) if instrument == self.quote else super(SpotMarginSimulator, self).price_of(instrument)

    # -- the derivatives of a coin ----------------------------------------------------------------------------
    def set_derivatives(self, account: str, asset: str, fields: dict) -> None:
        """What the positions settled in ``asset`` now hold (fields of :data:`DERIVATIVE_FIELDS`, >= 0); opening
        or growing them may not leave the account at its liquidation condition."""
        self._atomic(self._set_derivatives, account, asset, fields)

    def _set_derivatives(self, account_id, asset, fields):
        account = self._account(account_id)
        self._check_asset(account, asset)
        for name, value in fields.items():
            if value < 0:
                raise Refused(f"{name} of the positions in {asset} must be >= 0, not {exact_text(value)}")
        before = account.derivatives.get(asset, {})
        account.derivatives[asset] = dict(fields)
        if any(fields.get(k, ZERO) > before.get(k, ZERO) for k in fields):  # reducing risk is always allowed
            self._not_liquidatable(account, "set_derivatives")
        self._log(account.id, "derivatives", f"positions settled in {asset}: "
                  + ", ".join(f"{k} {exact_text(v)}" for k, v in fields.items()), **fields)

    # -- what a position is -----------------------------------------------------------------------------------
    def _assets(self, account: Account) -> list:
        held = super()._assets(account)
        extra = [c for c, f in account.derivatives.items() if any(f.values()) and c not in held]
        return sorted(held + extra) if extra else held

    def position_fields(self, account: Account) -> list:
        """Every coin as the rule reads it; the valuation currency (what a liquidation paid out) is no coin."""
        out = []
        for fields, _, asset in super().position_fields(account):
            if asset == self.quote:
                continue
            held = account.derivatives.get(asset, {})
            fields.update(maintenanceMargin=ZERO, notional=ZERO)  # no positions in the coin: nothing held
            if not held.get("notional"):
                fields["takerFeeRate"] = ZERO  # a fee rate on no notional charges nothing whatever it is
            fields.update(held)
            out.append((fields, f"{asset}/{self.quote}", asset))
        return out

    def holds_market(self, account: Account, market: str) -> bool:
        base = market.partition("/")[0]
        return super().holds_market(account, market) or any(account.derivatives.get(base, {}).values())

    def _check_asset(self, account: Account, asset: str) -> None:
        if account.kind != "cross":
            raise Refused(f"a unified account is one cross account; {account.id} is {account.kind}")
        if asset == self.quote:
            raise Refused(f"{asset} is the valuation currency the coins are priced in, not a coin of the account "
                          "(hold a coin of the rule's catalog, such as USDT)")
        self._coin_known(account, asset)

    def _coin_known(self, account: Account, asset: str) -> None:
        """The rule can value ``asset``: its price is set, and its catalog has its collateral ratio (else the
        binding's located error, MV606, at the action that brings the coin in)."""
        price = self.price_of(asset)
        fields = {"total": ZERO, "debt": ZERO, "interest": ZERO, "markPrice": price, "price": price,
                  "maintenanceMargin": ZERO, "notional": ZERO, "takerFeeRate": ZERO}
        self.rule.mode(account.mode).position_values(fields, f"{asset}/{self.quote}", asset)

    def _exchange(self, account_id, market, side, amount):
        if self.quote in split_market(market)[:2]:
            raise Refused(f"{market} trades the valuation currency {self.quote}, not a coin of the account "
                          "(trade against a coin of the rule's catalog, such as BTC/USDT)")
        super()._exchange(account_id, market, side, amount)

    # -- liquidation ------------------------------------------------------------------------------------------
    def _close_out(self, account: Account) -> None:
        """Every coin sold (or bought back) at its price into the valuation currency, every loan repaid, and the
        derivatives closed (their margin released: no profit or loss of theirs is simulated)."""
        super()._close_out(account)
        account.derivatives.clear()
