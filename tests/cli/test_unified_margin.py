"""Unified margin (issue 29): a Bybit UTA balance evaluated end to end, and each bad input a located error (exit 2).

The accounts are built from the recorded answer's shape (examples/ccxt/bybit-unified-trading-account.json): the
recorded coins' ratios are not known, so the priced account holds BTC only, whose ratio the catalog has.
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

from tests.uta_rules import copy_uta_rule, write_catalog

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "examples" / "ccxt" / "bybit-unified-trading-account.json"
DATE = "2026-12-07"  # BTC: the 2025-02-18 tier version (ratio 0.85), loan MMR 0.04


def balance(*coins) -> dict:
    """A ccxt fetch_balance() of a UTA holding ``coins`` (the raw coin rows), in the recorded answer's shape."""
    data = json.loads(RECORDED.read_text(encoding="utf-8"))
    data["info"]["result"]["list"][0]["coin"] = list(coins)
    return data


def coin(code, equity, usd, mm="0", borrow="0", interest="0") -> dict:
    return {"coin": code, "equity": equity, "usdValue": usd, "totalPositionMM": mm, "borrowAmount": borrow,
            "accruedInterest": interest, "walletBalance": equity, "unrealisedPnl": "0", "collateralSwitch": True}


def evaluate(tmp_path, data, *extra):
    path = tmp_path / "uta.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "verifier", "evaluate", "bybit/unified-trading-account", str(path),
                           "--date", DATE, *extra], capture_output=True, text=True, cwd=ROOT, check=False)


