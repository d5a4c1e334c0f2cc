"""``margin-verifier evaluate`` as a user runs it: the text and JSON users see, and bad input (exit 2, located).

The expected outputs under ``expected/`` were produced by the evaluate verb before the reading/derive/report split;
they pin what users see. Regenerate one after an intended change with ``MARGIN_VERIFIER_UPDATE_EXPECTED=1``.
"""

from __future__ import annotations

import json
from fractions import Fraction as F
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from json_versions import without_versions

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "derive" / "snapshots"
EXPECTED = Path(__file__).parent / "expected"
LOCATED = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>MV\d{3})\]: (?P<message>.*)$", re.M)

BUNDLED = [("hedge-cross", "binance/usdm-perpetual", "2026-10-01"),
           ("official-cross", "binance/usdm-perpetual", "2026-10-01"), ("spot-cross-m1", "binance/spot-margin", None)]
"""(snapshot, rule, date): the futures outputs use the market data in force on 2026-10-01 (BTCUSDT tick 0.1, the
2026 brackets), so importing newer data does not change them."""


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verifier", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def matches_expected(name: str, text: str) -> bool:
    path = EXPECTED / name
    if name.endswith(".json"):
        text = without_versions(text)
    if os.environ.get("MARGIN_VERIFIER_UPDATE_EXPECTED"):
        path.write_text(text, encoding="utf-8")
    return text == path.read_text(encoding="utf-8")


def located(stderr: str) -> dict:
    """The first diagnostic of stderr, which must be a located one (file:line:col with a line)."""
    found = LOCATED.search(stderr)
    assert found, f"no located diagnostic in:\n{stderr}"
    assert int(found["line"]) > 0 and "Traceback" not in stderr and "internal error" not in stderr, stderr
    return found.groupdict()


@pytest.mark.parametrize("snapshot, rule, date", BUNDLED)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_bundled_snapshot_output(snapshot, rule, date, fmt):
    proc = run("evaluate", rule, SNAPSHOTS / f"{snapshot}.json", "--format", fmt, *(["--date", date] if date else []))
    assert proc.returncode == 0, proc.stderr
    assert matches_expected(f"evaluate-{snapshot}.{'txt' if fmt == 'text' else 'json'}", proc.stdout)


def test_json_flag_is_format_json():
    proc = run("evaluate", "binance/usdm-perpetual", SNAPSHOTS / "official-cross.json", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "normal"


def test_date_before_the_rule_says_anything_is_exit_2_at_the_parameter():
    """Was exit 3 (LookupError): a parameter with no value before 2019-09-01."""
    proc = run("evaluate", "binance/usdm-perpetual", SNAPSHOTS / "official-cross.json", "--date", "2000-01-01")
    assert proc.returncode == 2, proc.stderr
    found = located(proc.stderr)
    assert found["code"] == "MV604" and found["file"].endswith("rules/binance/usdm-perpetual.yaml")
    assert "2000-01-01" in found["message"] and "2019-09-01" in found["message"] and "hint:" in proc.stderr


def test_kucoin_cross_before_2024_is_answered_now_its_placeholder_date_is_open(tmp_path):
    """Was exit 2 (and before that exit 3): the cross thresholds carried a placeholder date, 2024-01-01, that
    crashed any evaluation dated before it; the page is undated, and the rule now says so with an open interval."""
    snapshot = tmp_path / "kucoin-cross.json"
    snapshot.write_text(json.dumps({"marginMode": "cross", "walletBalance": "1000", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "contractSize": "0.001", "entryPrice": "60000",
         "markPrice": "60000", "leverage": "10", "maintenanceMarginPercentage": "0.004", "takerFeeRate": "0.0006"}]}))
    proc = run("evaluate", "kucoin/linear-perpetual", snapshot, "--date", "2023-06-01")
    found = located(proc.stderr)
    # what stops it now is the cross mode's order inputs, which no snapshot gives, not the date
    assert found["code"] == "MV605" and "OCF" in found["message"] and "2024-01-01" not in proc.stderr


def test_a_date_between_two_formula_versions_is_exit_2_located_in_the_rule(tmp_path):
    """Hyperliquid's cross liquidation formula changed between the 2023-03-27 and 2024-10-10 recordings; the
    rule does not guess which one was in force in between."""
    snapshot = tmp_path / "hyperliquid-cross.json"
    snapshot.write_text(json.dumps({"marginMode": "cross", "walletBalance": "2000", "positions": [
        {"symbol": "ETH/USDC:USDC", "side": "short", "contracts": "10", "entryPrice": "3000", "markPrice": "3000"}]}))
    proc = run("evaluate", "hyperliquid/perpetual", snapshot, "--date", "2024-01-01")
    assert proc.returncode == 2, proc.stderr
    found = located(proc.stderr)
    assert found["code"] == "MV604" and found["file"].endswith("rules/hyperliquid/perpetual.yaml")
    assert "2024-01-01" in found["message"] and "2024-10-10" in proc.stderr


