"""The tier row at the liquidation price beside the one at the mark, and a position that has outgrown its table
(issue 28, item 5): both evaluation paths, the reports, and the table's own lookup as the oracle.

Binance USDⓈ-M BTC/USDT:USDT on 2026-10-01 (rules/binance/markets/usdm-perpetual, imported from the freqtrade
2026.9 wheel's binance_leverage_tiers.json): brackets on the notional, [floor, cap), the last (tier 12) ending at
1,800,000,000 with a maintenance rate of 0.5.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    assert compiled == reference  # the compiled path says why itself (pricing.outgrown_reason, compiled)
    evaluated = evaluate_accounts("binance/usdm-perpetual", AccountSet("snapshot", (account,)), date=DATE)
    assert evaluated.evaluations[0].positions[0] == position and evaluated.reference == ()


@pytest.mark.parametrize("side, contracts, collateral, mark", [
    ("short", "25000", "1200000000", "60000"),  # outgrown (above)
    ("short", "25000", "1e12", "60000"),  # outgrown: the last bracket's root lies far past the cap
    ("short", "29000", "10000000", "60000"),  # near the last cap, little collateral: a price inside the table
    ("long", "25000", "1200000000", "60000"),  # a long's price falls: inside the table
    ("long", "1", "100000", "60000"),  # over-collateralised long
    ("short", "20000", "200000000", "60000"),  # reached inside the last bracket
])
def test_no_price_reasons_past_the_table_are_the_references_without_hand_over(side, contracts, collateral, mark):
    reference, compiled = _both(_account(side, contracts, collateral, mark))
    assert compiled == reference


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


def test_the_compiled_path_s_reasons_are_the_reference_s_texts():
    from verifier.derive.account import pricing, run

    assert run.OUTGROWN == pricing.OUTGROWN and run.NO_ROOT == pricing.NO_ROOT


@st.composite
def _near_bounds(draw):
    """A position of BTC/USDT:USDT whose notional at the mark sits at a bracket's floor or cap exactly, a hair
    either side, or inside it (the last bracket's cap included), with collateral from a hundredth of the notional
    to ten times it: the prices lie in, across and past the brackets."""
    row = draw(st.sampled_from(TABLE.rows))
    cap = row.cap if row.cap is not None else row.floor * 2
    at = draw(st.sampled_from([row.floor, cap, row.floor + Fraction(1, 10 ** 6), cap - Fraction(1, 10 ** 6),
                               (row.floor + cap) / 2]))
    mark = Fraction(2) ** draw(st.integers(-6, 16)) * Fraction(5) ** draw(st.integers(-6, 6))  # at / mark ends
    contracts = at / mark
    if contracts <= 0:
        contracts = Fraction(1, 1000)
    notional = contracts * mark
    collateral = notional * Fraction(draw(st.integers(1, 1000)), 100)
    entry = mark * Fraction(draw(st.integers(80, 120)), 100)
    return {"marginMode": "isolated", "positions": [{
        "symbol": "BTC/USDT:USDT", "side": draw(st.sampled_from(["long", "short"])), "contractSize": "1",
        "contracts": _decimal(contracts), "entryPrice": _decimal(entry), "markPrice": _decimal(mark),
        "collateral": _decimal(collateral)}]}


def _decimal(value: Fraction) -> str:
    """``value`` as a decimal string: exact when its expansion ends within 60 digits (every bound and mark drawn
    above), else to 60 digits."""
    with localcontext() as context:
        context.prec = 60
        return str(Decimal(value.numerator) / Decimal(value.denominator))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(snapshot=_near_bounds())
def test_positions_at_bracket_bounds_are_answered_by_the_program_as_the_reference_does(snapshot):
    """At a bracket's floor or cap (where the tier row at the mark and at the price are decided by one comparison)
    and past the last cap (outgrown): the compiled path gives the reference's evaluation, never handing it over,
    and refuses exactly what the reference refuses."""
    account = account_from_data(snapshot)
    try:
        reference = evaluate_account(RULE, account, date=DATE)
    except VerifierError:
        with pytest.raises((Fallback, VerifierError)):
            run_account(PROGRAM, account, date=DATE)
        return
    assert run_account(PROGRAM, account, date=DATE) == reference
