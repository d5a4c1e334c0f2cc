"""The example ccxt exports (examples/ccxt/, README there: what ccxt itself wrote for recorded responses) run
through ``margin-verifier evaluate`` as a user would run them, each with the outcome its README states."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "ccxt"

# file: (rule, date or None, exit code, what the result must say)
OUTCOMES = {
    "binance-usdm-perpetual.json": ("binance/usdm-perpetual", "2024-07-28", 0, "BTC/USDT:USDT"),
    "binance-coinm-perpetual.json": ("binance/coinm-perpetual", "2024-07-27", 2, "walletBalance"),
    "binance-spot-margin-cross.json": ("binance/spot-margin", None, 0, "status unknown"),
    "binance-spot-margin-isolated.json": ("binance/spot-margin", None, 0, "holds and owes nothing"),
    "gate-usdt-perpetual.json": ("gate/usdt-perpetual", "2024-01-12", 0, "LTC/USDT:USDT"),
    "bitget-usdt-perpetual.json": ("bitget/usdt-perpetual", "2026-12-07", 0, "31724.970702417"),
    "dydx-v4-perpetual.json": ("dydx/v4-perpetual", "2024-08-22", 0, "over-collateralised long"),
    "hyperliquid-perpetual.json": ("hyperliquid/perpetual", "2024-10-10", 0, "SOL/USDC:USDC"),
    "hyperliquid-perpetual-hip3.json": ("hyperliquid/perpetual", "2025-11-28", 2, "not in the market catalog"),
    "okx-inverse-swap.json": ("okx/inverse-swap", "2026-11-28", 0, "69536.6125000014"),
    "okx-linear-swap.json": ("okx/linear-swap", "2026-11-28", 2, "walletBalance"),
    "bybit-unified-trading-account.json": ("bybit/unified-trading-account", "2025-01-14", 2,
                                           "'USDC/USD' is not in the market catalog"),
    "okx-multi-currency-margin.json": ("okx/multi-currency-margin", "2025-07-11", 2,
                                       "BTC: maintenanceMargin is read as mmr and mmr is absent"),
}


def evaluate(name, *extra):
    rule, date, _, _ = OUTCOMES[name]
    args = [sys.executable, "-m", "verifier", "evaluate", rule, str(EXAMPLES / name), *extra]
    if date:
        args += ["--date", date]
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False)


def test_every_example_is_run_and_described():
    files = sorted(p.name for p in EXAMPLES.glob("*.json"))
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert files == sorted(OUTCOMES) and all(f"`{name}`" in readme for name in files)


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_example_evaluates_with_its_stated_outcome(name):
    _, _, code, said = OUTCOMES[name]
    proc = evaluate(name)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and said in (proc.stdout + proc.stderr)


def test_the_hyperliquid_example_agrees_with_the_exchange_and_lists_what_it_does_not_read():
    for name, exchange in (("hyperliquid-perpetual.json", "22881.19788911"),):
        proc = evaluate(name, "--format", "json", "--rtol", "1e-11")
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        priced = [p for pool in data["accounts"] for p in pool["positions"] if p["liquidationPrice"]]
        assert [p["reconciliation"]["exchange"] for p in priced] == [exchange]
        unread = {u["path"]: u for u in data["unread"]}
        assert unread["collateral"]["why"].startswith("ccxt's collateral is marginUsed")
        assert "info.position.cumFunding.allTime" in unread and "info.position.szi" not in unread


def test_the_spot_margin_cross_example_is_answered_where_it_can_be():
    proc = evaluate("binance-spot-margin-cross.json", "--format", "json")
    data = json.loads(proc.stdout)
    [pool] = data["accounts"]
    [btc] = pool["positions"]
    assert pool["quote"] == "USDT" and pool["marginLevel"] is None and pool["status"] == "unknown"
    assert btc["symbol"] == "BTC" and btc["liquidationPrice"] is None and btc["lacks"][0]["symbol"] == "P"
    assert F(btc["unrealizedPnl"] or 0) == 0