def _kucoin_isolated(tmp_path):
    snapshot = tmp_path / "kucoin-isolated.json"
    snapshot.write_text(json.dumps({"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "contractSize": "0.001", "entryPrice": "60000",
         "markPrice": "60000", "leverage": "10", "collateral": "6", "maintenanceMarginPercentage": "0.004"}]}))
    return snapshot


def test_kucoin_isolated_before_2024_does_not_look_up_cross_parameters(tmp_path):
    proc = run("evaluate", "kucoin/linear-perpetual", _kucoin_isolated(tmp_path), "--date", "2023-06-01")
    assert proc.returncode == 2, proc.stderr
    found = located(proc.stderr)
    # the isolated mode's own gap (before 2025-05-22 its maintenance margin adds the funding rate, which the
    # snapshot does not give and no market catalog carries: a funding rate is of one 8-hour period), not a cross
    # parameter
    assert found["code"] == "MV600" and "'fundingRate'" in found["message"] and "FR" in found["message"]
    assert "risk_rate" not in proc.stderr


def test_kucoin_isolated_before_2025_is_priced_with_the_positions_own_funding_rate(tmp_path):
    snapshot = tmp_path / "kucoin-isolated-fr.json"
    snapshot.write_text(json.dumps({"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "contractSize": "0.001", "entryPrice": "60000",
         "markPrice": "60000", "leverage": "10", "collateral": "6", "maintenanceMarginPercentage": "0.004",
         "fundingRate": "0.0001", "takerFeeRate": "0.0006"}]}))
    proc = run("evaluate", "kucoin/linear-perpetual", snapshot, "--date", "2023-06-01", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [position] = json.loads(proc.stdout)["positions"]  # a snapshot file: one account
    # 6 + 0.001 (P - 60000) = 60 x (0.004 + 1.1 x 0.0006 + 0.0001) = 0.2856: P = 54285.6
    assert position["liquidationPriceExact"] == "54285.6"


def test_kucoin_isolated_after_2025_needs_the_liquidation_fee_rate_no_recording_gives(tmp_path):
    proc = run("evaluate", "kucoin/linear-perpetual", _kucoin_isolated(tmp_path), "--date", "2025-06-01")
    assert proc.returncode == 2, proc.stderr
    found = located(proc.stderr)
    assert found["code"] == "MV605" and "LFR" in found["message"]
    assert found["file"].endswith("rules/kucoin/linear-perpetual.yaml")


def test_hyperliquid_cross_snapshot_with_ccxt_fields_only_is_priced(tmp_path):
    """Was exit 3 (KeyError), then MV605 'needs maxLev': each asset's maximum leverage now comes from the catalog."""
    snapshot = tmp_path / "hyperliquid-cross.json"
    snapshot.write_text(json.dumps({"marginMode": "cross", "walletBalance": "2000", "positions": [
        {"symbol": "ETH/USDC:USDC", "side": "short", "contracts": "10", "entryPrice": "3000", "markPrice": "3000"},
        {"symbol": "BTC/USDC:USDC", "side": "long", "contracts": "1", "entryPrice": "100000",
         "markPrice": "100000"}]}))
    proc = run("evaluate", "hyperliquid/perpetual", snapshot, "--json", "--date", "2026-11-28")
    assert proc.returncode == 0, proc.stderr
    eth, btc = json.loads(proc.stdout)["positions"]
    # the catalog's maximum leverage: ETH 25x (MMR 2 %), BTC 40x (its maintenance margin 100,000 / 80 = 1,250)
    assert btc["maintenanceMargin"] == "1250" and eth["maintenanceMargin"] == "600"
    # ETH short: 2,000 - 10 (P - 3,000) - 1,250 = 0.2 P at P = 30,750 / 10.2; Hyperliquid has no fixed tick
    assert F(eth["liquidationPriceExact"]) == round(F(30750) / F("10.2"), 18) and eth["priceTick"] is None


@pytest.mark.parametrize("text, code, message", [
    ('{"marginMode": "cross", "walletBalance": "1", "positions": [{"symbol": "BTC/USDT:USDT", "side": "long", '
     '"contracts": "1", "entryprice": "1", "markPrice": "1"}]}', "MV600", "unknown field 'entryprice'"),
    ('{"walletBalance": "1", "positions": []}', "MV600", "snapshot is missing 'marginMode'"),
    ('{"marginMode": "cross", "positionMode": "hedged", "positions": [{"symbol": "BTC/USDT:USDT", "side": "long", '
     '"contracts": "1", "entryPrice": "1", "markPrice": "1"}]}', "MV601", "unknown positionMode 'hedged'"),
    ('{"marginMode": "cross", "quote": "USDT", "balances": {"BTC": {"total": "-1"}}}', "MV602",
     "balances cannot be negative"),
    ('{"marginMode": "cross", "walletBalance": "1", "mode": "portfolio", "positions": [{"symbol": "BTC/USDT:USDT", '
     '"side": "long", "contracts": "1", "entryPrice": "1", "markPrice": "1"}]}', "MV601", "no mode 'portfolio'"),
    ("[1, 2]", "MV600", "must be a mapping"),
])
def test_bad_snapshot_is_exit_2_located_in_the_snapshot(tmp_path, text, code, message):
    snapshot = tmp_path / "bad.json"
    snapshot.write_text(text)
    proc = run("evaluate", "binance/usdm-perpetual", snapshot)
    assert proc.returncode == 2, proc.stderr
    found = located(proc.stderr)
    assert found["file"] == str(snapshot) and found["code"] == code and message in found["message"], proc.stderr


def test_malformed_date_is_a_usage_error():
    proc = run("evaluate", "binance/usdm-perpetual", SNAPSHOTS / "official-cross.json", "--date", "2024-13-01")
    assert proc.returncode == 2 and "error[MV002]" in proc.stderr and "Traceback" not in proc.stderr


def test_a_value_outside_its_symbols_domain_is_exit_2_at_the_field(tmp_path):
    snapshot = tmp_path / "zero-entry.json"
    snapshot.write_text(json.dumps({"marginMode": "cross", "walletBalance": "1000", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "entryPrice": "0", "markPrice": "60000"}]}))
    proc = run("evaluate", "binance/usdm-perpetual", snapshot)
    assert proc.returncode == 2, proc.stderr
    found = located(proc.stderr)
    assert found["code"] == "MV602" and "must be > 0" in found["message"] and "$.positions[0].entryPrice" in proc.stderr


