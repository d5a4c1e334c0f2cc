"""Warnings of one code are one line on stderr, with their count and what each is about, on every verb that warns
(evaluate and compare: market data gone stale, MV609; check: what worked examples leave unpinned, MV408/MV458):
the first few named, every one with the global option ``--verbose``.  Errors stay one line each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKETS = ("BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "BNB", "LINK", "LTC", "DOT")  # ten Binance USD-M markets


def margin_verifier(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verifier", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def ten_markets(tmp_path) -> Path:
    """An isolated snapshot holding a small long in each of :data:`MARKETS` (prices far from any liquidation)."""
    positions = [{"symbol": f"{base}/USDT:USDT", "side": "long", "contracts": "1", "entryPrice": "100",
                  "markPrice": "100", "leverage": "2", "collateral": "60"} for base in MARKETS]
    path = tmp_path / "ten.json"
    path.write_text(json.dumps({"marginMode": "isolated", "walletBalance": "1000", "positions": positions}))
    return path


def stale_lines(stderr: str) -> list:
    return [line for line in stderr.splitlines() if "[MV609]" in line]


def test_evaluate_says_stale_market_data_once_naming_the_first_markets_and_all_with_verbose(tmp_path):
    snapshot = ten_markets(tmp_path)
    done = margin_verifier("evaluate", "binance/usdm-perpetual", snapshot, "--date", "2027-06-01")
    assert done.returncode == 0, done.stderr
    [line] = stale_lines(done.stderr)
    assert line.startswith("warning[MV609]: 10 markets whose data were last seen more than 30 days before 2027-06-01")
    assert "BTC/USDT:USDT (market data 524 days old, tiers 245 days old)" in line
    assert "and 2 more (--verbose names them all)" in line and "LTC/USDT:USDT" not in line
    assert line.endswith("hint: refresh them: margin-verifier import binance/usdm-perpetual --live binanceusdm, or "
                         "--markets/--tiers with ccxt dumps")
    [verbose] = stale_lines(margin_verifier("--verbose", "evaluate", "binance/usdm-perpetual", snapshot, "--date",
                                            "2027-06-01").stderr)
    assert all(f"{base}/USDT:USDT (" in verbose for base in MARKETS) and "names them all" not in verbose


def test_one_stale_market_keeps_its_own_full_warning(tmp_path):
    snapshot = tmp_path / "one.json"
    snapshot.write_text(json.dumps({"marginMode": "isolated", "positions": [{
        "symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "entryPrice": "60000", "markPrice": "60000",
        "collateral": "1000"}]}))
    [line] = stale_lines(margin_verifier("evaluate", "binance/usdm-perpetual", snapshot, "--date",
                                         "2027-06-01").stderr)
    assert line.startswith("warning[MV609]: the market data of BTC/USDT:USDT were last seen on 2025-12-24")


def test_compare_groups_them_too_and_verbose_is_accepted_after_the_verb(tmp_path):
    done = margin_verifier("compare", "binance/usdm-perpetual", ten_markets(tmp_path), "--date", "2027-06-01",
                           "--verbose")
    assert done.returncode == 0, done.stderr
    [line] = stale_lines(done.stderr)
    assert line.startswith("warning[MV609]: 10 markets") and all(f"{b}/USDT:USDT (" in line for b in MARKETS)


def test_check_groups_warnings_of_one_code_and_keeps_each_error(tmp_path):
    done = margin_verifier("check", "tests/corpus/invalid/example-wrong-value.yaml",
                           "tests/corpus/invalid/unknown-unit.yaml")
    lines = done.stderr.splitlines()
    [regimes] = [line for line in lines if "[MV408]" in line]
    assert regimes.startswith("warning[MV408]: 2 dated regimes no worked example pins")
    assert "example-wrong-value.yaml:31:13 (fee_rate = 0.005 from 2020-01-01 until 2024-08-12)" in regimes
    assert sum("error[" in line for line in lines) == 2  # MV500 and MV301, each on its own line
    # machine formats keep one record per diagnostic
    data = json.loads(margin_verifier("check", "--format", "json", "tests/corpus/invalid/example-wrong-value.yaml",
                                      "tests/corpus/invalid/unknown-unit.yaml").stdout)
    assert sum(d["code"] == "MV408" for f in data["files"] for d in f["diagnostics"]) == 2
