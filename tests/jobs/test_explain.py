"""``--explain`` (verifier/derive/account/explain.py, the evaluate and compare jobs): the trace never changes a
result, the job hands explained pools to the reference evaluation and says so, and the trace agrees with the numbers
it explains (over the example accounts and Hypothesis-generated positions)."""

from __future__ import annotations

import datetime
import json
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifier.derive.account.explain import REASON
from verifier.errors import VerifierError
from verifier.jobs.evaluate import evaluate_accounts, evaluate_data, evaluate_file
from verifier.model.account import AccountSet
from verifier.read import load_rule
from verifier.read.account import account_from_data
from verifier.report.accounts import set_data
from verifier.report.evaluate import evaluation_data
from verifier.report.explain import WIDTH, explanation_data, explanation_text

ROOT = Path(__file__).resolve().parents[2]

# the example accounts that evaluate (tests/cli/test_examples_ccxt.py states each one's outcome), and snapshots
EXAMPLES = {
    "examples/ccxt/binance-usdm-perpetual.json": ("binance/usdm-perpetual", "2024-07-28"),
    "examples/ccxt/binance-spot-margin-cross.json": ("binance/spot-margin", None),
    "examples/ccxt/binance-spot-margin-isolated.json": ("binance/spot-margin", None),
    "examples/ccxt/gate-usdt-perpetual.json": ("gate/usdt-perpetual", "2024-01-12"),
    "examples/ccxt/bitget-usdt-perpetual.json": ("bitget/usdt-perpetual", "2026-12-07"),
    "examples/ccxt/dydx-v4-perpetual.json": ("dydx/v4-perpetual", "2024-08-22"),
    "examples/ccxt/hyperliquid-perpetual.json": ("hyperliquid/perpetual", "2024-10-10"),
    "examples/ccxt/okx-inverse-swap.json": ("okx/inverse-swap", "2026-11-28"),
    "tests/derive/snapshots/official-cross.json": ("binance/usdm-perpetual", "2026-10-01"),
    "tests/derive/snapshots/hedge-cross.json": ("binance/usdm-perpetual", "2026-10-01"),
    "tests/derive/snapshots/spot-cross-m1.json": ("binance/spot-margin", None),
    "examples/compare/futures-isolated-1000.yaml": ("binance/usdm-perpetual", "2026-10-01"),
    "examples/compare/hedged-two-markets.yaml": ("binance/usdm-perpetual", "2026-10-01"),
}


def _date(text):
    return datetime.date.fromisoformat(text) if text else None


def _plain(result) -> dict:
    """A result as its JSON says it, without any trace."""
    return set_data(result.evaluations, result.checks, result.skipped, result.unread)


@pytest.mark.parametrize("path", sorted(EXAMPLES))
def test_explain_never_changes_a_result_of_an_example(path):
    rule, date = EXAMPLES[path]
    plain = evaluate_file(rule, ROOT / path, date=_date(date), today=datetime.date(2026, 12, 7))
    explained = evaluate_file(rule, ROOT / path, date=_date(date), today=datetime.date(2026, 12, 7), explain=True)
    assert _plain(explained) == _plain(plain)
    positions = [p for e in explained.evaluations for p in e.positions]
    assert len(explained.explained) == len(positions)  # every position has its trace
    for evaluation in explained.evaluations:
        for position in evaluation.positions:
            _agrees(explained.explained[id(position)], position)


def test_an_explained_pool_goes_to_the_reference_evaluation_and_says_so(tmp_path):
    path = tmp_path / "isolated.json"
    path.write_text(json.dumps({"marginMode": "isolated", "positions": [{
        "symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.5", "entryPrice": "60000", "markPrice": "61000",
        "collateral": "3000"}]}), encoding="utf-8")
    plain = evaluate_file("binance/usdm-perpetual", path, date=datetime.date(2026, 10, 1))
    explained = evaluate_file("binance/usdm-perpetual", path, date=datetime.date(2026, 10, 1), explain=True)
    assert plain.reference == () and not plain.explained  # the compiled program answered
    assert explained.reference == (REASON,)
    data = explanation_data(next(iter(explained.explained.values())), explained.reference[0])
    assert data["evaluatedBy"] == {"evaluation": "reference", "why": REASON}


def _agrees(trace, position):
    """The trace explains the numbers shown: its liquidation price, tier at the mark and maintenance margin."""
    assert (trace.symbol, trace.side, trace.index) == (position.symbol, position.side, position.index)
    assert trace.liquidation.price == position.liquidation_price
    if position.liquidation_price is None:
        assert trace.liquidation.reason == position.reason
    if trace.tier is not None:
        assert trace.tier.number == position.tier
        assert trace.tier.floor <= trace.tier.basis_value and (trace.tier.cap is None
                                                               or trace.tier.basis_value <= trace.tier.cap)
    steps = {s.name: s.value for s in trace.values}
    if "maintenance_margin" in steps and position.maintenance_margin is not None:
        assert steps["maintenance_margin"] == position.maintenance_margin
    for line in explanation_text(trace).splitlines():
        assert len(line) <= WIDTH or " " not in line.strip(), line  # a URL longer than a line stays whole


