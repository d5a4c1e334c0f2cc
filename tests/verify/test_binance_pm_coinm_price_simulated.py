"""A Binance Portfolio Margin COIN-M (inverse) position's price of liquidation (evaluate, through derive) held against
the reference simulator (``verifier.simulate``, which never imports derive), issue 29 item 5.

Generated Portfolio Margin accounts under the shipped rule and catalogs: a BTC asset (its COIN-M wallet and unrealised
PnL; collateral rate 0.95), a USDC asset (its USDⓈ-M wallet; rate 1) and one BTC/USD:BTC perpetual (contracts of
100 USD), long or short, in the shape ccxt's account method gives it (``info.maintMargin`` in BTC) with its
``markPrice`` filled; optionally a USDC-settled row of ccxt's account method (``markPrice`` null: unpriced) whose
margin loads the account, and optionally a BTC delivery contract's row (``BTC/USD:BTC-261225``, ``markPrice``
null: unpriced) whose margin is held in BTC.  The rule prices a ``*/USD:*`` row by ``binance/coinm-perpetual``.  ``evaluate`` gives the
position's price of liquidation ``X``, BTC's USD price moving with the mark in proportion (``P = P0 X / X0``;
docs/unified-margin.md).  The simulator side rebuilds the account at ``X`` from scratch: the position's maintenance
margin and unrealised PnL in BTC at ``X`` by the product rule's definitions over the simulator's own binding (its
bracket at ``X``), BTC holding its amount moved by the PnL, BTC's price ``P0 X / X0``, BTC's futures margin that
position's at ``X`` and the delivery row's held in BTC, valued at that price, USDC and its load held; then the simulator's own judgement of the account
(uniMMR at 105 %).  At the price it must be liquidated, and a millionth of the price before it (toward the mark)
not.

Where the loss would make BTC owe before liquidation, evaluate gives no price (the loan rate BMMR has no source):
those accounts are skipped (``assume``), as are the simulator's.
"""

from __future__ import annotations

import datetime as _dt
import json
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from verifier.derive.account import evaluate_account
from verifier.read import load_rule
from verifier.read.positions_file import read_positions
from verifier.simulate import SimRule

from tests.decimal_text import dec
from tests.product_at import product_at as shared_product_at
from tests.unified_simulation import simulated_liquidation

# the property and the check that it priced accounts (file order) in one process, so that the check never skips
pytestmark = pytest.mark.xdist_group("binance_pm_coinm_price_simulated")

DATE = _dt.date(2026, 12, 7)  # the COIN-M catalog's BTC/USD:BTC brackets are in force; USDC's rate is 1
RULE = load_rule("binance/portfolio-margin")
PRODUCT = load_rule("binance/coinm-perpetual")
SIZE = F(100)  # USD a BTCUSD_PERP contract
NICE = [F(n) for n in (25000, 31250, 32000, 40000, 50000, 62500, 64000, 80000, 100000)]  # 1/x terminates
PRICED: list = []  # the prices the generated accounts got (the property is not vacuous: see the last test)



def asset(code, um="0", cm="0", cm_pnl="0") -> dict:
    """One /papi/v1/balance element."""
    return {"asset": code, "totalWalletBalance": str(F(um) + F(cm)), "crossMarginAsset": "0",
            "crossMarginBorrowed": "0", "crossMarginFree": "0", "crossMarginInterest": "0",
            "crossMarginLocked": "0", "umWalletBalance": um, "umUnrealizedPNL": "0", "cmWalletBalance": cm,
            "cmUnrealizedPNL": cm_pnl, "updateTime": 1796601600000, "negativeBalance": "0"}


def row(side, contracts, entry, mark, maint) -> dict:
    """One ccxt Position of fetch_positions(params={'method': 'account', 'portfolioMargin': True, 'subType':
    'inverse'}), markPrice filled."""
    amount = contracts if side == "long" else -contracts
    _, upnl = product_at(mark, side, contracts, entry)
    return {"info": {"symbol": "BTCUSD_PERP", "initialMargin": "0", "maintMargin": dec(maint),
                     "unrealizedProfit": dec(upnl), "positionSide": "BOTH", "positionAmt": dec(amount),
                     "entryPrice": dec(entry), "leverage": "20", "notionalValue": dec(amount * SIZE / mark),
                     "updateTime": 1796601600000},
            "symbol": "BTC/USD:BTC", "contracts": float(contracts), "contractSize": float(SIZE),
            "entryPrice": float(entry), "markPrice": float(mark), "notional": float(contracts * SIZE / mark),
            "leverage": 20.0, "unrealizedPnl": float(upnl), "side": side, "maintenanceMargin": float(maint),
            "marginMode": "cross", "hedged": False}


def load_row(maint) -> dict:
    """A USDC-settled row as ccxt's account method gives it (markPrice null: unpriced, its margin summed)."""
    return {"info": {"symbol": "ETHUSDC", "initialMargin": "0", "maintMargin": dec(maint), "unrealizedProfit": "0",
                     "positionSide": "BOTH", "positionAmt": "1", "entryPrice": "3000", "notional": "3000",
                     "updateTime": 1796601600000},
            "symbol": "ETH/USDC:USDC", "contracts": 1.0, "contractSize": 1.0, "entryPrice": 3000.0, "markPrice": None,
            "notional": 3000.0, "leverage": 10.0, "unrealizedPnl": 0.0, "side": "long",
            "maintenanceMargin": float(maint), "marginMode": "cross", "hedged": False}


