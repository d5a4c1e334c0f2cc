"""A tier column no definition or condition of the rule's version in force uses is not looked up: Gate's fixed
level (one rate on the whole position, until 2025-07-29) reads the position's own rate and needs no tier table,
while its tiered maintenance margin (from then) needs the table's deduction and says so where a market has none.
The same holds for the evaluator and for the reference simulator (compare's shocks)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import verifier
from verifier.errors import VerifierError

# Gate's recorded LTC_USDT position (rules/gate/conformance/gate-ltc-isolated-2024-01-12.json) as a snapshot: the
# catalog has no tier table for LTC/USDT:USDT, the position gives its risk-limit tier's rate
LTC = {"marginMode": "isolated", "positions": [
    {"symbol": "LTC/USDT:USDT", "side": "long", "contracts": "1", "contractSize": "0.1", "entryPrice": "74.35",
     "markPrice": "74.43", "collateral": "1.49257625", "leverage": "5", "maintenanceMarginPercentage": "0.01"}]}


def test_the_fixed_level_prices_a_position_that_gives_its_rate_without_a_tier_table():
    result = verifier.evaluate("gate/usdt-perpetual", LTC, date="2024-01-12")
    [ltc] = result.positions
    assert ltc.liquidation_price.fraction == (F("74.35") - F("1.49257625") / F("0.1")) / (1 - F("0.01075"))
    assert ltc.maintenance_margin == F("0.07443")  # 7.443 x 1 %: no deduction read
    assert result.to_json()["positions"][0]["tier"] is None  # no row of a table: the position's own rate


def test_the_tiered_form_needs_the_deduction_and_refuses_a_market_without_a_tier_table():
    with pytest.raises(VerifierError) as raised:
        verifier.evaluate("gate/usdt-perpetual", LTC, date="2025-07-29")
    assert raised.value.diagnostics[0].code == "MV606" and "no tier table" in str(raised.value.diagnostics[0])


def test_the_simulator_reads_the_same_symbols_as_the_evaluator():
    import datetime as dt

    from verifier.read import load_rule
    from verifier.simulate.binding import compiled_rule

    rule = load_rule("gate/usdt-perpetual")
    before, after = (compiled_rule(rule, dt.date.fromisoformat(d)).mode("isolated")
                     for d in ("2024-01-12", "2025-07-29"))
    assert [s.name for s, _ in before.tier_symbols] == ["MMR"]
    assert sorted(s.name for s, _ in after.tier_symbols) == ["MMR", "cum"]