def test_each_input_says_where_it_came_from():
    path = ROOT / "examples/ccxt/binance-usdm-perpetual.json"
    result = evaluate_file("binance/usdm-perpetual", path, date=datetime.date(2024, 7, 28), explain=True)
    [trace] = result.explained.values()
    inputs = {i.symbol: i for i in trace.inputs}
    lines = path.read_text(encoding="utf-8").splitlines()
    contracts = next(f for f in inputs["q"].fields if f.name == "contracts")
    assert contracts.where.path == "$.positions[0].contracts" and '"contracts"' in lines[contracts.where.line - 1]
    wallet = inputs["WB"].fields[0]  # the cross wallet, from the balance's crossWalletBalance
    assert "crossWalletBalance" in wallet.where.path and "crossWalletBalance" in lines[wallet.where.line - 1]
    assert inputs["MMR"].origin == "tiers" and inputs["MMR"].catalog.file.endswith(".json")
    assert inputs["TMM1"].origin == "others" and inputs["liquidation_fee_rate"].origin == "parameter"
    rule_lines = (ROOT / "rules/binance/usdm-perpetual.yaml").read_text(encoding="utf-8").splitlines()
    for step in trace.values:  # each formula at its line in the rule file
        assert f"formula: {step.text}" in rule_lines[step.declared.line - 1]
    assert f"when: {trace.liquidation.condition}" in rule_lines[trace.liquidation.declared.line - 1]
    assert "basis: notional" in rule_lines[trace.tier.declared.line - 1]
    data = json.loads(json.dumps(explanation_data(trace, unread=result.unread)))  # JSON-ready
    unread = {u["field"] for u in data["unread"]}
    assert {"collateral", "info.adl"} <= unread  # the export's fields no reading uses, never dropped silently
    assert data["sources"]["liq-price-faq"]["url"].startswith("https://")


def test_a_position_that_gives_its_bracket_is_said_so():
    rule = load_rule("binance/usdm-perpetual")
    account = account_from_data({"marginMode": "isolated", "positions": [{
        "symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "contractSize": "1", "entryPrice": "60000",
        "markPrice": "60000", "collateral": "1000", "maintenanceMarginPercentage": "0.01",
        "maintenanceAmount": "0"}]})
    result = evaluate_accounts(rule, AccountSet("snapshot", (account,)), date=datetime.date(2026, 10, 1),
                               explain=True)
    [trace] = result.explained.values()
    assert trace.tier is None and trace.bracket_source == "position"
    assert {i.symbol: i.origin for i in trace.inputs}["MMR"] == "position-bracket"


def test_compare_explains_each_position_in_both_modes():
    from verifier.jobs.compare import compare_files

    plain = compare_files("binance/usdm-perpetual", [ROOT / "examples/compare/hedged-two-markets.yaml"],
                          date=datetime.date(2026, 10, 1))
    explained = compare_files("binance/usdm-perpetual", [ROOT / "examples/compare/hedged-two-markets.yaml"],
                              date=datetime.date(2026, 10, 1), explain=True)
    assert explained.closed.cross == plain.closed.cross and explained.closed.isolated == plain.closed.isolated
    for mode in ("cross", "isolated"):
        traces = explained.closed.explained[mode]
        assert sorted(traces) == [h.index for h in explained.book.holdings]
        for index, trace in traces.items():
            assert trace.liquidation.price == getattr(explained.closed, mode)[index].liquidation_price
    # the allocation compare computes (the initial margin at leverage 10) is said, not located in the file
    isolated = explained.closed.explained["isolated"][0]
    collateral = next(f for i in isolated.inputs for f in i.fields if f.name == "collateral")
    assert collateral.where is None and "initial_margin" in collateral.note
    wallet = next(f for i in explained.closed.explained["cross"][0].inputs for f in i.fields
                  if f.name == "walletBalance")
    assert wallet.where is None and "cross wallet" in wallet.note


# --------------------------------------------------------------------------------------------- properties

DAY = datetime.date(2026, 10, 1)
_RULE = {}


def _rule():
    if not _RULE:
        _RULE["rule"] = load_rule("binance/usdm-perpetual")
    return _RULE["rule"]


decimals = st.decimals(min_value="0.001", max_value="50", places=3)
prices = {"BTC/USDT:USDT": st.integers(30000, 90000), "ETH/USDT:USDT": st.integers(1000, 5000)}


@st.composite
def snapshots(draw):
    mode = draw(st.sampled_from(["cross", "isolated"]))
    markets = draw(st.lists(st.sampled_from(sorted(prices)), min_size=1, max_size=2, unique=True))
    positions = []
    for symbol in markets:
        entry = draw(prices[symbol])
        mark = entry + draw(st.integers(-entry // 5, entry // 5))
        position = {"symbol": symbol, "side": draw(st.sampled_from(["long", "short"])),
                    "contracts": str(draw(decimals)), "contractSize": "1", "entryPrice": str(entry),
                    "markPrice": str(mark), "leverage": str(draw(st.integers(1, 20)))}
        if mode == "isolated":
            position["collateral"] = str(draw(st.integers(1, 200000)))
        positions.append(position)
    data = {"marginMode": mode, "positions": positions}
    if mode == "cross":
        data["walletBalance"] = str(draw(st.integers(0, 500000)))
    return data


@given(snapshots())
def test_explain_never_changes_a_generated_result(data):
    """The compiled evaluation (evaluate's default) and the explained one give the same JSON, or the same error."""
    rule = _rule()
    try:
        plain = evaluation_data(evaluate_data(rule, data, date=DAY).evaluations[0])
    except VerifierError as exc:
        plain = ("error", exc.diagnostics[0].code, exc.diagnostics[0].message)
    try:
        result = evaluate_accounts(rule, AccountSet("snapshot", (account_from_data(data),)), date=DAY, explain=True)
        explained = evaluation_data(result.evaluations[0])
    except VerifierError as exc:
        explained = ("error", exc.diagnostics[0].code, exc.diagnostics[0].message)
        result = None
    assert explained == plain
    if result is not None:
        for position in result.evaluations[0].positions:
            _agrees(result.explained[id(position)], position)
