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
    "binance-coinm-perpetual.json": ("binance/coinm-perpetual", "2026-12-07", 0, "tier 1: MMR 0.004, cum 0 (catalog)"),
    "binance-spot-margin-cross.json": ("binance/spot-margin", None, 0, "status unknown"),
    "binance-spot-margin-isolated.json": ("binance/spot-margin", None, 0, "holds and owes nothing"),
    "bybit-linear-perpetual.json": ("bybit/linear-perpetual", "2026-11-21", 0, "over-collateralised long"),
    "bybit-inverse-perpetual.json": ("bybit/inverse-perpetual", "2026-11-28", 2, "OM"),
    "gate-usdt-perpetual.json": ("gate/usdt-perpetual", "2024-01-12", 0, "LTC/USDT:USDT"),
    "bitget-usdt-perpetual.json": ("bitget/usdt-perpetual", "2026-12-07", 0, "31724.970702417"),
    "dydx-v4-perpetual.json": ("dydx/v4-perpetual", "2024-08-22", 0, "over-collateralised long"),
    "hyperliquid-perpetual.json": ("hyperliquid/perpetual", "2024-10-10", 0, "SOL/USDC:USDC"),
    "hyperliquid-perpetual-hip3.json": ("hyperliquid/perpetual", "2025-11-28", 2, "not in the market catalog"),
    "okx-inverse-swap.json": ("okx/inverse-swap", "2026-11-28", 0, "69536.6125000014"),
    "okx-linear-swap.json": ("okx/linear-swap", "2026-11-28", 0, "both none"),
    "okx-spot-margin-isolated.json": ("okx/spot-margin", "2024-08-27", 0, "53615.448336593756"),
    "kucoin-linear-perpetual.json": ("kucoin/linear-perpetual", "2024-10-21", 0, "45314.33"),
    "kucoin-inverse-perpetual.json": ("kucoin/inverse-perpetual", "2024-11-03", 2, "'ETHUSDM' is not a ccxt contract"),
    "kucoin-spot-margin-isolated.json": ("kucoin/spot-margin", None, 0, "status unknown"),
    "kucoin-spot-margin-cross.json": ("kucoin/spot-margin", None, 0, "status normal"),
    "bybit-unified-trading-account.json": ("bybit/unified-trading-account", "2025-01-14", 2,
                                           "no tier table for market 'USDC/USD'"),
    "bybit-unified-trading-account-positions.json": ("bybit/unified-trading-account", "2026-12-07", 2,
                                                     "no tier table for market 'USDC/USD'"),
    "okx-multi-currency-margin.json": ("okx/multi-currency-margin", "2025-07-11", 2,
                                       "reads each coin's futures maintenance margin from the fetch_positions() rows"),
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


def test_the_okx_margin_example_agrees_with_okx_price_and_margin_ratio():
    """The row's own maintenance amount over its liabilities is its MMR (0.02); with the fee rate beside it, the
    price and the margin ratio are OKX's liqPx and mgnRatio (their last digits are OKX's rounding of mmr)."""
    proc = evaluate("okx-spot-margin-isolated.json", "--format", "json", "--rtol", "1e-12")
    assert proc.returncode == 0, proc.stderr
    [pool] = json.loads(proc.stdout)["accounts"]
    [btc] = pool["positions"]
    assert (pool["symbol"], pool["quote"], btc["symbol"], btc["side"]) == ("BTC/USDT", "USDT", "BTC", "long")
    assert abs(F(btc["liquidationPrice"]) / F("53615.448336593756") - 1) < F(1, 10**13)
    assert abs(F(btc["marginRatio"]) / F("9.404143929947395") - 1) < F(1, 10**11)


