"""Unified margin in the reference simulator (issue 29 item 3): each unified rule's scenario run end to end by
``margin-verifier simulate``, its margin rate at every step and its liquidation event held against figures computed
here by hand (the exchanges' published definitions written out for the scenario's coins, not the rule's text), and
bad input a located error, exit 2.
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def simulate(path, *extra):
    return subprocess.run([sys.executable, "-m", "verifier", "simulate", str(path), *extra],
                          capture_output=True, text=True, cwd=ROOT, check=False)


def run_json(name: str) -> list:
    """The scenario's steps as ``simulate --format json`` writes them (exit 0: every expectation holds)."""
    out = simulate(ROOT / "scenarios" / name, "--format", "json")
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)["steps"]


def rates_and_statuses(steps) -> list:
    return [(F(s["accounts"][0]["marginLevelExact"]), s["accounts"][0]["status"]) for s in steps]


def first_liquidation(steps) -> int:
    kinds = [[e["kind"] for e in s["accounts"][0]["events"]] for s in steps]
    return next(i for i, k in enumerate(kinds) if "liquidation" in k)


def test_binance_portfolio_margin_uni_mmr_by_hand():
    """uniMMR = account equity (collateral at its collateral rate) / maintenance margin (positions' + loan's)."""
    steps = run_json("binance-portfolio-margin-btc-collateral.yaml")

    def uni_mmr(btc):
        equity = F(95, 100) * btc + (5000 - 4000)  # 1 BTC at rate 0.95; 5,000 USDC held, 4,000 owed, rate 1
        maintenance = 2000 + 4000 * F(5, 100)  # USD-M positions; the USDC loan at 0.05
        return equity / maintenance

    def status(rate):
        return "liquidated" if rate <= F(105, 100) else "margin_call" if rate <= F(15, 10) else "normal"

    prices = [20000, 3000, 2000, 1400, 1300]
    assert rates_and_statuses(steps) == [(uni_mmr(p), status(uni_mmr(p))) for p in prices]
    assert rates_and_statuses(steps)[0][0] == F(100, 11)
    assert first_liquidation(steps) == 4
    last = steps[-1]["accounts"][0]
    assert (F(last["equity"]), last["balances"], last["debts"]) == (1300 + 5000 - 4000, {"USD": "2300"}, {})


def test_bybit_uta_account_mm_rate_by_hand():
    """Account MM rate = total MM / margin balance; a negative coin counts at ratio 1; liquidated at >= 100 %."""
    steps = run_json("bybit-unified-trading-account-short-btc.yaml")

    def rate(btc):
        return (500 + 1 * btc * F(4, 100)) / (60000 - 1 * btc)  # perps' MM + the BTC loan's at 0.04

    prices = [50000, 55000, 57000, 57500]
    assert rates_and_statuses(steps) == [(rate(p), "liquidated" if rate(p) >= 1 else "normal") for p in prices]
    assert first_liquidation(steps) == 3
    assert rate(F(59500) / F(104, 100)) == 1  # the boundary lies between the last two steps
    assert F(57000) < F(59500) / F(104, 100) <= F(57500)
    assert F(steps[-1]["accounts"][0]["equity"]) == 60000 - 57500


def test_okx_multi_currency_mgn_ratio_by_hand():
    """mgnRatio = adjusted equity / (maintenance margin + liquidation fees); equality liquidates; the fee is paid."""
    steps = run_json("okx-multi-currency-margin-btc-collateral.yaml")

    def mgn_ratio(btc):
        return (btc + 5000) / (30000 + 600000 * F(5, 10000))

    prices = [40000, 30000, 25300]
    assert rates_and_statuses(steps) == [(mgn_ratio(p), "liquidated" if mgn_ratio(p) <= 1 else "normal")
                                         for p in prices]
    assert mgn_ratio(25300) == 1 and first_liquidation(steps) == 2
    fee = [e for e in steps[-1]["accounts"][0]["events"] if e["kind"] == "liquidation_fee"]
    assert [F(e["numbers"]["charged"]) for e in fee] == [300]
    assert F(steps[-1]["accounts"][0]["equity"]) == 25300 + 5000 - 300


