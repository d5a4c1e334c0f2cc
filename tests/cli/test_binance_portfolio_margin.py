"""Binance Portfolio Margin (issue 29 item 5): a ccxt fetch_balance({'portfolioMargin': True}) beside
fetch_positions(params={'method': 'account', 'portfolioMargin': True}) evaluated end to end, and each bad input a
located error (exit 2).

The accounts have the shape ccxt 4.5.90 gives those calls (the balance's info is the /papi/v1/balance list, a
position's info the /papi/v2/um/account or /papi/v1/cm/account row: see the export made from the API documentation's
examples, rules/binance/conformance/binance-pm-papi-docs-2025-06-10.json). The figures are chosen; the expected
values are computed by hand below. The catalog rates BTC 0.95 (2022 FAQ) and USDC 1 (API example of 2025-06-10).
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATE = "2025-06-10"


def asset(code, margin="0", um="0", um_pnl="0", cm="0", cm_pnl="0", borrowed="0", interest="0") -> dict:
    """One /papi/v1/balance element (its fields as the API documents them)."""
    return {"asset": code, "totalWalletBalance": str(F(margin) + F(um) + F(cm)), "crossMarginAsset": margin,
            "crossMarginBorrowed": borrowed, "crossMarginFree": margin, "crossMarginInterest": interest,
            "crossMarginLocked": "0", "umWalletBalance": um, "umUnrealizedPNL": um_pnl, "cmWalletBalance": cm,
            "cmUnrealizedPNL": cm_pnl, "updateTime": 1749513600000, "negativeBalance": "0"}


def position(symbol, contracts, maint, side="long") -> dict:
    """One ccxt Position from fetch_positions(params={'method': 'account', 'portfolioMargin': True})."""
    return {"info": {"symbol": symbol.replace("/", "").split(":")[0], "maintMargin": maint, "positionAmt": contracts},
            "symbol": symbol, "contracts": float(contracts), "side": side, "maintenanceMargin": float(maint),
            "marginMode": "cross"}


def export(assets, positions=None, prices=None) -> dict:
    data = {"balance": {"info": assets, "timestamp": None, "datetime": None, "free": {}, "used": {}, "total": {}}}
    if positions is not None:
        data["positions"] = positions
    if prices is not None:
        data["prices"] = prices
    return data


def evaluate(tmp_path, data, *extra):
    path = tmp_path / "pm.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "verifier", "evaluate", "binance/portfolio-margin", str(path),
                           "--date", DATE, *extra], capture_output=True, text=True, cwd=ROOT, check=False)


# 0.99 BTC over the wallets (0.5 margin + 0.5 COIN-M - 0.01 unrealised), 100 USDC (20,000 UM wallet - 19,900
# unrealised); a USDC-settled BTC long holding 40,000 USDC of maintenance margin, a COIN-M BTC short holding 0.002 BTC.
ASSETS = [asset("BTC", margin="0.5", cm="0.5", cm_pnl="-0.01"), asset("USDC", um="20000", um_pnl="-19900")]
POSITIONS = [position("BTC/USDC:USDC", "2", "40000"), position("BTC/USD:BTC", "10", "0.002", side="short")]
PRICES = {"BTC": "60000", "USDC": "1"}


def test_an_account_without_a_loan_gives_unimmr_status_and_the_btc_price_of_liquidation(tmp_path):
    proc = evaluate(tmp_path, export(ASSETS, POSITIONS, PRICES), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    account = json.loads(proc.stdout)["accounts"][0]
    equity = F("0.99") * 60000 * F("0.95") + 100  # 56,530: BTC at its 0.95 rate, USDC at 1
    maintenance = 40000 + F("0.002") * 60000  # 40,120: the positions' maintMargin at their settle asset's price
    assert F(account["marginLevel"]) == pytest.approx(equity / maintenance, rel=1e-11)  # 1.409..: <= 150 %
    assert account["status"] == "margin_call"
    btc = next(p for p in account["positions"] if p["symbol"] == "BTC/USD")
    # 0.99 x 0.95 x P + 100 = 1.05 x 40,120 (the positions' margin held in USD when BTC moves)
    assert F(btc["liquidationPriceExact"]) == pytest.approx((F("1.05") * maintenance - 100) / F("0.9405"), rel=1e-18)
    shares = {d["symbol"]: d for d in account["derivatives"]}
    assert set(shares) == {"BTC/USDC:USDC", "BTC/USD:BTC"}


def test_a_loan_is_refused_naming_the_loan_maintenance_rate(tmp_path):
    owing = [asset("BTC", margin="0.5", cm="0.5", borrowed="0.1"), ASSETS[1]]
    proc = evaluate(tmp_path, export(owing, POSITIONS, PRICES))
    assert proc.returncode == 2 and "error[MV605]" in proc.stderr and "needs BMMR" in proc.stderr, proc.stderr
    interest = [asset("BTC", margin="0.5", cm="0.5", interest="0.00000001"), ASSETS[1]]
    proc = evaluate(tmp_path, export(interest, POSITIONS, PRICES))
    assert proc.returncode == 2 and "needs BMMR" in proc.stderr, proc.stderr


def test_the_loan_rate_is_never_read_of_an_account_that_owes_nothing(tmp_path):
    # the same account with the loan written as 0.00000000: the rule's loan term (D + I) x P x BMMR is 0
    zero = [asset("BTC", margin="0.5", cm="0.5", cm_pnl="-0.01", borrowed="0.00000000", interest="0E-8"), ASSETS[1]]
    first = evaluate(tmp_path, export(ASSETS, POSITIONS, PRICES), "--format", "json")
    second = evaluate(tmp_path, export(zero, POSITIONS, PRICES), "--format", "json")
    assert second.returncode == 0, second.stderr
    level = lambda proc: json.loads(proc.stdout)["accounts"][0]["marginLevel"]  # noqa: E731
    assert level(first) == level(second)


@pytest.mark.parametrize("data, code, said, where", [
    (export(ASSETS, None, PRICES), "MV600", "reads each coin's futures maintenance margin from the fetch_positions()",
     "(at $)"),
    (export(ASSETS, [{**POSITIONS[0], "info": {"symbol": "BTCUSDC", "positionAmt": "2"}}], PRICES), "MV600",
     "gives no maintenance margin at info.maintMargin", "$.positions[0].info)"),
    (export(ASSETS, POSITIONS, {"USDC": "1"}), "MV600", "the export gives no price of BTC", "$.prices.BTC"),
    (export(ASSETS, POSITIONS[:1], PRICES), "MV626", "BTC: cmUnrealizedPNL is -0.01, which an open position settled "
     "in BTC has, and no open position beside the balance settles in BTC", "$.balance.info[0].cmUnrealizedPNL"),
    (export(ASSETS, [position("ETH/USDT:USDT", "1", "10")], PRICES), "MV626", "settles in USDT, which the balance "
     "does not list", "$.positions[0].symbol"),
])
def test_bad_portfolio_margin_exports_are_located_errors(tmp_path, data, code, said, where):
    proc = evaluate(tmp_path, data)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"error[{code}]" in proc.stderr and said in proc.stderr and where in proc.stderr, proc.stderr


@pytest.mark.parametrize("old, new, said", [
    ("      open_when: [umUnrealizedPNL, cmUnrealizedPNL]\n", "      open_when: [umUnrealisedPNL]\n",
     "'umUnrealisedPNL' is not an input of the balance"),
    ("    debt: {read: crossMarginBorrowed, source: papi-balance}\n",
     "    debt: {read: crossMarginBorrowed, source: papi-balance}\n"
     "    maintenanceMargin: {read: umWalletBalance, source: papi-balance}\n",
     "a coin's maintenanceMargin is read from the balance or summed over the positions"),
])
def test_a_positions_reading_that_cannot_hold_is_a_located_rule_error(tmp_path, old, new, said):
    text = (ROOT / "rules" / "binance" / "portfolio-margin.yaml").read_text(encoding="utf-8")
    assert old in text
    folder = tmp_path / "binance"
    folder.mkdir()
    (folder / "portfolio-margin.yaml").write_text(text.replace(old, new), encoding="utf-8")
    (folder / "markets").symlink_to(ROOT / "rules" / "binance" / "markets")
    proc = subprocess.run([sys.executable, "-m", "verifier", "check", str(folder / "portfolio-margin.yaml")],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    assert "error[MV491]" in proc.stderr and said in proc.stderr, proc.stderr


@pytest.mark.parametrize("rate", [F(0), F(1, 10), F(1, 2), F(99, 100)])
def test_the_answer_of_an_account_that_owes_nothing_is_the_same_at_any_loan_rate(tmp_path, monkeypatch, rate):
    """What evaluate leaves out it may: the same account evaluated with BMMR forced to ``rate``."""
    import dataclasses

    from verifier.derive.account import setting as setting_module
    from verifier.derive.account.evaluation import evaluate_account
    from verifier.read import load_rule
    from verifier.read.positions_file import read_positions

    path = tmp_path / "pm.json"
    path.write_text(json.dumps(export(ASSETS, POSITIONS, PRICES)), encoding="utf-8")
    rule = load_rule("binance/portfolio-margin")
    (account,) = read_positions(rule, path).accounts
    date = __import__("datetime").date.fromisoformat(DATE)
    plain = evaluate_account(rule, account, date)
    original = setting_module.setting_for
    bmmr = rule.modes["cross"].symbols["BMMR"].sympy

    def forced(*args, **kwargs):
        found = original(*args, **kwargs)
        if found.rule.id != "binance/portfolio-margin":  # a position's product rule (its price), no BMMR there
            return found
        assert bmmr in found.parameters and "BMMR" not in found.needed  # left out, at a value of no consequence
        return dataclasses.replace(found, parameters={**found.parameters, bmmr: rate})

    monkeypatch.setattr(setting_module, "setting_for", forced)
    again = evaluate_account(rule, account, date)
    assert again.margin_level == plain.margin_level and again.status == plain.status
    assert [p.liquidation_price for p in again.positions] == [p.liquidation_price for p in plain.positions]
    assert [d.liquidation for d in again.derivatives] == [d.liquidation for d in plain.derivatives]
