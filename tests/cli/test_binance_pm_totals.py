"""Binance Portfolio Margin (issue 29 item 5): the account's totals (papi_get_account(), under the export's
``account``) reconciled with the rule's definitions, and each position priced by its product rule.

The account is ``tests/fixtures/ccxt_exports/binance-pm-consistent-2026-12-07.json``: raw papi answers written
consistently by hand and parsed by ccxt's own functions (its README and generating script). It is constructed,
not recorded: the API documentation's example answers are of different accounts, so they are not made into a case
that "agrees" (the rule's conformance cases refuse them as recorded).
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests/fixtures/ccxt_exports/binance-pm-consistent-2026-12-07.json"
DATE = "2026-12-07"
DATA = json.loads(FIXTURE.read_text(encoding="utf-8"))


def evaluate(tmp_path, data, *extra, rules=None):
    path = tmp_path / "pm.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    head = ["--rules", str(rules)] if rules else []
    return subprocess.run([sys.executable, "-m", "verifier", *head, "evaluate", "binance/portfolio-margin", str(path),
                           "--date", DATE, *extra], capture_output=True, text=True, cwd=ROOT, check=False)


def test_the_account_answers_totals_agree_with_the_rules_definitions(tmp_path):
    proc = evaluate(tmp_path, DATA, "--rtol", "1e-9", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    account = json.loads(proc.stdout)["accounts"][0]
    totals = {t["quantity"]: t for t in account["totals"]}
    assert {q: t["field"] for q, t in totals.items()} == {
        "equity_value": "account.actualEquity", "account_equity": "account.accountEquity",
        "account_maintenance_margin": "account.accountMaintMargin", "margin_level": "account.uniMMR"}
    assert all(t["verdict"] == "agree" for t in account["totals"]), account["totals"]
    assert F(totals["account_equity"]["ours"]) == F("0.99") * 60000 * F("0.95") + 96000  # 152,430
    assert F(totals["equity_value"]["ours"]) == F("0.99") * 60000 + 96000  # 155,400
    assert F(totals["account_maintenance_margin"]["ours"]) == 550 + F("0.0002") * 60000  # 562
    assert F(account["marginLevelExact"] if "marginLevelExact" in account else account["marginLevel"]) \
        == pytest.approx(F(152430, 562), rel=1e-14)


def test_the_text_report_names_each_total(tmp_path):
    proc = evaluate(tmp_path, DATA, "--rtol", "1e-9")
    assert proc.returncode == 0, proc.stderr
    assert "account margin_level ~271.227758007117 against account.uniMMR 271.22775801 (relative ~0): agree" \
        in proc.stdout
    assert "account account_maintenance_margin 562 against account.accountMaintMargin 562 (relative 0): agree" \
        in proc.stdout


@pytest.mark.parametrize("field, value, ours", [("accountEquity", "152431.00000000", "152430"),
                                                ("actualEquity", "155399.00000000", "155400"),
                                                ("accountMaintMargin", "563.00000000", "562")])
def test_a_total_changed_in_a_copy_exits_1_naming_it_and_both_values(tmp_path, field, value, ours):
    data = copy.deepcopy(DATA)
    data["account"][field] = value
    if field != "actualEquity":  # the answer kept consistent with itself (uniMMR from it): only ours differs
        data["account"]["uniMMR"] = _ratio(data["account"])
    proc = evaluate(tmp_path, data, "--rtol", "1e-9")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = next(line for line in proc.stdout.splitlines() if f"against account.{field} " in line)
    assert line.startswith("account ") and f" {ours} against account.{field} {F(value)}" in line
    assert line.endswith("is more than 1e-9") or "disagree" in line
    uni = next(line for line in proc.stdout.splitlines() if "against account.uniMMR " in line)
    assert ("disagree" in uni) == (field != "actualEquity")


def _ratio(answer) -> str:
    """uniMMR printed to 8 decimals (half up) from the answer's own equity and margin."""
    from decimal import ROUND_HALF_UP, Decimal

    ratio = Decimal(answer["accountEquity"]) / Decimal(answer["accountMaintMargin"])
    return str(ratio.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP))