def test_a_btc_account_gives_the_margin_rate_and_the_btc_price_of_liquidation(tmp_path):
    # 1 BTC at 100,000 USD whose positions hold 0.01 BTC of maintenance margin (1,000 USD, held when BTC moves)
    proc = evaluate(tmp_path, balance(coin("BTC", "1", "100000", mm="0.01")), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    account = json.loads(proc.stdout)["accounts"][0]
    (position,) = account["positions"]
    assert account["quote"] == "USD" and position["symbol"] == "BTC/USD"
    assert F(account["marginLevel"]) == pytest.approx(F(1000, 85000), rel=1e-11)  # 1,000 / (100,000 x 0.85)
    assert F(position["liquidationPriceExact"]) == pytest.approx(F(1000) / F("0.85"), rel=1e-20)  # 0.85 P = 1,000 (printed to 18 places)
    assert position["bracket"].startswith("tier 1: HR 0.15") and account["status"] == "normal"


def test_a_btc_loan_adds_its_maintenance_margin_at_the_catalog_rate(tmp_path):
    # equity 1 BTC with 0.5 BTC borrowed: net 1 BTC at ratio 0.85, loan MM 0.5 x 100,000 x 0.04 = 2,000
    proc = evaluate(tmp_path, balance(coin("BTC", "1", "100000", borrow="0.5")), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    account = json.loads(proc.stdout)["accounts"][0]
    assert F(account["marginLevel"]) == pytest.approx(F(2000, 85000), rel=1e-11)


def test_the_recorded_account_is_refused_for_its_first_coin_without_a_ratio():
    proc = subprocess.run([sys.executable, "-m", "verifier", "evaluate", "bybit/unified-trading-account",
                           str(RECORDED), "--date", "2025-01-14"], capture_output=True, text=True, cwd=ROOT,
                          check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "error[MV606]" in proc.stderr and "no tier table for market 'USDC/USD'" in proc.stderr
    assert "$.info.result.list[0].coin[0]" in proc.stderr and "by hand" in proc.stderr


@pytest.mark.parametrize("coins, code, said, where", [
    # a coin with no collateral ratio in the catalog
    ([coin("BTC", "1", "100000"), coin("DOGE", "10", "1")], "MV606", "no tier table for market 'DOGE/USD'",
     "coin[1]"),
    # a negative balance without a borrowing: the coin's equity below zero, nothing owed
    ([coin("BTC", "-0.1", "-10000")], "MV602", "BTC: total is -0.1", "coin[0]"),
    # a coin that owes but whose price the balance cannot give (equity 0)
    ([coin("BTC", "0", "0", borrow="0.2")], "MV602", "divides by zero", "coin[0]"),
    # a price that is not one
    ([coin("BTC", "1", "-5")], "MV602", "BTC: price is -5", "coin[0]"),
    # a coin the user switched off as collateral (Bybit counts it at 0: not modelled, so refused)
    ([{**coin("BTC", "1", "100000"), "collateralSwitch": False}], "MV603", "BTC: collateralSwitch is false",
     "coin[0].collateralSwitch"),
])
def test_bad_unified_balances_are_located_errors(tmp_path, coins, code, said, where):
    proc = evaluate(tmp_path, balance(*coins))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert f"error[{code}]" in proc.stderr and said in proc.stderr, proc.stderr
    assert f"$.info.result.list[0].{where}" in proc.stderr


def test_an_export_valued_in_another_currency_is_refused(tmp_path):
    proc = evaluate(tmp_path, {"balance": balance(coin("BTC", "1", "100000")), "quote": "USDT"})
    assert proc.returncode == 2 and "error[MV614]" in proc.stderr and "reads this balance in USD" in proc.stderr


def test_coins_that_hold_and_owe_nothing_are_skipped_without_a_price(tmp_path):
    proc = evaluate(tmp_path, balance(coin("BTC", "1", "100000"), coin("ETH", "0", "0")), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [p["symbol"] for p in data["accounts"][0]["positions"]] == ["BTC/USD"] and len(data["skipped"]) == 1


# ---------------------------------------------------------------------------------- the exchange's own totals

def recorded_rules(tmp_path) -> Path:
    """A copy of the rule whose catalog lists the recorded account's seven coins on 2025-01-14.

    The coins' ratios of that day are in no source (the shipped rule refuses the account, MV606), so this test
    catalog gives every coin but BTC ratio 1 and every coin a loan rate of 0.04: neither changes a total reconciled
    below (the equity is before ratios; nothing is borrowed), and the account rate 0.0000838 stays below the 0.0001
    Bybit prints for any ratios that leave a margin balance above 73,883 USD.  Not data: a fixture.
    """
    folder = tmp_path / "rules" / "bybit"
    if folder.exists():
        return tmp_path / "rules"
    data = copy_uta_rule(folder)
    stamp = {"effective": "2025-01-01", "seen": "2025-01-14", "retrieved": "2026-12-07", "source": "bybit-cvr-page"}
    for code in ("USDC", "ETH", "ADA", "XRP", "LTC", "USDT"):
        data["markets"][f"{code}/USD"] = {"market": [{**stamp, "type": "spot", "base": code, "quote": "USD"}],
                                          "tiers": [{**stamp, "rows": [[0, None, 0, 0]]}]}
    for market in data["markets"].values():
        for version in market["market"]:
            version.setdefault("loanMMR", 0.04)
    write_catalog(folder, data)
    return tmp_path / "rules"


def evaluate_recorded(tmp_path, data, *extra):
    path = tmp_path / "recorded.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "verifier", "--rules", str(recorded_rules(tmp_path)), "evaluate",
                           "bybit/unified-trading-account", str(path), "--date", "2025-01-14", *extra],
                          capture_output=True, text=True, cwd=ROOT, check=False)


def recorded(**totals) -> dict:
    data = json.loads(RECORDED.read_text(encoding="utf-8"))
    data["info"]["result"]["list"][0].update(totals)
    return data


def test_the_recorded_accounts_totals_reconcile_with_its_coins(tmp_path):
    proc = evaluate_recorded(tmp_path, recorded(), "--rtol", "1e-9", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    totals = {t["quantity"]: t for t in data["accounts"][0]["totals"]}
    assert {name: t["verdict"] for name, t in totals.items()} == {
        "equity_value": "agree", "total_maintenance_margin": "agree", "margin_level": "agree"}
    # the sum of the coins' usdValue is the exchange's totalEquity to its last printed digit but 4e-8
    assert F(totals["equity_value"]["ours"]) - F("92255.96988644") == F("-0.00000004")
    assert abs(F(totals["total_maintenance_margin"]["relative"])) < F(1, 10**9)
    assert totals["margin_level"]["exchange"] == "0" and totals["margin_level"]["resolution"] == "0.0001"
    assert data["reconciliation"] == {"agree": 3}


@pytest.mark.parametrize("field, value, quantity", [
    ("totalMaintenanceMargin", "8.38826721", "total_maintenance_margin"),
    ("totalEquity", "92255.97988644", "equity_value"),
    ("accountMMRate", "0.0002", "margin_level"),
])
def test_a_total_changed_past_the_tolerance_exits_1_naming_the_field_and_both_values(tmp_path, field, value,
                                                                                        quantity):
    proc = evaluate_recorded(tmp_path, recorded(**{field: value}), "--rtol", "1e-9")
    assert proc.returncode == 1, proc.stderr
    line = next(line for line in proc.stdout.splitlines() if line.startswith(f"account {quantity} "))
    assert f"against info.result.list[0].{field} {value}" in line and ": disagree: " in line, line
    # without a tolerance the same difference is shown, not judged
    proc = evaluate_recorded(tmp_path, recorded(**{field: value}))
    assert proc.returncode == 0 and f"{field} {value}" in proc.stdout and "not judged" in proc.stdout


def test_a_total_that_is_not_a_number_is_a_located_error(tmp_path):
    proc = evaluate_recorded(tmp_path, recorded(totalMaintenanceMargin="seven"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "error[MV602]" in proc.stderr and "$.info.result.list[0].totalMaintenanceMargin" in proc.stderr


def test_a_total_naming_no_definition_is_a_located_rule_error(tmp_path):
    rule = recorded_rules(tmp_path) / "bybit" / "unified-trading-account.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("      total_maintenance_margin:\n        path:",
                                                             "      total_maintenance:\n        path:"),
                    encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "verifier", "check", str(rule)], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "error[MV491]" in proc.stderr and "account total 'total_maintenance' is no definition" in proc.stderr
    assert "total_maintenance_margin" in proc.stderr  # the hint names the definition meant


# ---------------------------------------------------------------------------------- positions beside the balance

# the recorded LTC/USDT:USDT row, ccxt-parsed (the Bybit linear example until it became a BTCUSDT row)
LINEAR = ROOT / "tests" / "fixtures" / "ccxt_exports" / "bybit-linear-ltc-2023-11-14.json"


BTC_ROW = ROOT / "examples" / "ccxt" / "bybit-linear-perpetual.json"  # ccxt's parse of a recorded BTCUSDT row


def evaluate_positions(tmp_path, data, *extra, date="2026-12-07"):
    path = tmp_path / "with-positions.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "verifier", "--rules", str(recorded_rules(tmp_path)), "evaluate",
                           "bybit/unified-trading-account", str(path), "--date", date, *extra],
                          capture_output=True, text=True, cwd=ROOT, check=False)


EXAMPLE = ROOT / "examples" / "ccxt" / "bybit-unified-trading-account-positions.json"  # the two parses joined


def test_positions_beside_the_balance_give_each_ones_margin_share_and_price(tmp_path):
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    rows = json.loads(BTC_ROW.read_text(encoding="utf-8"))["positions"]
    assert example == {"balance": recorded(), "positions": rows}  # nothing changed in either parse
    proc = evaluate_positions(tmp_path, example, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    account = json.loads(proc.stdout)["accounts"][0]
    (row,) = account["derivatives"]
    assert (row["symbol"], row["settle"], row["maintenanceMargin"]) == ("BTC/USDT:USDT", "USDT", "0.33391302")
    usdt = F("3304.05314806") / F("3304.29766609")  # the balance's own USD price of USDT (usdValue / equity)
    assert F(row["maintenanceMarginValue"]) == pytest.approx(F("0.33391302") * usdt, rel=1e-11)
    whole = sum(F(p["maintenanceMargin"]) for p in account["positions"])
    assert F(row["maintenanceMarginShare"]) == pytest.approx(F("0.33391302") * usdt / whole, rel=1e-10)
    # 0.001 BTC long against a 90,000 USD account: no BTC price liquidates it, and the reason says so
    assert row["accountLiquidationPrice"] is None and "never holds" in row["accountLiquidationReason"]
    assert row["pricedBy"] == "bybit/linear-perpetual" and row["maintenanceMarginUsed"] == "rule"
    proc = evaluate_positions(tmp_path, {"balance": recorded(), "positions": rows})
    assert "position #0 BTC/USDT:USDT long 0.001 contracts: maintenance margin 0.33391302 USDT" in proc.stdout
    assert "no price of BTC/USDT:USDT liquidates the account: moving it down to 0" in proc.stdout
    # the rule's figure at the mark is not Bybit's positionMM: said, with the one the price uses
    assert "warning: bybit/linear-perpetual's maintenance margin at the mark is" in proc.stdout
    assert "the exchange's 0.33391302: the price uses bybit/linear-perpetual's" in proc.stdout


def test_a_position_price_solved_exactly_on_a_small_usdt_account(tmp_path):
    # USDT equity 100 (at the balance's price 0.9999), a 0.01 BTC long entered at 40,000, marked at 45,000: the
    # account is liquidated where MM (the rule's, constant: its basis is the entry value) meets 100 + 0.01 (X - 45,000)
    rows = json.loads(BTC_ROW.read_text(encoding="utf-8"))["positions"]
    rows[0].update(contracts=0.01, entryPrice=40000.0, markPrice=45000.0)
    rows[0]["info"].update(size="0.01", avgPrice="40000", markPrice="45000", positionMM="2.2", positionValue="400")
    data = recorded()
    data["info"]["result"]["list"][0]["coin"] = [{"coin": "USDT", "equity": "100", "usdValue": "99.99",
                                                  "totalPositionMM": "2.2", "borrowAmount": "0",
                                                  "accruedInterest": "0", "walletBalance": "100",
                                                  "unrealisedPnl": "0", "collateralSwitch": True}]
    proc = evaluate_positions(tmp_path, {"balance": data, "positions": rows}, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)["accounts"][0]["derivatives"]
    mm = F(row["ruleMaintenanceMargin"])
    assert F(row["accountLiquidationPriceExact"]) == 45000 + (mm - 100) / F("0.01")


def test_a_position_whose_market_the_product_catalog_lacks_is_a_located_error(tmp_path):
    # ccxt's recorded LTCUSDT row: bybit/linear-perpetual's catalog has no LTCUSDT risk-limit table
    rows = json.loads(LINEAR.read_text(encoding="utf-8"))["positions"]
    proc = evaluate_positions(tmp_path, {"balance": recorded(), "positions": rows}, date="2025-01-14")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "error[MV606]" in proc.stderr and "no tier table for market 'LTC/USDT:USDT'" in proc.stderr
    assert "$.positions[0]" in proc.stderr


def test_a_position_whose_product_rule_is_not_named_is_a_located_error(tmp_path):
    rows = json.loads(BTC_ROW.read_text(encoding="utf-8"))["positions"]
    rows[0]["symbol"] = "BTC/USDC:USDC"
    data = recorded()
    proc = evaluate_positions(tmp_path, {"balance": data, "positions": rows})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "error[MV627]" in proc.stderr and "names no product rule for it" in proc.stderr
    assert "$.positions[0].symbol" in proc.stderr and "*/USDT:USDT by bybit/linear-perpetual" in proc.stderr


@pytest.mark.parametrize("coin_index, change, said, where", [
    (None, {"symbol": "LTC/USDE:USDE"}, "settles in USDE, which the balance does not list", "symbol"),
    (5, None, "the balance gives USDT none of positions", "info.positionMM"),  # USDT's totalPositionMM 0
])
def test_a_balance_and_positions_that_disagree_on_the_settle_coin_are_refused(tmp_path, coin_index, change, said,
                                                                              where):
    rows = json.loads(LINEAR.read_text(encoding="utf-8"))["positions"]
    rows[0].update(change or {})
    data = recorded()
    if coin_index is not None:
        data["info"]["result"]["list"][0]["coin"][coin_index]["totalPositionMM"] = "0"
    proc = evaluate_recorded(tmp_path, {"balance": data, "positions": rows})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "error[MV626]" in proc.stderr and said in proc.stderr and f"$.positions[0].{where}" in proc.stderr
    assert "disagree on the settle coin" in proc.stderr


def test_a_position_in_a_coin_the_balance_holds_nothing_of_is_refused(tmp_path):
    rows = json.loads(LINEAR.read_text(encoding="utf-8"))["positions"]
    data = recorded()
    data["info"]["result"]["list"][0]["coin"][5].update(equity="0", usdValue="0", totalPositionMM="0")  # USDT
    proc = evaluate_recorded(tmp_path, {"balance": data, "positions": rows})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "error[MV626]" in proc.stderr and "settles in USDT, which the balance holds and owes nothing of" \
        in proc.stderr and "$.positions[0].symbol" in proc.stderr


def usdt_account(*coins) -> dict:
    """A 0.01 BTC long (entered at 40,000, marked at 45,000) settled in USDT beside a balance of ``coins``."""
    rows = json.loads(BTC_ROW.read_text(encoding="utf-8"))["positions"]
    rows[0].update(contracts=0.01, entryPrice=40000.0, markPrice=45000.0)
    rows[0]["info"].update(size="0.01", avgPrice="40000", markPrice="45000", positionMM="2.2", positionValue="400")
    return {"balance": balance(*coins), "positions": rows}


def evaluate_shipped(tmp_path, data):
    path = tmp_path / "with-positions.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "verifier", "evaluate", "bybit/unified-trading-account", str(path),
                           "--date", DATE, "--format", "json"], capture_output=True, text=True, cwd=ROOT, check=False)