def test_the_liquidation_is_the_first_event_past_the_boundary(tmp_path):
    """Moving the Bybit story's last price one dollar below the boundary leaves the account safe, exit 1 (its
    expectation of a liquidation fails); at the boundary's ceiling it is liquidated."""
    text = (ROOT / "scenarios" / "bybit-unified-trading-account-short-btc.yaml").read_text(encoding="utf-8")
    safe = tmp_path / "safe.yaml"
    safe.write_text(text.replace("prices: {BTC: 57500}", "prices: {BTC: 57211}"), encoding="utf-8")
    out = simulate(safe)
    assert out.returncode == 1 and "status expected liquidated, actual normal" in out.stderr, out.stderr
    at = tmp_path / "at.yaml"
    at.write_text(text.replace("prices: {BTC: 57500}", "prices: {BTC: 57212}")
                  .replace("        marginLevel: 1.12\n", "").replace("equity: 2500", "equity: 2788")
                  .replace("USD: 2500", "USD: 2788"), encoding="utf-8")
    out = simulate(at)
    assert out.returncode == 0, out.stdout + out.stderr


def _bad(tmp_path, name, old, new, *more):
    """The scenario with ``old`` replaced by ``new`` (and each further pair of ``more``)."""
    text = (ROOT / "scenarios" / name).read_text(encoding="utf-8")
    for was, now in ((old, new), *zip(more[::2], more[1::2])):
        assert was in text
        text = text.replace(was, now, 1)
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text.splitlines()


def test_a_coin_with_no_collateral_ratio_is_a_located_error(tmp_path):
    path, lines = _bad(tmp_path, "bybit-unified-trading-account-short-btc.yaml",
                       "      - deposit: {account: UTA, asset: USDT, amount: 10000}\n",
                       "      - deposit: {account: UTA, asset: USDT, amount: 10000}\n"
                       "      - deposit: {account: UTA, asset: ETH, amount: 1}\n",
                       "prices: {BTC: 50000, USDT: 1}", "prices: {BTC: 50000, USDT: 1, ETH: 3000}")
    out = simulate(path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "error[MV606]" in out.stderr and "no tier table for market 'ETH/USD'" in out.stderr, out.stderr
    line = next(i for i, t in enumerate(lines, 1) if "asset: ETH" in t)
    assert f"bad.yaml:{line}:" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("old, new, where", [
    # a negative balance is stated in a scenario only as a negative amount: refused as read, at its place
    ("{account: MCM, asset: USDT, amount: 5000}", "{account: MCM, asset: USDT, amount: -5000}", "amount: -5000"),
    ("maintenanceMargin: 30000,", "maintenanceMargin: -30000,", "maintenanceMargin: -30000"),
    ("set_derivatives: {account: MCM,", "set_derivatives: {account: NOBODY,", "NOBODY"),
])
def test_bad_unified_input_is_located(tmp_path, old, new, where):
    path, lines = _bad(tmp_path, "okx-multi-currency-margin-btc-collateral.yaml", old, new)
    out = simulate(path)
    assert out.returncode == 2, out.stdout + out.stderr
    line = next(i for i, t in enumerate(lines, 1) if where in t)
    assert f"bad.yaml:{line}:" in out.stderr and "error[MV" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("old, new, refusal", [
    ("      - deposit: {account: MCM, asset: BTC, amount: 1}\n",
     "      - deposit: {account: MCM, asset: USD, amount: 1}\n", "valuation currency"),
    ("      - deposit: {account: MCM, asset: BTC, amount: 1}\n",
     "      - deposit: {account: MCM, asset: BTC, amount: 1}\n"
     "      - sell: {account: MCM, market: BTC/USD, amount: 1}\n",
     "valuation currency"),
    ("maintenanceMargin: 30000, notional: 600000", "maintenanceMargin: 46000, notional: 600000",
     "liquidation condition"),  # opening positions the collateral cannot carry
])
def test_refused_unified_actions_fail_the_scenario(tmp_path, old, new, refusal):
    path, _ = _bad(tmp_path, "okx-multi-currency-margin-btc-collateral.yaml", old, new)
    out = simulate(path)
    assert out.returncode == 1 and refusal in out.stderr, out.stdout + out.stderr