def test_without_a_tolerance_the_totals_are_shown_not_judged(tmp_path):
    data = copy.deepcopy(DATA)
    data["account"]["actualEquity"] = "999999.00000000"  # far off ours, and possible (not below accountEquity)
    proc = evaluate(tmp_path, data)
    assert proc.returncode == 0, proc.stderr
    assert "against account.actualEquity 999999" in proc.stdout


@pytest.mark.parametrize("change, code, said, where", [
    ({"uniMMR": "271.2277"}, "MV628", "the account answer contradicts itself: account.uniMMR is 271.2277",
     "$.account.uniMMR"),
    ({"accountMaintMargin": "600.00000000"}, "MV628", "account_equity / account_maintenance_margin",
     "$.account.uniMMR"),
    ({"uniMMR": "many"}, "MV602", "account.uniMMR is", "$.account.uniMMR"),
    # the equity without collateral rates below the equity after them: the haircut would be negative
    ({"actualEquity": "152429.99999998"}, "MV629", "the account answer is impossible: account.actualEquity is "
     "152429.99999998, and the rule's definitions never put it below account_equity", "$.account.actualEquity"),
    ({"actualEquity": "73.47428058"}, "MV629", "(account.accountEquity 152430)", "$.account.actualEquity"),
])
def test_an_account_answer_that_contradicts_itself_is_located(tmp_path, change, code, said, where):
    data = copy.deepcopy(DATA)
    data["account"].update(change)
    proc = evaluate(tmp_path, data, "--rtol", "1e-9")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"error[{code}]" in proc.stderr and said in proc.stderr and f"(at {where})" in proc.stderr


def test_an_actual_equity_within_a_printed_step_of_the_account_equity_is_possible(tmp_path):
    # equal to the collateral-rated equity within their printed steps: a haircut of 0 (every rate 1) is possible
    data = copy.deepcopy(DATA)
    data["account"]["actualEquity"] = "152429.99999999"
    proc = evaluate(tmp_path, data)
    assert proc.returncode == 0, proc.stderr


def test_the_account_answers_other_fields_are_listed_as_unread(tmp_path):
    proc = evaluate(tmp_path, DATA)
    assert proc.returncode == 0, proc.stderr
    assert "not read from the account answer (the rule does not use them): account.updateTime" in proc.stdout
    assert "not read: account.accountStatus (account answer): Binance's own label" in proc.stdout
    proc = evaluate(tmp_path, DATA, "--format", "json")
    unread = {u["path"]: u for u in json.loads(proc.stdout)["unread"] if u["part"] == "account"}
    assert sorted(unread) == ["account.accountInitialMargin", "account.accountStatus", "account.totalAvailableBalance",
                              "account.totalMarginOpenLoss", "account.updateTime",
                              "account.virtualMaxWithdrawAmount"]
    assert unread["account.updateTime"]["why"] is None and unread["account.accountInitialMargin"]["why"]


def test_the_printed_resolution_is_no_contradiction(tmp_path):
    # uniMMR one printed step off the rounded ratio: within the three figures' printed resolution
    data = copy.deepcopy(DATA)
    data["account"]["uniMMR"] = "271.22775800"
    proc = evaluate(tmp_path, data, "--rtol", "1e-9")
    assert proc.returncode == 0, proc.stderr


def test_an_account_answer_that_is_not_an_object_is_located(tmp_path):
    data = copy.deepcopy(DATA)
    data["account"] = [data["account"]]
    proc = evaluate(tmp_path, data)
    assert proc.returncode == 2
    assert "error[MV610]" in proc.stderr and "(at $.account)" in proc.stderr