def test_usdt_that_owes_nothing_needs_no_loan_rate_and_its_position_is_priced_before_it_would_owe(tmp_path):
    # the shipped catalog gives USDT no loanMMR: a USDT holding with no loan and no interest has a loan term of 0
    # whatever the rate.  100 USDT and the 0.01 BTC long: liquidated where 100 + 0.01 (X - 45,000) meets the
    # position's margin, above 35,000 where USDT would start to owe: the price needs no loan rate
    usdt = coin("USDT", "100", "99.99", mm="2.2")
    proc = evaluate_shipped(tmp_path, usdt_account(usdt))
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)["accounts"][0]["derivatives"]
    mm = F(row["ruleMaintenanceMargin"])
    price = F(row["accountLiquidationPriceExact"])
    assert price == 45000 + (mm - 100) / F("0.01") and price > 35000


def test_a_position_whose_loss_would_make_usdt_owe_first_gets_no_price_without_usdt_loan_rate(tmp_path):
    # the same with 1 BTC of collateral: USDT owes from 35,000 down, before the account is liquidated; past that
    # the USDT loan's margin needs the rate nobody gives, so no price, and the reason says where and why
    usdt = coin("USDT", "100", "99.99", mm="2.2")
    proc = evaluate_shipped(tmp_path, usdt_account(coin("BTC", "1", "45000"), usdt))
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)["accounts"][0]["derivatives"]
    assert row["accountLiquidationPrice"] is None
    reason = row["accountLiquidationReason"]
    assert "down to 35000, where its loss makes USDT owe" in reason and "needs BMMR" in reason, reason


def test_usdt_that_owes_still_needs_its_loan_rate(tmp_path):
    proc = evaluate(tmp_path, balance(coin("BTC", "1", "100000"), coin("USDT", "-100", "-99.99", borrow="100")))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "error[MV606]" in proc.stderr and "loanMMR" in proc.stderr and "$.info.result.list[0].coin[1]" in proc.stderr
