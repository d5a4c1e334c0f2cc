"""The Gate and Bitget example exports (examples/ccxt/, README there) through ``evaluate`` and ``compare`` as a user
runs them: Gate's recorded isolated position priced to Gate's own price; Bitget's recorded cross position with the
wallet given by hand (the recording has none), priced, compared and said apart from Bitget's."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "ccxt"
GATE = ("gate/usdt-perpetual", EXAMPLES / "gate-usdt-perpetual.json", "2024-01-12")
BITGET = ("bitget/usdt-perpetual", EXAMPLES / "bitget-usdt-perpetual.json", "2026-12-07")


def run(verb, example, *extra) -> subprocess.CompletedProcess:
    rule, path, date = example
    return subprocess.run([sys.executable, "-m", "verifier", verb, rule, str(path), "--date", date, *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_gate_example_agrees_with_gates_own_price_within_half_a_tick():
    proc = run("evaluate", GATE, "--format", "json", "--rtol", "1e-4")
    assert proc.returncode == 0, proc.stderr
    [ltc] = json.loads(proc.stdout)["accounts"][0]["positions"]
    assert ltc["marginMode"] == "isolated" and ltc["bracket"] == "MMR 0.01 (position)"  # Gate's maintenance_rate
    exact = F(ltc["liquidationPriceExact"])
    # (entry - margin / (multiplier x size)) / (1 - (maintenance rate + taker 0.075 %)), margin without the PnL
    by_hand = (F("74.35") - F("1.49257625") / F("0.1")) / (1 - F("0.01") - F("0.00075"))
    assert abs(exact - by_hand) < F(1, 10**17)  # the exact value is written to 18 decimals
    assert ltc["reconciliation"]["exchangeRaw"] == "60.07" and ltc["reconciliation"]["verdict"] == "agree"
    assert abs(exact - F("60.07")) < F("0.005")  # Gate's price is at the tick 0.01


def test_gate_example_refuses_a_tolerance_tighter_than_gates_rounding():
    proc = run("evaluate", GATE, "--rtol", "1e-8")
    assert proc.returncode == 1 and "disagree" in proc.stdout, proc.stdout + proc.stderr


def test_gate_example_compares_and_the_simulator_agrees():
    proc = run("compare", GATE, "--shock", "-10%,-25%", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    [ltc] = data["positions"]
    assert ltc["isolated"]["liquidationPrice"] == ltc["cross"]["liquidationPrice"]  # held alone: the same backing
    ten, twenty_five = (shock["steps"][0] for shock in data["shocks"])
    assert ten["isolated"]["liquidated"] == [] and twenty_five["isolated"]["liquidated"] == ["LTC/USDT:USDT"]
    assert data["crossCheck"]["agrees"] is True and data["crossCheck"]["checks"] == 4


def test_bitget_example_prices_the_cross_position_with_the_wallet_given_and_says_it_is_not_bitgets():
    proc = run("evaluate", BITGET, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [pool] = json.loads(proc.stdout)["accounts"]
    [btc] = pool["positions"]
    assert btc["marginMode"] == "cross" and btc["reconciliation"]["exchangeRaw"] == "31724.970702417"
    # wallet 3.73555 + PnL - (0.4 % maintenance + 0.06 % taker) of 0.002 BTC at the price: solved for the price
    q, entry, wallet = F("0.002"), F("37355.5"), F("3.73555")
    by_hand = (q * entry - wallet) / (q * (1 - F("0.004") - F("0.0006")))
    assert abs(F(btc["liquidationPriceExact"]) - by_hand) < F(1, 10**17)
    assert btc["reconciliation"]["verdict"] == "not judged"  # no tolerance given: shown, not judged
    refused = run("evaluate", BITGET, "--rtol", "1e-6")  # the hand-given wallet is not the account Bitget priced
    assert refused.returncode == 1 and "disagree" in refused.stdout


def test_bitget_example_compares_in_cross_and_isolated():
    proc = run("compare", BITGET, "--shock", "-10%", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    [btc] = data["positions"]
    assert btc["cross"]["liquidationPrice"] == "35651.7"
    assert data["maxLoss"] == {"cross": {"USDT": "3.73555"}, "isolated": {"USDT": "3.73555"}}
    assert data["crossCheck"]["agrees"] is True
