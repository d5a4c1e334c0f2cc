"""Unit tests of each simulator operation and refusal (futures and spot-margin rules)."""

import datetime as dt
from fractions import Fraction as F

import pytest

from verifier.simulate import ConservationError, Refused, SimRule, simulator_for
from verifier.read import load_rule

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"


@pytest.fixture(scope="module")
def futures_rule():
    return SimRule(load_rule("binance/usdm-perpetual"), dt.date(2026, 11, 21))


@pytest.fixture(scope="module")
def spot_rule():
    return SimRule(load_rule("binance/spot-margin"), dt.date(2026, 11, 21), inputs={"r": {"USDT": F(1, 100000)}})


@pytest.fixture
def fut(futures_rule):
    sim = simulator_for(futures_rule, debug=True)
    sim.add_account("A", "a", "cross")
    sim.add_account("A-BTC", "a", "isolated", market=BTC)
    sim.set_prices({BTC: F(60000), ETH: F(3000)})
    sim.deposit("A", "USDT", F(5000))
    return sim


@pytest.fixture
def spot(spot_rule):
    sim = simulator_for(spot_rule, debug=True)
    sim.add_account("X", "x", "cross")
    sim.add_account("X-ETH", "x", "isolated", market="ETH/USDT", mode="isolated")
    sim.set_prices({"ETH": F(200), "BCH": F(200)})
    return sim


# -- futures -----------------------------------------------------------------------------------------------------
def test_open_increase_reduce_close_and_flip(fut):
    fut.trade("A", ETH, "buy", F(1))
    fut.set_prices({ETH: F(3100)})
    fut.trade("A", ETH, "buy", F(1))  # increase: entry averages
    pos = fut.accounts["A"].positions[(ETH, "both")]
    assert (pos.size, pos.entry) == (F(2), F(3050))
    fut.trade("A", ETH, "sell", F(1, 2))  # reduce: realise 0.5 * (3100 - 3050) = 25
    assert fut.accounts["A"].cash["USDT"] == F(5025)
    fut.trade("A", ETH, "sell", F(5, 2))  # flip: close 1.5 (+75), open a 1 ETH short at 3100
    pos = fut.accounts["A"].positions[(ETH, "both")]
    assert (pos.side, pos.size, pos.entry) == (-1, F(1), F(3100))
    assert fut.accounts["A"].cash["USDT"] == F(5100)
    fut.close("A", ETH)
    assert not fut.accounts["A"].positions


def test_hedge_mode_positions_are_separate(fut):
    fut.set_position_mode("a", "hedge")
    fut.trade("A", ETH, "buy", F(1), "long")
    fut.trade("A", ETH, "sell", F(1), "short")
    assert set(fut.accounts["A"].positions) == {(ETH, "long"), (ETH, "short")}
    with pytest.raises(Refused, match="below zero"):
        fut.trade("A", ETH, "sell", F(2), "long")
    with pytest.raises(Refused, match="open positions"):
        fut.set_position_mode("a", "one-way")


def test_margin_mode_switch_refused_with_position_or_orders(fut):
    fut.trade("A", ETH, "buy", F(1))
    with pytest.raises(Refused, match="open position"):
        fut.set_margin_mode("a", ETH, "isolated")
    fut.close("A", ETH)
    fut.place_order("o1", "A", ETH, "buy", F(1), F(2900))
    with pytest.raises(Refused, match="open orders o1"):
        fut.set_margin_mode("a", ETH, "isolated")
    fut.cancel_order("o1")
    fut.set_margin_mode("a", ETH, "isolated")
    with pytest.raises(Refused, match="isolated margin mode"):
        fut.trade("A", ETH, "buy", F(1))


def test_isolated_trade_needs_its_market_and_margin_is_never_topped_up(fut):
    with pytest.raises(Refused, match="trades only"):
        fut.trade("A-BTC", ETH, "buy", F(1))
    fut.transfer("A", "A-BTC", "USDT", F(1000))
    fut.trade("A-BTC", BTC, "buy", F(1, 4))
    fut.set_prices({BTC: F(56100)})
    assert fut.accounts["A-BTC"].status == "liquidated"
    assert fut.accounts["A"].cash["USDT"] == F(4000)  # nothing pulled from the cross wallet
    kinds = [e.kind for e in fut.events if e.account == "A-BTC"]
    assert "liquidation" in kinds and "liquidation_fee" in kinds


def test_liquidation_cancels_orders_and_closes_every_cross_position(fut):
    fut.set_margin_mode("a", BTC, "cross")  # A-BTC is empty, so the switch is allowed
    fut.trade("A", BTC, "buy", F(1, 4))
    fut.trade("A", ETH, "buy", F(1))
    fut.place_order("o", "A", ETH, "sell", F(1), F(4000))
    fut.set_prices({BTC: F(40000), ETH: F(2000)})
    acc = fut.accounts["A"]
    assert acc.status == "liquidated" and not acc.positions and "o" not in fut.orders
    assert acc.cash["USDT"] >= 0