def delivery_row(maint) -> dict:
    """A BTC-settled delivery contract's row as ccxt's account method gives it (markPrice null: unpriced)."""
    found = row("short", F(100), F(62500), F(62500), maint)
    found["info"].update(symbol="BTCUSD_261225", unrealizedProfit="0")
    found.update(symbol="BTC/USD:BTC-261225", markPrice=None, unrealizedPnl=0.0)
    return found


def export(side, contracts, entry, mark, btc_price, wallet, usdc, load, other=F(0)) -> dict:
    """The {balance, positions, prices} export; the position's maintMargin is the product rule's at the mark."""
    mm, pnl = product_at(mark, side, contracts, entry)
    assets = [asset("BTC", cm=dec(wallet), cm_pnl=dec(pnl))] + ([asset("USDC", um=dec(usdc))] if usdc else [])
    return {"balance": {"info": assets, "timestamp": None, "datetime": None, "free": {}, "used": {}, "total": {}},
            "positions": [row(side, contracts, entry, mark, mm)] + ([load_row(load)] if load else [])
                         + ([delivery_row(other)] if other else []),
            "prices": {"BTC": dec(btc_price)} | ({"USDC": "1"} if usdc else {})}


def product_at(x, side, contracts, entry):
    """(maintenance margin, upnl) in BTC of the position at price ``x`` by the product rule's definitions over the
    simulator's binding (its bracket at ``x``): no derive."""
    return shared_product_at(PRODUCT, DATE, "BTC/USD:BTC", x, side, contracts, entry, SIZE)


def evaluated(tmp_path, data):
    path = tmp_path / "pm.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    (account,) = read_positions(RULE, path).accounts
    return evaluate_account(RULE, account, date=DATE).derivatives[0]


def simulated_liquidated(x, side, contracts, entry, mark, btc_price, wallet, usdc, load, other=F(0)) -> bool:
    """The simulator's verdict on the account with the position's mark at ``x`` and BTC's USD price with it."""
    mm, pnl = product_at(x, side, contracts, entry)
    _, pnl0 = product_at(mark, side, contracts, entry)
    held = wallet + pnl0 + pnl - pnl0  # A at the mark (wallet + unrealised) moved by the PnL
    assert held > 0  # evaluate gives no price where BTC would owe first (no loan rate)
    price = btc_price * x / mark

    def fund(sim):
        sim.deposit("U", "BTC", held)
        if usdc:
            sim.deposit("U", "USDC", usdc)
        sim.set_derivatives("U", "BTC", {"maintenanceMargin": (mm + other) * price})
        if load:
            sim.set_derivatives("U", "USDC", {"maintenanceMargin": load})

    # BMMR has no source; nothing owes here, so any value gives the same verdict (0.1 is the test's, not data)
    return simulated_liquidation(SimRule(RULE, DATE, inputs={"BMMR": F(1, 10)}), {"BTC": price, "USDC": F(1)}, fund)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(side=st.sampled_from(["long", "short"]), contracts=st.integers(1, 300000).map(F),
       entry=st.sampled_from(NICE), mark=st.sampled_from(NICE), basis=st.sampled_from([F(1), F("1.001"), F("0.998")]),
       leverage=st.sampled_from([2, 4, 5, 8, 10, 16, 20, 25, 40, 50]), usdc=st.sampled_from([F(0), F(100), F(2500)]),
       load=st.integers(0, 90), other=st.sampled_from([F(0), F("0.0005"), F("0.02")]))
def test_the_simulator_liquidates_at_evaluates_position_price(tmp_path, side, contracts, entry, mark, basis,
                                                              leverage, usdc, load, other):
    # BTC's wallet: the position's notional at entry over ``leverage``; the load: ``load`` % of what USDC holds at 105 %
    wallet = contracts * SIZE / entry / leverage
    others = F(int(usdc * load / 105))
    btc_price = mark * basis
    assume(wallet + product_at(mark, side, contracts, entry)[1] > 0)  # BTC held at the mark (a balance owes no loan)
    args = (side, contracts, entry, mark, btc_price, wallet, usdc, others, other)
    found = evaluated(tmp_path, export(*args)).liquidation
    assert found.rule == "binance/coinm-perpetual"
    assume(found.price is not None)
    PRICED.append(found.price)
    price = found.price
    assert (price < mark) if side == "long" else (price > mark)
    assert found.settle_price == btc_price * price / mark
    assert simulated_liquidated(price, *args)
    before = price + (mark - price) / 10**6
    assert not simulated_liquidated(before, *args)


def test_a_short_by_hand(tmp_path):
    # 0.1 BTC against 300 contracts short at 60,000... here 62,500 (0.48 BTC): BTC held 0.1 + 30,000 (1/X - 1/62,500)
    # = 30,000 / X - 0.38, worth 30,000 - 0.38 X USD; margin 30,000 / X x 0.4 % x X = 120 USD (first bracket above
    # 6,000); 0.95 (30,000 - 0.38 X) = 1.05 x 120: X = 28,374 / 0.361 (~78,598.3; BTC still held, ~0.0017)
    args = ("short", F(300), F(62500), F(62500), F(62500), F("0.1"), F(0), F(0))
    found = evaluated(tmp_path, export(*args)).liquidation
    assert found.price == F(28374) / F("0.361") and found.reason is None
    assert found.settle_price == found.price and found.rule_maintenance == F("0.00192")
    assert simulated_liquidated(found.price, *args)
    assert not simulated_liquidated(found.price - F(1, 1000), *args)


def test_the_generated_accounts_were_priced():
    """Run after the property (file order): most generated accounts got a price, so it held something."""
    if not PRICED:
        pytest.skip("the property did not run in this process")
    assert len(PRICED) >= 3
