"""The account model, its reader and evaluate_account, in-process (the CLI tests run the same as a user)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import pytest

from verifier.derive import price_at
from verifier.derive.account import evaluate_account
from verifier.derive.account.setting import select_mode
from verifier.errors import EvaluationError, SpecError
from verifier.model.evaluate import substitutions, used_parameters
from verifier.read import load_rule
from verifier.read.account import account_from_data

POSITION = {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "entryPrice": "60000", "markPrice": "60000"}


def test_reader_reads_decimals_exactly_from_strings_numbers_and_floats():
    account = account_from_data({"marginMode": "cross", "walletBalance": 0.1,
                                 "positions": [{**POSITION, "contracts": "109.488", "entryPrice": 32481.98}]})
    fields = account.positions[0].fields
    assert account.wallet_balance == F(1, 10) and fields["contracts"] == F("109.488")
    # no contractSize in the file: the reader does not guess 1; evaluation takes the market catalog's
    assert fields["entryPrice"] == F("32481.98") and "contractSize" not in fields
    assert account.kind == "futures" and account.position_mode == "one-way"


def test_reader_collects_every_problem_of_a_file():
    with pytest.raises(SpecError) as error:
        account_from_data({"marginMode": "cross", "positions": [{**POSITION, "side": "up", "contracts": "x"},
                                                                {**POSITION, "leverage": None}]})
    codes = sorted(d.code for d in error.value.diagnostics)
    assert codes == ["MV601", "MV602"]  # null is 'unknown' for an optional field: the same as absent


def test_spot_balances_become_positions_with_the_quote_at_price_1():
    account = account_from_data({"marginMode": "cross", "quote": "USDT", "prices": {"BTC": "30000"},
                                 "balances": {"USDT": {"debt": "20000"}, "BTC": {"total": "1"}}})
    usdt, btc = account.positions
    assert usdt.quote and usdt.side == "short" and usdt.fields["price"] == 1 and usdt.fields["total"] == 0
    assert not btc.quote and btc.side == "long" and btc.fields["markPrice"] == 30000


def test_mode_by_name_and_by_declared_leverage():
    rule = load_rule("binance/spot-margin")
    spot = {"marginMode": "isolated", "quote": "USDT", "prices": {"BTC": "1"}, "balances": {"BTC": {"total": "1"}}}
    assert select_mode(rule, account_from_data({**spot, "leverage": 5})).name == "isolated-5x"
    assert select_mode(rule, account_from_data({**spot, "mode": "isolated-3x"})).name == "isolated-3x"
    assert select_mode(rule, account_from_data(spot)).name == "isolated"
    assert rule.modes["isolated-3x"].leverage == 3 and rule.modes["cross"].leverage == 5  # declared in the rule


def test_only_the_parameters_a_mode_uses_are_looked_up_on_a_date():
    rule = load_rule("binance/spot-margin")  # cross thresholds from 2026-11-21, the fee rate from 2024-08-12
    cross = rule.mode("cross")
    assert {p.name for p in used_parameters(cross)} == {"liquidation_fee_rate", "margin_call_level",
                                                        "liquidation_level", "transfer_out_level"}
    early = rule.mode("isolated")
    substitutions(early, {}, date=dt.date(2026, 11, 21), needed=set())  # the cross thresholds are not looked up
    kucoin = load_rule("kucoin/linear-perpetual")  # dated formula versions: none of its isolated parameters
    assert {p.name for p in used_parameters(kucoin.at(dt.date(2023, 6, 1)).mode("isolated"))} == set()
    values = {"n": 5, "mult": F("0.001"), "EP": 28000, "s": -1, "lev": 100, "MMR": F("0.004"), "LFR": 0, "extra": 0,
              "fee": 0, "FR": 0}
    assert price_at(kucoin, "isolated", "liquidation", values, date=dt.date(2023, 6, 1)) == 28168


def test_evaluation_is_exact_numbers_and_reasons():
    rule = load_rule("binance/usdm-perpetual")
    rich = account_from_data({"marginMode": "isolated", "positions": [{**POSITION, "collateral": "1000000",
                                                                        "contractSize": "1"}]})
    [position] = evaluate_account(rule, rich, date=dt.date(2024, 10, 1)).positions  # the 2024 brackets
    assert position.liquidation_price is None and position.reason.startswith("over-collateralised long")
    assert position.maintenance_margin == 250 and position.unrealized_pnl == 0 and position.tier == 2


def test_missing_wallet_is_located_at_the_snapshot():
    rule = load_rule("binance/usdm-perpetual")
    with pytest.raises(EvaluationError) as error:
        evaluate_account(rule, account_from_data({"marginMode": "cross", "positions": [POSITION]}))
    [diagnostic] = error.value.diagnostics
    assert diagnostic.code == "MV600" and "'walletBalance'" in diagnostic.message and diagnostic.json_path == "$"


def test_a_setting_for_named_definitions_computes_only_those_at_the_mark():
    # a unified account's product rule prices each position with its margin and PnL alone: the others are not
    # computed (they were, for every position), and the named ones are the same as a whole reading's
    from verifier.derive.account.legs import read_legs
    from verifier.derive.account.setting import setting_for

    rule = load_rule("binance/usdm-perpetual")
    account = account_from_data({"marginMode": "cross", "walletBalance": "5000", "positions": [{
        "symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.25", "entryPrice": "60000",
        "markPrice": "61000", "leverage": "5"}]})
    date = dt.date(2026, 11, 28)
    [named] = read_legs(setting_for(rule, account, date, definitions=("initial_margin", "notional")), account)
    [whole] = read_legs(setting_for(rule, account, date), account)
    assert set(named.at_mark) == {"initial_margin", "notional"} < set(whole.at_mark)
    assert all(named.at_mark[n] == whole.at_mark[n] for n in named.at_mark)


def test_a_setting_is_given_again_only_where_the_positions_cannot_change_it():
    # setting_for keeps a setting per rule, date, margin mode, mode and leverage (a unified account sets up one
    # product rule per position), but only where no symbol can vanish: Binance Portfolio Margin's loan rate BMMR is
    # left out for an account that owes nothing and needed (MV605) for one that owes, whichever comes first
    from verifier.derive.account.setting import setting_for
    from verifier.model.account import Account, Position

    rule = load_rule("binance/portfolio-margin")
    coin = {"total": F(100), "debt": F(0), "interest": F(0), "maintenanceMargin": F(5), "markPrice": F(1)}
    clear = Account("spot", "cross", (Position("USDT/USD", "long", coin),))
    owing = Account("spot", "cross", (Position("USDT/USD", "long", {**coin, "interest": F(1, 100)}),))
    assert "BMMR" not in setting_for(rule, clear, None).needed
    with pytest.raises(EvaluationError) as error:
        setting_for(rule, owing, None)
    assert error.value.diagnostics[0].code == "MV605"
    assert "BMMR" not in setting_for(rule, clear, None).needed
    usdm = load_rule("binance/usdm-perpetual")
    one, other = (account_from_data({"marginMode": "cross", "walletBalance": "5000", "positions": [{
        "symbol": "BTC/USDT:USDT", "side": side, "contracts": "0.25", "entryPrice": "60000", "markPrice": "61000",
        "leverage": "5"}]}) for side in ("long", "short"))
    assert setting_for(usdm, one, None, definitions=("upnl",)) is setting_for(usdm, other, None, definitions=("upnl",))