def test_remove_margin_refused_when_it_would_liquidate(fut):
    fut.transfer("A", "A-BTC", "USDT", F(1000))
    fut.trade("A-BTC", BTC, "buy", F(1, 4))
    with pytest.raises(Refused, match="liquidation condition"):
        fut.transfer("A-BTC", "A", "USDT", F(990))
    assert fut.accounts["A-BTC"].cash["USDT"] == F(1000)  # unchanged after the refusal


def test_overdraw_and_foreign_transfer_refused(fut, futures_rule):
    with pytest.raises(Refused, match="exceeds"):
        fut.withdraw("A", "USDT", F(5001))
    fut.add_account("B", "b", "cross")
    with pytest.raises(Refused, match="within one user"):
        fut.transfer("A", "B", "USDT", F(1))
    with pytest.raises(Refused, match="one cross account|already has a cross"):
        fut.add_account("A2", "a", "cross")


def test_spot_operations_refused_on_futures(fut):
    with pytest.raises(Refused, match="spot-margin operation"):
        fut.borrow("A", "USDT", F(1))


# -- spot margin -------------------------------------------------------------------------------------------------
def test_borrow_buy_sell_repay(spot):
    spot.deposit("X", "USDT", F(400))
    spot.borrow("X", "USDT", F(1600))
    assert spot.accounts["X"].interest["USDT"] == F(1600, 100000)  # first hour at borrowing
    spot.buy("X", "BCH/USDT", F(5))
    spot.sell("X", "BCH/USDT", F(5))
    spot.repay("X", "USDT", F(1600) + F(1600, 100000))
    acc = spot.accounts["X"]
    assert acc.debt["USDT"] == 0 and acc.interest["USDT"] == 0
    assert acc.cash["USDT"] == F(400) - F(1600, 100000)


def test_interest_charged_per_started_hour(spot_rule):
    """Exchange-rules M4: 1,000 borrowed 13:20, repaid 14:15, 0.001 %/h -> 2 hours charged = 0.02."""
    sim = simulator_for(spot_rule, debug=True, time=dt.datetime(2026, 11, 21, 13, 20))
    sim.add_account("X", "x", "cross")
    sim.set_prices({"ETH": F(200)})
    sim.deposit("X", "USDT", F(1000))
    sim.borrow("X", "USDT", F(1000))
    sim.advance(dt.datetime(2026, 11, 21, 14, 15))
    assert sim.accounts["X"].interest["USDT"] == F(2, 100)


def test_isolated_pair_holds_only_its_assets(spot):
    with pytest.raises(Refused, match="holds only ETH and USDT"):
        spot.deposit("X-ETH", "BTC", F(1))
    with pytest.raises(Refused, match="needs .* USDT"):
        spot.buy("X", "BCH/USDT", F(1))


def test_transfer_out_limit_of_the_rule(spot):
    spot.deposit("X", "USDT", F(400))
    spot.borrow("X", "USDT", F(400))  # margin level 2: transfer-out needs > 2
    with pytest.raises(Refused, match="transfer-out limit"):
        spot.transfer("X", "X-ETH", "USDT", F(10))
    spot.repay("X", "USDT", F(200))
    spot.transfer("X", "X-ETH", "USDT", F(10))


def test_repay_more_than_owed_refused(spot):
    spot.deposit("X", "USDT", F(400))
    spot.borrow("X", "USDT", F(100))
    with pytest.raises(Refused, match="exceeds what"):
        spot.repay("X", "USDT", F(200))


def test_unknown_account_and_missing_price(spot):
    with pytest.raises(Refused, match="no account"):
        spot.deposit("nope", "USDT", F(1))
    spot.deposit("X", "USDT", F(10))
    with pytest.raises(Refused, match="no mark price"):
        spot.buy("X", "SOL/USDT", F(1))


def test_conservation_is_still_checked_after_a_price_update_that_moved_nothing():
    """The check compares the funds with the ones last found conserved; a balance changed behind the ledger's
    back since then is caught at the next update."""
    sim = simulator_for(SimRule(load_rule("binance/usdm-perpetual"), dt.date(2026, 11, 21)), debug=True)
    sim.add_account("A", "a", "cross")
    sim.set_prices({"BTC/USDT:USDT": F(60000)})
    sim.deposit("A", "USDT", F(1000))
    sim.set_prices({"BTC/USDT:USDT": F(60001)})  # nothing moved: the same funds as after the deposit
    sim.accounts["A"].cash["USDT"] += F(1, 10**9)
    with pytest.raises(ConservationError, match="not conserved"):
        sim.set_prices({"BTC/USDT:USDT": F(60002)})
