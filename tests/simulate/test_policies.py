"""The liquidation fee and the interest policy are rule data: the simulator follows them and assumes none."""

import datetime as dt
import shutil
from fractions import Fraction as F
from pathlib import Path

import pytest

from verifier.errors import SpecError
from verifier.model.policies import Interest
from verifier.read import load_rule
from verifier.simulate import SimRule, simulator_for

ROOT = Path(__file__).resolve().parents[2]
SPOT = ROOT / "rules/binance/spot-margin.yaml"
FUTURES = ROOT / "rules/binance/usdm-perpetual.yaml"
POLICY = """policies:
  interest:
    per_hour: hourly_interest
    first_hour: at-borrow
    repay: interest-first
    source: cross-guide
"""


def _variant(tmp_path, source: Path, old: str, new: str):
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1
    target = tmp_path / source.parent.name / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    for data in ("markets", "conformance"):  # the rule's market catalog and recorded responses
        if (source.parent / data).is_dir() and not (target.parent / data).exists():
            shutil.copytree(source.parent / data, target.parent / data)
    target.write_text(text.replace(old, new), encoding="utf-8")
    return target


def _spot(rule):
    sim = simulator_for(SimRule(rule, dt.date(2026, 11, 21), inputs={"r": F(1, 1000)}), debug=True,
                        time=dt.datetime(2026, 11, 21, 13, 20))
    sim.add_account("X", "x", "cross")
    sim.set_prices({"ETH": F(200)})
    sim.deposit("X", "USDT", F(1000))
    return sim


def test_shipped_rules_state_their_policies():
    spot = load_rule("binance/spot-margin")
    assert spot.policies.interest == Interest("hourly_interest", "at-borrow", "interest-first", "cross-guide")
    assert load_rule("kucoin/spot-margin").policies.interest == Interest("hourly_interest", "at-borrow",
                                                                          "interest-first", "interest")
    assert load_rule("okx/spot-margin").policies.interest.first_hour == "at-next-hour"
    assert "liquidation_fee" in load_rule("binance/usdm-perpetual").modes["cross"].definitions
    assert load_rule("bybit/linear-perpetual").policies.liquidation_fee.why.startswith("No separate liquidation fee")


def test_binance_futures_fee_is_the_rules_rate_times_notional():
    sim = simulator_for(SimRule(load_rule("binance/usdm-perpetual"), dt.date(2026, 11, 21)), debug=True)
    sim.add_account("A", "a", "cross")
    sim.add_account("A-BTC", "a", "isolated", market="BTC/USDT:USDT")
    sim.set_prices({"BTC/USDT:USDT": F(60000)})
    sim.deposit("A", "USDT", F(5000))
    sim.transfer("A", "A-BTC", "USDT", F(1000))
    sim.trade("A-BTC", "BTC/USDT:USDT", "buy", F(1, 4))
    sim.set_prices({"BTC/USDT:USDT": F(56100)})
    fee = next(e for e in sim.events if e.kind == "liquidation_fee")
    assert fee.numbers["fee"] == F(5, 1000) * F(1, 4) * 56100  # liquidation_fee_rate x notional, as before


def test_interest_policy_variants(tmp_path):
    first = _spot(load_rule(SPOT))
    first.borrow("X", "USDT", F(1000))
    assert first.accounts["X"].interest["USDT"] == 1  # at-borrow: the started hour costs 1000 x 0.001
    later = _spot(load_rule(_variant(tmp_path, SPOT, "first_hour: at-borrow", "first_hour: at-next-hour")))
    later.borrow("X", "USDT", F(1000))
    assert later.accounts["X"].interest["USDT"] == 0
    later.advance(dt.datetime(2026, 11, 21, 14, 0))
    assert later.accounts["X"].interest["USDT"] == 1
    for repay, interest_left, debt_left in (("interest-first", 0, 1), ("principal-first", 1, 0)):
        path = _variant(tmp_path / repay, SPOT, "repay: interest-first", f"repay: {repay}") \
            if repay != "interest-first" else SPOT
        sim = _spot(load_rule(path))
        sim.borrow("X", "USDT", F(1000))
        sim.repay("X", "USDT", F(1000))
        assert (sim.accounts["X"].interest["USDT"], sim.accounts["X"].debt["USDT"]) == (interest_left, debt_left)


def test_no_interest_accrues_when_the_rule_says_none(tmp_path):
    path = _variant(tmp_path, SPOT, POLICY, "policies:\n  interest:\n    none: the example ignores interest\n")
    sim = _spot(load_rule(path))
    sim.borrow("X", "USDT", F(1000))
    sim.advance(dt.datetime(2026, 11, 22, 13, 20))
    assert sim.accounts["X"].interest["USDT"] == 0 and not [e for e in sim.events if e.kind == "interest"]


def test_a_spot_rule_without_an_interest_policy_is_refused_when_it_is_read(tmp_path):
    """Refused by check, where the author reads it, not first by a simulation that needs the answer."""
    with pytest.raises(SpecError) as caught:
        load_rule(_variant(tmp_path, SPOT, POLICY, ""))
    assert [d.code for d in caught.value.diagnostics] == ["MV483"]
    assert "must say how its loans accrue interest" in caught.value.diagnostics[0].message


def test_a_rule_without_a_fee_or_a_no_fee_statement_is_refused_when_it_is_read(tmp_path):
    path = _variant(tmp_path, FUTURES, "  liquidation_fee:\n    formula: liquidation_fee_rate * notional\n"
                    "    meaning: liquidation clearance fee of a liquidated position, paid to the insurance fund\n"
                    "    source: liquidation-old\n", "")
    with pytest.raises(SpecError) as caught:
        load_rule(path)
    assert [d.code for d in caught.value.diagnostics] == ["MV482"]
    assert "do not say what a liquidation costs" in caught.value.diagnostics[0].message


@pytest.mark.parametrize("old, new, code", [
    ("per_hour: hourly_interest", "per_hour: hourly_intrest", "MV480"),
    (POLICY, POLICY + "  liquidation_fee: {none: free}\n", "MV481"),
    ("    source: cross-guide\n\nverify:", "    source: cross-guid\n\nverify:", "MV400"),
])
def test_policy_mistakes_are_located(tmp_path, old, new, code):
    path = _variant(tmp_path, SPOT, old, new)
    with pytest.raises(SpecError) as caught:
        load_rule(path)
    first = caught.value.diagnostics[0]
    assert first.code == code and first.json_path.startswith("$.policies") and first.line > 0, first.render()
