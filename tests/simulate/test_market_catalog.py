"""The simulator takes tier rows and per-market inputs from the rule's market catalog, in force on the scenario's
date; a market the catalog lacks (or lacks on that date) is a located, coded error naming the import command.
Was: a bare "no tier table for market 'SOL/USDT:USDT'" with no code and no place."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINANCE = (ROOT / "scenarios" / "binance-futures-cross-vs-isolated.yaml").read_text(encoding="utf-8")

HYPERLIQUID = """format: 1
scenario: hyperliquid-max-leverage-from-the-catalog
title: "Hyperliquid: an isolated BTC long whose maintenance margin uses the catalog's maximum leverage"
rule: hyperliquid/perpetual
date: 2026-11-28
accounts:
  - {id: B, user: B, kind: cross}
  - {id: B-BTC, user: B, kind: isolated, market: BTC/USDC:USDC}
steps:
  - label: open at 100,000
    prices: {BTC/USDC:USDC: 100000}
    actions:
      - deposit: {account: B, asset: USDC, amount: 5000}
      - add_margin: {account: B-BTC, asset: USDC, amount: 1000}
      - trade: {account: B-BTC, market: BTC/USDC:USDC, side: buy, amount: 0.1}
    expect:
      B-BTC: {status: normal, equity: 1000, positions: 1}
  - label: 91,200
    prices: {BTC/USDC:USDC: 91200}
    expect:
      B-BTC: {status: normal}
  - label: 91,100
    prices: {BTC/USDC:USDC: 91100}
    expect:
      B-BTC: {status: liquidated}
"""


def simulate(tmp_path, text: str) -> subprocess.CompletedProcess:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "verifier", "simulate", str(path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_a_market_the_catalog_lacks_is_located_at_the_action_that_trades_it(tmp_path):
    proc = simulate(tmp_path, BINANCE.replace("BTC/USDT:USDT", "NOPE/USDT:USDT"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "error[MV606]" in proc.stderr and "no tier table for market 'NOPE/USDT:USDT'" in proc.stderr
    assert "(at $.steps[0].actions[1])" in proc.stderr and "margin-verifier import binance/usdm-perpetual" in proc.stderr


def test_a_date_before_the_markets_first_brackets_is_located_too(tmp_path):
    proc = simulate(tmp_path, BINANCE.replace("BTC/USDT:USDT", "SOL/USDT:USDT").replace("date: 2026-11-21",
                                                                                     "date: 2021-01-01"))
    assert proc.returncode == 2 and "error[MV607]" in proc.stderr and "known from 2022-02-12" in proc.stderr


def test_the_catalogs_brackets_in_force_on_the_date_are_used(tmp_path):
    """The shipped scenario at 2026-11-21: 15,000 USDT of BTC is in bracket 1 of the 2026 table (0.4 %)."""
    assert simulate(tmp_path, BINANCE).returncode == 0
    # on 2024-10-05 the 2024 table puts 15,000 in its first bracket as well, at 0.4 %: same run
    assert simulate(tmp_path, BINANCE.replace("date: 2026-11-21", "date: 2024-10-05")).returncode == 0


def test_a_symbol_from_a_market_field_takes_the_catalogs_value(tmp_path):
    """maxLev comes from the catalog (BTC 40x: maintenance 1/80 of the notional); at 50x the position would still
    stand at 91,100 (0.099 P < 9,000 only below 90,909)."""
    proc = simulate(tmp_path, HYPERLIQUID)
    assert proc.returncode == 0, proc.stdout + proc.stderr