def test_the_okx_margin_recording_alone_is_refused_naming_the_fee_rate(tmp_path):
    rows = json.loads((EXAMPLES / "okx-spot-margin-isolated.json").read_text())["positions"]
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(rows))
    proc = subprocess.run([sys.executable, "-m", "verifier", "evaluate", "okx/spot-margin", str(path), "--date",
                           "2024-08-27"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2 and "MV600" in proc.stderr and "takerFeeRate" in proc.stderr, proc.stderr


def test_the_kucoin_linear_example_reads_the_raw_fields_kucoin_computes_with():
    proc = evaluate("kucoin-linear-perpetual.json", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    [position] = [p for pool in data["accounts"] for p in pool["positions"]]
    assert position["reconciliation"]["exchange"] == "45314.33"
    # ours is KuCoin's boundary from its own posMargin and posMaint (45314.3275) less 0.01 of fee term
    assert abs(F(position["liquidationPriceExact"]) - F("45314.3176")) < F("0.0001")
    assert abs(F(position["reconciliation"]["relative"])) < F("5e-7")
    # posCost x (maintMarginReq + (1 + 1/lev) x taker + the position's own funding rate): lev = posCost / posInit
    # (3.0000000003 as KuCoin rounds posInit), the funding rate (posMaint - posComm) / posCost - maintMarginReq = 0.00003
    expected = F("67.4309") * (F("0.005") + F(4, 3) * F("0.0006") + F("0.00003"))
    assert abs(F(position["maintenanceMargin"]) - expected) < F("1e-11")
    unread = {u["path"]: u for u in data["unread"]}
    assert unread["info.realLeverage"]["why"].startswith("the position value over its margin")
    assert "info.posMargin" not in unread and "info.posMaint" not in unread


def test_a_kucoin_position_after_the_2025_05_22_change_is_refused_naming_the_liquidation_fee_rate():
    args = [sys.executable, "-m", "verifier", "evaluate", "kucoin/linear-perpetual",
            str(EXAMPLES / "kucoin-linear-perpetual.json"), "--date", "2025-06-01"]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2 and "LFR" in proc.stderr and "liquidation fee rate" in proc.stderr, proc.stderr



def test_the_bybit_linear_example_reads_the_wallet_from_the_paired_balance_and_bybits_maintenance_margin():
    """The BTCUSDT row of 2024-06-27 beside ccxt's recorded unified wallet answer of 2025-01-14: the USDT wallet is
    read from the balance (not Bybit's margin balance of that moment, so no price to compare), and the maintenance
    margin with the fee to close is Bybit's own positionMM of the row."""
    proc = evaluate("bybit-linear-perpetual.json", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [pool] = json.loads(proc.stdout)["accounts"]
    [position] = pool["positions"]
    assert pool["walletBalance"] == "3322.25896609" and position["liquidationPrice"] is None
    assert abs(F(position["maintenanceMargin"]) - F("0.33391302")) < F("1e-8")
    assert position["reconciliation"]["exchange"] == "5480.2026151"


def test_the_okx_linear_example_is_priced_with_the_wallet_given_by_hand(tmp_path):
    data = json.loads((EXAMPLES / "okx-linear-swap.json").read_text())
    assert data["walletBalance"] == "4850.435693622894"  # stated by hand (README): not this account's balance
    proc = evaluate("okx-linear-swap.json", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [pool] = json.loads(proc.stdout)["accounts"]
    [position] = pool["positions"]
    assert position["liquidationPrice"] is None and position["reconciliation"]["verdict"] == "both none"
    # the recording alone (the rule's conformance shape) is still refused, naming the wallet
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(data["positions"]))
    bare = subprocess.run([sys.executable, "-m", "verifier", "evaluate", "okx/linear-swap", str(path), "--date",
                           "2026-11-28"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert bare.returncode == 2 and "walletBalance" in bare.stderr, bare.stderr


def test_the_coinm_example_reads_the_paired_wallet_and_the_catalogs_first_bracket():
    """The paired /dapi/v1/account answer gives the BTC cross wallet and the catalog's BTCUSD table the bracket (the
    first: MMR 0.4 %, cum 0); the price follows from the stated formula, not from Binance's own wallet."""
    proc = evaluate("binance-coinm-perpetual.json", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [pool] = json.loads(proc.stdout)["accounts"]
    [position] = pool["positions"]
    assert pool["walletBalance"] == "0.00241969" and position["tier"] == 1
    # short 3 contracts of 100 USD: P = CM * (Q * MMR - Q) / (WB + cum - CM * Q / EP)
    q, cm, ep, wb = F(3), F(100), F("68911.00000037"), F("0.00241969")
    expected = cm * (q * F("0.004") - q) / (wb - cm * q / ep)
    assert abs(F(position["liquidationPriceExact"]) - expected) < F("1e-12")
    assert position["reconciliation"]["exchange"] == "72491.16879818"


def test_the_coinm_example_on_its_recorded_date_is_refused_naming_the_bracket_table():
    args = [sys.executable, "-m", "verifier", "evaluate", "binance/coinm-perpetual",
            str(EXAMPLES / "binance-coinm-perpetual.json"), "--date", "2024-07-27"]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2 and "MV607" in proc.stderr and "2026-12-07" in proc.stderr, proc.stderr
