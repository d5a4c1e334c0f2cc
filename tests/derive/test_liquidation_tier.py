"""The tier row at the liquidation price beside the one at the mark, and a position that has outgrown its table
(issue 28, item 5): both evaluation paths, the reports, and the table's own lookup as the oracle.

Binance USDⓈ-M BTC/USDT:USDT on 2026-10-01 (rules/binance/markets/usdm-perpetual, imported from the freqtrade
2026.9 wheel's binance_leverage_tiers.json): brackets on the notional, [floor, cap), the last (tier 12) ending at
1,800,000,000 with a maintenance rate of 0.5.
"""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import pytest

from verifier.derive.account import evaluate_account
from verifier.derive.account.program import build_program
from verifier.derive.account.run import Fallback, run_account
from verifier.errors import VerifierError
from verifier.jobs.evaluate import evaluate_accounts
from verifier.model.account import AccountSet
from verifier.read import load_rule
from verifier.read.account import account_from_data
from verifier.report.accounts import set_text
from verifier.report.evaluate import evaluation_data, evaluation_text

DATE = dt.date(2026, 10, 1)
RULE = load_rule("binance/usdm-perpetual")
PROGRAM = build_program(RULE)
TABLE = RULE.tiers.table("BTC/USDT:USDT", DATE)


def _account(side: str, contracts: str, collateral: str, mark: str = "60000"):
    return account_from_data({"marginMode": "isolated", "positions": [{
        "symbol": "BTC/USDT:USDT", "side": side, "contracts": contracts, "contractSize": "1", "entryPrice": "60000",
        "markPrice": mark, "collateral": collateral}]})


def _both(account):
    """The reference's result, and the compiled path's (None where it hands the account to the reference)."""
    reference = evaluate_account(RULE, account, date=DATE)
    try:
        compiled = run_account(PROGRAM, account, date=DATE)
    except Fallback:
        compiled = None
    return reference, compiled


@pytest.mark.parametrize("side, contracts, collateral", [
    ("short", "30", "2000000"),  # notional 1,800,000 at the mark; the price rises into the next bracket
    ("long", "30", "100000"),  # falls into the bracket below
    ("long", "1", "1000"),  # stays in the first bracket
    ("short", "9", "3000"),
])
def test_the_tier_at_the_price_is_the_table_row_holding_the_notional_there(side, contracts, collateral):
    reference, compiled = _both(_account(side, contracts, collateral))
    position = reference.positions[0]
    assert compiled is not None and compiled == reference  # the compiled path answers, to the last field
    assert position.tier == TABLE.row_for(Fraction(contracts) * 60000).number
    assert position.liquidation_price is not None
    expected = TABLE.row_for(Fraction(contracts) * position.liquidation_price).number
    assert position.liquidation_tier == expected
    assert position.tier_moves == (position.tier != expected)


def test_a_price_across_a_bracket_is_reported_in_text_and_json():
    evaluation = evaluate_account(RULE, _account("short", "30", "2000000"), date=DATE)
    position = evaluation.positions[0]
    assert position.tier_moves, (position.tier, position.liquidation_tier)
    data = evaluation_data(evaluation)["positions"][0]
    assert (data["tier"], data["liquidationTier"]) == (position.tier, position.liquidation_tier)
    assert f"tier {position.tier} at the mark, tier {position.liquidation_tier} at the liquidation price" in \
        evaluation_text(evaluation)
    text = set_text([evaluation], {})
    assert f"the liquidation price lies in tier {position.liquidation_tier}, the mark in tier {position.tier}" in text


def test_a_position_whose_condition_lies_past_the_last_cap_has_outgrown_the_table():
    # notional 1,500,000,000 (tier 12, rate 0.5); with this collateral the short is liquidated only near 72,000+,
    # where the notional would pass the last cap, 1,800,000,000: no bracket says what happens there
    account = _account("short", "25000", "1200000000")
    reference, compiled = _both(account)
    position = reference.positions[0]
    assert position.liquidation_price is None and position.liquidation_tier is None
    assert position.tier == 12
    assert position.reason == ("outgrown the tier table: the liquidation condition is reached only past the last "
                               "bracket's cap (1800000000, tier 12), where the market's brackets end; no price "
                               "inside them reaches it")
    assert compiled == reference  # the compiled path says so itself (issue 26: no hand-over, no SymPy)
    evaluated = evaluate_accounts("binance/usdm-perpetual", AccountSet("snapshot", (account,)), date=DATE)
    assert evaluated.evaluations[0].positions[0] == position and evaluated.reference == ()


@pytest.mark.parametrize("side, contracts, collateral, mark", [
    ("short", "25000", "1200000000", "60000"),  # outgrown (above)
    ("short", "25000", "1200000000", "71000"),  # nearer the cap at its mark: still outgrown
    ("short", "29000", "2000000000", "60000"),  # notional 1,740,000,000 at the mark, reaching the cap at once
    ("short", "20000", "200000000", "60000"),  # a price inside the last bracket: not outgrown
    ("short", "25000", "10", "60000"),  # liquidated at the mark already
    ("long", "25000", "1200000000", "60000"),  # a long's price falls: over-collateralised, never outgrown
    ("long", "25000", "100", "60000"),
])
def test_past_the_last_bracket_the_compiled_path_answers_as_the_reference(side, contracts, collateral, mark):
    """The compiled path's reason for a position without a price near or past the table's end (outgrown, or not)
    is the reference's, to the last field; alone, and beside another position in one isolated account."""
    for account in (_account(side, contracts, collateral, mark), account_from_data({
            "marginMode": "isolated", "positions": [
                {"symbol": "BTC/USDT:USDT", "side": side, "contracts": contracts, "contractSize": "1",
                 "entryPrice": "60000", "markPrice": mark, "collateral": collateral},
                {"symbol": "ETH/USDT:USDT", "side": "long", "contracts": "3", "contractSize": "1",
                 "entryPrice": "3000", "markPrice": "3000", "collateral": "1000"}]})):
        reference, compiled = _both(account)
        assert compiled == reference, (reference.positions[0].reason, compiled and compiled.positions[0].reason)


def test_a_price_reached_inside_the_last_bracket_is_not_outgrown():
    evaluation = evaluate_account(RULE, _account("short", "20000", "200000000"), date=DATE)
    position = evaluation.positions[0]
    assert position.liquidation_price is not None and position.liquidation_tier == 12


def test_a_position_past_the_last_cap_at_its_mark_is_mv619():
    with pytest.raises(VerifierError) as caught:
        evaluate_account(RULE, _account("long", "30000", "1000"), date=DATE)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "MV619"
    assert "outgrown the tier table of BTC/USDT:USDT" in diagnostic.message
    assert "1800000000" in diagnostic.message and diagnostic.json_path == "$.positions[0]"
    assert json.dumps(diagnostic.to_json())  # a diagnostic a program can read


def test_a_long_liquidated_at_its_mark_is_said_so_not_outgrown():
    # found by the browser test's random positions: with the last bracket carried on, the root lies above the mark,
    # past the cap; but the long is liquidated at its mark already, which is what both paths must say
    account = account_from_data({"marginMode": "isolated", "positions": [{
        "symbol": "KAS/USDT:USDT", "side": "long", "contracts": "419812.751", "entryPrice": "23.756",
        "markPrice": "18.239", "collateral": "745953", "leverage": "21"}]})
    reference = evaluate_account(RULE, account)
    assert reference.positions[0].reason.startswith("liquidated at the mark already")
    compiled = evaluate_accounts("binance/usdm-perpetual", AccountSet("snapshot", (account,)))
    assert compiled.evaluations[0].positions == reference.positions