def test_a_condition_that_divides_by_zero_leaves_the_status_unknown_and_says_why(tmp_path):
    """A spot account that owes nothing has no margin level: was exit 3 ('Invalid comparison of non-real zoo'),
    then the whole account refused (MV603); now its status is unknown, with the reason, and the rest is answered."""
    snapshot = tmp_path / "no-debt.json"
    snapshot.write_text(json.dumps({"marginMode": "cross", "quote": "USDT", "prices": {"BTC": "30000"},
                                    "balances": {"USDT": {"total": "10"}, "BTC": {"total": "1"}}}))
    proc = run("evaluate", "binance/spot-margin", snapshot, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    [btc] = data["positions"]
    assert data["status"] == "unknown" and data["marginLevel"] is None and btc["liquidationPrice"] is None
    assert "divides by zero" in btc["statusReason"] and "nothing owed" in btc["statusReason"]


@pytest.mark.parametrize("rule_id, symbol, limit, where", [
    ("binance/usdm-perpetual", "BTC/USDT:USDT", "150", "the largest max_leverage of its tier table"),
    ("hyperliquid/perpetual", "BTC/USDC:USDC", "40", "the market catalog's maxLeverage")])
def test_a_leverage_above_the_markets_limit_is_exit_2_at_the_field(tmp_path, rule_id, symbol, limit, where):
    """The exchange refuses a leverage above its market's; so does evaluate (and the site's calculator, in these
    words). The limit is the catalog's: maxLeverage, else the largest maximum leverage of the market's tier table."""
    snapshot = tmp_path / "leverage.json"
    position = {"symbol": symbol, "side": "long", "contracts": "1", "entryPrice": "60000", "markPrice": "60000",
                "collateral": "1000"}
    for leverage, code in ((limit, 0), (str(int(limit) + 1), 2)):
        snapshot.write_text(json.dumps({"marginMode": "isolated", "positions": [{**position, "leverage": leverage}]}))
        proc = run("evaluate", rule_id, snapshot, "--date", "2026-12-01")
        assert proc.returncode == code, proc.stderr
    found = located(proc.stderr)
    assert found["code"] == "MV602" and "$.positions[0].leverage" in proc.stderr
    assert found["message"].startswith(f"leverage {int(limit) + 1} is above the highest {symbol} allows, {limit} ({where})")
