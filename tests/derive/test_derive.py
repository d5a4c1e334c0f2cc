"""Derivation, tier-consistent prices, published proofs, snapshot evaluation and the CLI verbs."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest
import sympy

from verifier.derive import derive_rule, price_at, prove_published, solve_price
from verifier.derive.account import evaluate_account
from verifier.read import Document
from verifier.read.account import account_from_data, account_from_document
from verifier.report.evaluate import evaluation_data
from verifier.derive.proof import ProofResult
from verifier.errors import SpecError
from verifier.read import load_rule, read_file


def evaluate_snapshot(rule, snapshot, date=None) -> dict:
    """A snapshot (dict or read Document) through the three stages: read, derive, report (section-4 JSON)."""
    account = account_from_document(snapshot) if isinstance(snapshot, Document) else account_from_data(snapshot)
    return evaluation_data(evaluate_account(rule, account, date=date))

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
BRACKETS_2024 = dt.date(2024, 10, 1)
"""A day the 2024 BTCUSDT brackets (0-50,000 at 0.4 %, 50,000-600,000 at 0.5 %, ...) were in force."""
DATA_DAY = dt.date(2026, 10, 1)
"""A day with recorded ticks and brackets: results on it do not move when newer data is imported."""


@pytest.fixture(scope="module")
def usdm():
    return load_rule("binance/usdm-perpetual")


def test_closed_form_is_the_linear_root(usdm):
    form = derive_rule(usdm).modes["isolated"].prices["liquidation"]
    m = usdm.mode("isolated")
    s, q, ep, wb, mmr, cum = (m.symbols[n].sympy for n in ("s", "q", "EP", "WB", "MMR", "cum"))
    assert sympy.simplify(form.expr - (wb + cum - s * q * ep) / (q * mmr - s * q)) == 0


def test_official_cross_example_by_price_at(usdm):
    btc = price_at(usdm, "cross", "liquidation", {"WB": F("1535443.01"), "q": F("109.488"), "EP": F("32481.98"),
                                                  "s": 1, "MMR": F("0.025"), "cum": 16300,
                                                  "TMM1": F("356512.508"), "UPNL1": F("-448192.89")})
    eth = price_at(usdm, "cross", "liquidation", {"WB": F("1535443.01"), "q": F("3683.979"), "EP": F("1456.84"),
                                                  "s": 1, "MMR": F("0.10"), "cum": 135365,
                                                  "TMM1": F("71200.81144"), "UPNL1": F("-56354.57")})
    assert round(btc, 2) == F("26316.89")
    assert round(eth, 2) == F("1153.26")


def test_official_cross_example_by_snapshot(usdm):
    out = evaluate_snapshot(usdm, read_file(HERE / "snapshots" / "official-cross.json"), date=DATA_DAY)
    btc, eth = out["positions"]
    # at each market's own tick (BTCUSDT 0.1, ETHUSDT 0.01), the exact value beside: the page prints 26316.89
    assert btc["liquidationPrice"] == "26316.9" and eth["liquidationPrice"] == "1153.26"
    assert btc["priceTick"] == "0.1" and round(F(btc["liquidationPriceExact"]), 2) == F("26316.89")
    assert btc["maintenanceMargin"] == "71200.811444"
    assert btc["unrealizedPnl"] == "-56354.56848" and eth["unrealizedPnl"] == "-448192.88514"
    assert out["status"] == "normal"
    assert set(out) == {"positions", "marginLevel", "status"}


def test_before_any_recorded_tick_prices_are_exact(usdm):
    out = evaluate_snapshot(usdm, read_file(HERE / "snapshots" / "official-cross.json"), date=BRACKETS_2024)
    btc = out["positions"][0]
    assert btc["priceTick"] is None and btc["liquidationPrice"] == btc["liquidationPriceExact"]


def test_no_liquidation_price_for_overcollateralised_long(usdm):
    values = {"WB": F(10**6), "q": F(1), "EP": F(60000), "s": 1}
    assert price_at(usdm, "isolated", "liquidation", values, market="BTC/USDT:USDT") is None


def test_tier_at_liquidation_differs_from_tier_at_entry(usdm):
    # 10 BTC long at 60,000: notional 600,000 is bracket 3 at entry; the liquidation price is lower,
    # so the notional there falls in bracket 2, whose MMR/cum must be used.
    values = {"WB": F(60000), "q": F(10), "EP": F(60000), "s": 1}
    solution = solve_price(usdm, "isolated", "liquidation", values, market="BTC/USDT:USDT", date=BRACKETS_2024)
    assert solution.entry_tier == 3 and solution.tier == 2 and solution.tier_changed
    expected = (F(600000) - 60000 - 50) / (10 * (1 - F("0.005")))
    assert solution.price == expected
    # the entry-tier price (what naive calculators print) is different and not self-consistent
    naive = (F(600000) - 60000 - 950) / (10 * (1 - F("0.0065")))
    assert naive != expected and naive * 10 < 600000


def test_short_crossing_up_a_bracket(usdm):
    values = {"WB": F(5000), "q": F(1), "EP": F(48000), "s": -1}
    solution = solve_price(usdm, "isolated", "liquidation", values, market="BTC/USDT:USDT", date=BRACKETS_2024)
    assert solution.entry_tier == 1 and solution.tier == 2
    assert solution.price == (F(48000) + 5000 + 50) / (1 + F("0.005"))


def test_published_formulas_are_proved(usdm):
    results = prove_published(usdm)
    assert results and all(isinstance(r, ProofResult) and r.status == "proved" for r in results)


def test_a_wrong_published_formula_is_refuted(usdm):
    from verifier.formula import parse_formula
    entry = usdm.published["liquidation_price"][1]
    wrong = parse_formula("(WB + cum - s * q * EP) / (q * MMR + s * q)", usdm.mode("isolated").env)
    original = entry.formula
    object.__setattr__(entry, "formula", wrong)  # Published is frozen; restored below
    try:
        result = [r for r in prove_published(usdm) if r.index == entry.index][0]
    finally:
        object.__setattr__(entry, "formula", original)
    assert result.status == "refuted" and result.counterexample


def test_cache_second_derivation_does_no_solving(usdm, tmp_path, monkeypatch):
    from verifier.derive import cache
    monkeypatch.setenv("MARGIN_VERIFIER_CACHE", str(tmp_path))
    cache.clear_memory()
    first = derive_rule(usdm)
    assert not first.from_cache and list(tmp_path.iterdir())
    cache.clear_memory()
    import verifier.derive.derivation as d
    monkeypatch.setattr(d, "solve_condition", lambda *a: (_ for _ in ()).throw(AssertionError("solved again")))
    second = derive_rule(usdm)
    assert second.from_cache
    assert second.modes["cross"].prices["liquidation"].expr == first.modes["cross"].prices["liquidation"].expr
    cache.clear_memory()


def _run(*args):
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_evaluate_json():
    proc = _run("evaluate", "binance/usdm-perpetual", str(HERE / "snapshots" / "official-cross.json"), "--json",
                "--date", DATA_DAY.isoformat())
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [p["liquidationPrice"] for p in out["positions"]] == ["26316.9", "1153.26"]


def test_cli_derive_formats():
    for fmt in ("text", "latex", "json"):
        proc = _run("derive", "binance/usdm-perpetual", "--format", fmt)
        assert proc.returncode == 0, proc.stderr
    out = json.loads(_run("derive", "rules/binance/usdm-perpetual.yaml", "--format", "json", "--mode", "cross").stdout)
    assert {p["status"] for p in out["published"]} == {"proved"}
    assert _run("derive", "binance/usdm-perpetual", "--mode", "nope").returncode == 2


BASE = {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "entryPrice": "60000", "markPrice": "60000"}


@pytest.mark.parametrize("change, message", [
    ({"contracts": None}, "missing 'contracts'"),
    ({"side": "up"}, "unknown side"),
    ({"contracts": "-1"}, "negative"),
    ({"symbol": "NOPE/USDT:USDT"}, "not in the market catalog"),
    ({"entryPrice": "abc"}, "decimal"),
])
def test_bad_snapshots_exit_2(tmp_path, change, message):
    position = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    path = tmp_path / "snap.json"
    path.write_text(json.dumps({"marginMode": "cross", "walletBalance": "1000", "positions": [position]}))
    proc = _run("evaluate", "binance/usdm-perpetual", str(path), "--json")
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert f"{path}:" in proc.stderr


def test_bad_snapshot_raises_spec_error(usdm):
    with pytest.raises(SpecError):
        evaluate_snapshot(usdm, {"marginMode": "cross", "walletBalance": "1", "positions": [{**BASE, "side": "x"}]})


def test_check_runs_price_examples():
    proc = _run("check", "rules/binance/usdm-perpetual.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "awaiting" not in proc.stdout


def test_spot_margin_m1_by_snapshot():
    rule = load_rule("binance/spot-margin")
    out = evaluate_snapshot(rule, read_file(HERE / "snapshots" / "spot-cross-m1.json"))
    assert out["positions"][0]["liquidationPrice"] == "22000"
    assert out["marginLevel"] == "1.5" and out["status"] == "normal"
    low = {"marginMode": "cross", "quote": "USDT", "prices": {"BTC": "22500"},
           "balances": {"USDT": {"total": "0", "debt": "20000"}, "BTC": {"total": "1"}}}
    assert evaluate_snapshot(rule, low)["status"] == "margin_call"
    low["prices"]["BTC"] = "22000"
    assert evaluate_snapshot(rule, low)["status"] == "liquidation"


def test_spot_margin_examples_pass():
    proc = _run("check", "rules/binance/spot-margin.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
