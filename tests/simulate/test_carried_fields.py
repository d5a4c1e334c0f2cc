"""Positions carry the snapshot fields their rule reads (leverage, takerFeeRate, maintenance overrides)."""

from fractions import Fraction

import pytest

from verifier.simulate import BindingError, Refused, SimRule, simulator_for
from verifier.read import load_rule


def _world(rule_id, fields):
    sim = simulator_for(SimRule(load_rule(rule_id), None), debug=True)
    sim.add_account("A", "alice", "cross", mode="cross")
    sim.add_account("A-iso", "alice", "isolated", market="BTC/USDT:USDT")
    sim.set_prices({"BTC/USDT:USDT": Fraction(20000)})
    sim.deposit("A", "USDT", Fraction(10000))
    sim.transfer("A", "A-iso", "USDT", Fraction(400))
    sim.trade("A-iso", "BTC/USDT:USDT", "buy", Fraction(1), fields=fields)
    return sim


def test_leverage_and_fee_are_carried_and_read():
    sim = _world("bybit/linear-perpetual", {"leverage": 50, "takerFeeRate": 0})
    pos = sim.accounts["A-iso"].positions[("BTC/USDT:USDT", "both")]
    assert pos.fields == {"leverage": Fraction(50), "takerFeeRate": Fraction(0)}
    sim.set_prices({"BTC/USDT:USDT": Fraction(19701)})
    assert sim.accounts["A-iso"].status != "liquidated"
    sim.set_prices({"BTC/USDT:USDT": Fraction(19700)})  # the rule's worked example: 19,700 at 50x, MMR 0.5 %
    assert sim.accounts["A-iso"].status == "liquidated"


def test_missing_field_names_the_symbol_and_how_to_give_it():
    with pytest.raises(BindingError, match=r"symbol '(lev|extra)'.*field\(s\) leverage"):
        _world("bybit/linear-perpetual", None)


def test_unknown_carried_field_is_refused():
    with pytest.raises(Refused, match="cannot be opened with field 'foo'"):
        _world("bybit/linear-perpetual", {"foo": 1})


def test_maintenance_override_replaces_the_tier_row():
    tiered = _world("binance/usdm-perpetual", None)
    override = _world("binance/usdm-perpetual", {"maintenanceMarginPercentage": Fraction(1, 100),
                                                 "maintenanceAmount": 0})
    for sim in (tiered, override):
        sim.set_prices({"BTC/USDT:USDT": Fraction(19750)})  # 150 left: above the tier's MM, below 1 % of 19,750
    assert tiered.accounts["A-iso"].status != "liquidated"
    assert override.accounts["A-iso"].status == "liquidated"
