"""Market data in evaluate, on the shipped catalogs: the issue's done-when cases, the tick, the catalog filling what a
position lacks, a market the catalog does not list, staleness, and the rule-wide tick refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

from verifier.read import check_file, load_rule

ROOT = Path(__file__).resolve().parents[2]


def evaluate(tmp_path, rule, snapshot: dict, *args) -> subprocess.CompletedProcess:
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot))
    return subprocess.run([sys.executable, "-m", "verifier", "evaluate", rule, str(path), "--json", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def isolated(symbol, **fields) -> dict:
    return {"marginMode": "isolated", "positions": [{"symbol": symbol, "side": "long", **fields}]}


def test_a_1000sats_position_gets_its_exact_price_and_one_at_the_markets_real_tick(tmp_path):
    proc = evaluate(tmp_path, "binance/usdm-perpetual", isolated(
        "1000SATS/USDT:USDT", contracts="1000000", entryPrice="0.0003", markPrice="0.0003", collateral="30"),
        "--date", "2026-11-28")
    assert proc.returncode == 0, proc.stderr
    [position] = json.loads(proc.stdout)["positions"]
    # bracket 1 of the shipped 2026-09-29 table (0-5,000 USDT, MMR 2 %, cum 0): 30 + 10^6 (P - 0.0003) = 0.02 x 10^6 P
    exact = F(270, 980000)
    assert position["tier"] == 1 and position["maintenanceMargin"] == "6"
    assert F(position["liquidationPriceExact"]) == round(exact, 18)
    # the market's tick on Binance (exchangeInfo 2025-12-24, PRICE_FILTER tickSize 0.0000001), half-up
    assert position["priceTick"] == "0.0000001" and position["liquidationPrice"] == "0.0002755"
    assert "warning[MV609]" in proc.stderr and "margin-verifier import binance/usdm-perpetual" in proc.stderr


def test_a_bybit_position_without_fee_fields_takes_the_catalogs_taker_fee(tmp_path):
    """The fee to close enters both margins (it cancels out of the price); the catalog gives the default fee."""
    proc = evaluate(tmp_path, "bybit/linear-perpetual", isolated(
        "BTC/USDT:USDT", contracts="1", entryPrice="20000", markPrice="20000", leverage="50", collateral="400"),
        "--date", "2026-11-28")
    assert proc.returncode == 0, proc.stderr
    [position] = json.loads(proc.stdout)["positions"]
    assert position["liquidationPrice"] == "19700.0" and position["priceTick"] == "0.1"  # worked example Y3
    # maintenance margin 100 + fee to close 20,000 x 0.98 x 0.0006 (the catalog's taker fee) = 111.76
    assert position["maintenanceMargin"] == "111.76"


def test_the_positions_own_fee_overrides_the_catalog(tmp_path):
    proc = evaluate(tmp_path, "bybit/linear-perpetual", isolated(
        "BTC/USDT:USDT", contracts="1", entryPrice="20000", markPrice="20000", leverage="50", collateral="400",
        takerFeeRate="0.00055"), "--date", "2026-11-28")
    assert json.loads(proc.stdout)["positions"][0]["maintenanceMargin"] == "110.78"


def test_the_catalog_gives_a_contract_size_and_a_fee_the_position_lacks(tmp_path):
    """OKX BTC-USDT-SWAP: 100 contracts of 0.01 BTC (ctVal) and the 0.05 % taker fee, neither in the export."""
    proc = evaluate(tmp_path, "okx/linear-swap", isolated(
        "BTC/USDT:USDT", contracts="100", entryPrice="60000", markPrice="60000", collateral="6000",
        maintenanceMarginPercentage="0.004"), "--date", "2026-11-28")
    assert proc.returncode == 0, proc.stderr
    [position] = json.loads(proc.stdout)["positions"]
    # (q EP - M) / (q (1 - MMR - f)) with q = 1 BTC: 54,000 / 0.9955
    assert F(position["liquidationPriceExact"]) == round(F(54000) / F("0.9955"), 18)
    assert position["liquidationPrice"] == "54244.1" and position["priceTick"] == "0.1"


def test_a_market_the_catalog_lacks_is_located_and_says_how_to_import_it(tmp_path):
    proc = evaluate(tmp_path, "binance/usdm-perpetual", isolated(
        "NOPE/USDT:USDT", contracts="1", contractSize="1", entryPrice="1", markPrice="1", collateral="1"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "error[MV606]" in proc.stderr and "(at $.positions[0].symbol)" in proc.stderr
    assert "margin-verifier import binance/usdm-perpetual --markets MARKETS.json --tiers TIERS.json" in proc.stderr


def test_a_position_giving_everything_is_still_refused_in_a_market_the_catalog_lacks(tmp_path):
    """A symbol the exchange's data does not list (a typo, another exchange's, an inverse one under a linear rule)
    cannot be judged by the rule, even where the position gives every value (issue 24: it was priced, exit 0)."""
    proc = evaluate(tmp_path, "binance/usdm-perpetual", isolated(
        "NOPE/USDT:USDT", contracts="1", contractSize="1", entryPrice="100", markPrice="100", collateral="10",
        maintenanceMarginPercentage="0.01", maintenanceAmount="0"))
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert "error[MV606]: market 'NOPE/USDT:USDT' is not in the market catalog" in proc.stderr
    assert "(at $.positions[0].symbol)" in proc.stderr


def test_a_date_before_the_catalogs_first_version_is_located(tmp_path):
    proc = evaluate(tmp_path, "binance/usdm-perpetual", isolated(
        "1000SATS/USDT:USDT", contracts="1", contractSize="1", entryPrice="1", markPrice="1", collateral="1"),
        "--date", "2024-01-01")
    assert proc.returncode == 2 and "error[MV607]" in proc.stderr and "2026-09-29" in proc.stderr


def test_data_in_force_on_an_old_date_is_not_stale_while_a_later_version_exists(tmp_path):
    proc = evaluate(tmp_path, "binance/usdm-perpetual", isolated(
        "BTC/USDT:USDT", contracts="1", contractSize="1", entryPrice="60000", markPrice="60000", collateral="1000"),
        "--date", "2024-10-05")
    assert proc.returncode == 0 and "warning" not in proc.stderr
    assert json.loads(proc.stdout)["positions"][0]["tier"] == 2  # the 2024-10-03 brackets: 50,000-600,000


def test_stale_market_data_warns_with_its_date_and_the_import_command(tmp_path):
    proc = evaluate(tmp_path, "binance/usdm-perpetual", isolated(
        "BTC/USDT:USDT", contracts="1", entryPrice="60000", markPrice="60000", collateral="1000"),
        "--date", "2027-06-01")
    assert proc.returncode == 0, proc.stderr
    # one warning per market: its specification and its tiers in one line
    [line] = [line for line in proc.stderr.splitlines() if line.startswith("warning[MV609]")]
    assert "market data of BTC/USDT:USDT were last seen on 2025-12-24" in line
    assert "its tiers on 2026-09-29 (source freqtrade-2026.9), 245 days before" in line and "2027-06-01" in line
    assert "margin-verifier import binance/usdm-perpetual --live binanceusdm" in line


def test_a_rule_wide_tick_is_refused_for_a_catalog_of_many_markets(tmp_path):
    shutil.copytree(ROOT / "rules" / "binance", tmp_path / "binance")
    rule = tmp_path / "binance" / "usdm-perpetual.yaml"
    rule.write_text(rule.read_text().replace("    rounding: half-up\n", "    rounding: half-up\n    tick: 0.01\n", 1))
    [problem] = check_file(rule).diagnostics
    assert problem.code == "MV812" and "lists 920 markets" in problem.message and problem.line > 0


def test_a_market_listed_in_two_shards_is_refused(tmp_path):
    shutil.copytree(ROOT / "tests" / "corpus" / "valid", tmp_path / "valid")
    folder = tmp_path / "valid" / "markets" / "example"
    shutil.copy(folder / "markets-B.json", folder / "markets-other.json")
    problems = check_file(tmp_path / "valid" / "minimal-linear.yaml").diagnostics
    assert [p.code for p in problems] == ["MV803"] and "listed twice" in problems[0].message  # the root alone


def test_shipped_catalogs_cover_the_markets_the_rules_read(tmp_path):
    usdm = load_rule("binance/usdm-perpetual")
    assert len(usdm.markets.entries) >= 900 and len(usdm.tiers.tables) >= 900
    btc = usdm.markets.market("BTC/USDT:USDT")
    assert [v.provenance.effective.isoformat() for v in btc.tiers][-1] == "2026-09-29"
    assert btc.tiers[-1].table.rows[0].cap == 300000 and len(btc.tiers[-1].table.rows) == 12
    assert load_rule("hyperliquid/perpetual").markets.market("BTC/USDC:USDC").spec_at().max_leverage == 40


@pytest.mark.skipif(not os.environ.get("MARGIN_VERIFIER_LIVE"), reason="the network: set MARGIN_VERIFIER_LIVE=1")
def test_live_import_dry_run_reads_what_ccxt_returns():  # pragma: no cover - never in CI
    proc = subprocess.run([sys.executable, "-m", "verifier", "import", "hyperliquid/perpetual", "--live",
                           "hyperliquid", "--check", "--source", "hyperliquid-meta-vj0246"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode in (0, 1) and "import into hyperliquid/perpetual" in proc.stdout


def test_the_old_hand_typed_2024_btc_table_is_the_start_of_the_version_in_force_then():
    """rules/binance/tiers/BTCUSDT.yaml (effective 2024-10-01, first six brackets) became a dated catalog version."""
    day = __import__("datetime").date(2024, 10, 1)
    table = load_rule("binance/usdm-perpetual").tiers.table("BTC/USDT:USDT", date=day)
    old = [(0, 50000, "0.004", 0, 125), (50000, 600000, "0.005", 50, 100), (600000, 3000000, "0.0065", 950, 75),
           (3000000, 12000000, "0.01", 11450, 50), (12000000, 70000000, "0.02", 131450, 25),
           (70000000, 100000000, "0.025", 481450, 20)]
    got = [(r.floor, r.cap, r.values["MMR"], r.values["cum"], r.values["max_leverage"]) for r in table.rows[:6]]
    assert got == [(F(a), F(b), F(c), F(d), F(e)) for a, b, c, d, e in old] and len(table.rows) == 12