def test_an_account_answer_a_rule_does_not_read_is_located(tmp_path):
    data = copy.deepcopy(DATA)
    uta = json.loads((ROOT / "examples/ccxt/bybit-unified-trading-account.json").read_text(encoding="utf-8"))
    path = tmp_path / "uta.json"
    path.write_text(json.dumps({"balance": uta, "account": data["account"]}), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "verifier", "evaluate", "bybit/unified-trading-account", str(path),
                           "--date", "2025-10-30"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2
    assert "error[MV614]" in proc.stderr and "does not read" in proc.stderr and "(at $.account)" in proc.stderr


def test_each_position_is_priced_by_its_product_rule_or_says_why(tmp_path):
    proc = evaluate(tmp_path, DATA, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    derivatives = {d["symbol"]: d for d in json.loads(proc.stdout)["accounts"][0]["derivatives"]}
    um, cm = derivatives["BTC/USDC:USDC"], derivatives["BTC/USD:BTC"]
    assert um["pricedBy"] == "binance/usdm-perpetual" and cm["pricedBy"] == "binance/coinm-perpetual"
    # 96,000 USDC against a 2 BTC long: USDC owes from 12,000 down, before liquidation; BMMR has no source
    assert "down to 12000, where its loss makes USDC owe" in um["accountLiquidationReason"]
    # COIN-M is inverse, BTC's price moving with its mark: 0.99 BTC against a 30-contract short (0.05 BTC at 60,000)
    # hold BTC worth 0.94 X + 3,000 USD at a mark X, which rises with X: going up, never liquidated (said)
    assert cm["accountLiquidationPrice"] is None and "settlePrice" not in cm
    assert cm["accountLiquidationReason"] == ("moving it up without bound with BTC's price beside it and everything "
                                              "else held, the account's liquidation condition never holds")


def test_a_usdt_position_is_priced_under_a_catalog_that_rates_usdt(tmp_path):
    # a test catalog gives USDT USDC's rows (1 at the fixture's date), so the figures below hold whatever the shipped
    # catalog's USDT rate (0.9999 recorded 2024-02-17) becomes
    folder = tmp_path / "rules" / "binance"
    shutil.copytree(ROOT / "rules/binance", folder)
    markets = folder / "markets/portfolio-margin/markets.json"
    data = json.loads(markets.read_text(encoding="utf-8"))
    data["markets"]["USDT/USD"] = json.loads(json.dumps(data["markets"]["USDC/USD"]).replace("USDC", "USDT"))
    markets.write_text(json.dumps(data), encoding="utf-8")
    # 4,000 USDT (8,000 in the USDⓈ-M wallet, -4,000 unrealised), the BTC long re-settled in USDT and an ETH/USDT:USDT
    # row of ccxt's account method (markPrice null: unpriced, its 3,000 of margin summed): liquidated before USDT owes
    export = copy.deepcopy(DATA)
    usdt_row = next(row for row in export["balance"]["info"] if row["asset"] == "USDC")
    usdt_row.update(asset="USDT", umWalletBalance="8000", umUnrealizedPNL="-4000", totalWalletBalance="8000")
    export["balance"] = {"info": [usdt_row]}
    um = copy.deepcopy(export["positions"][0])
    um["symbol"], um["info"]["symbol"] = "BTC/USDT:USDT", "BTCUSDT"
    eth = copy.deepcopy(um)
    eth["symbol"], eth["info"]["symbol"], eth["markPrice"] = "ETH/USDT:USDT", "ETHUSDT", None
    eth["maintenanceMargin"], eth["info"]["maintMargin"] = 3000.0, "3000"
    export["positions"] = [um, eth]
    export["prices"] = {"USDT": "1"}
    del export["account"]
    proc = evaluate(tmp_path, export, "--format", "json", rules=folder.parent)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["accounts"][0]["derivatives"]
    usdt = next(d for d in rows if d["symbol"] == "BTC/USDT:USDT")
    assert usdt["pricedBy"] == "binance/usdm-perpetual"
    assert 40000 < F(usdt["accountLiquidationPriceExact"]) < 60000, usdt
    other = next(d for d in rows if d["symbol"] == "ETH/USDT:USDT")
    assert "markPrice" in other["accountLiquidationReason"]


def test_an_at_least_over_an_unknown_figure_is_a_located_error_in_the_rule(tmp_path):
    folder = tmp_path / "binance"
    (folder / "markets").mkdir(parents=True)
    shutil.copytree(ROOT / "rules/binance/markets/portfolio-margin", folder / "markets/portfolio-margin")
    shutil.copytree(ROOT / "rules/binance/conformance", folder / "conformance")
    text = (ROOT / "rules/binance/portfolio-margin.yaml").read_text(encoding="utf-8")
    assert text.count("        at_least: account_equity\n") == 1
    rule = folder / "portfolio-margin.yaml"
    rule.write_text(text.replace("        at_least: account_equity\n", "        at_least: account_equity_x\n"),
                    encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "verifier", "check", str(rule)], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 2, said
    assert "error[MV302]: unknown name 'account_equity_x'" in said
    assert "(at $.ccxt.balances.totals.equity_value.at_least)" in said and "did you mean 'account_equity'?" in said
