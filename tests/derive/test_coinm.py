"""binance/coinm-perpetual: the inverse rule loads, checks, derives, proves its published forms and evaluates snapshots."""

from __future__ import annotations

from fractions import Fraction as F

from verifier.derive import derive_rule, price_at, prove_published
from verifier.derive.account import evaluate_account
from verifier.read import Document
from verifier.read.account import account_from_data, account_from_document
from verifier.report.evaluate import evaluation_data
from verifier.read import load_rule
from verifier.verify import check_paths


def evaluate_snapshot(rule, snapshot, date=None) -> dict:
    """A snapshot (dict or read Document) through the three stages: read, derive, report (section-4 JSON)."""
    account = account_from_document(snapshot) if isinstance(snapshot, Document) else account_from_data(snapshot)
    return evaluation_data(evaluate_account(rule, account, date=date))


def test_coinm_checks_clean_and_proves_both_published_forms():
    rule = load_rule("binance/coinm-perpetual")
    results, _ = check_paths([rule.file])
    assert [d.render() for r in results for d in r.diagnostics if d.severity == "error"] == []
    assert results[0].examples_checked == 7
    assert [p.status for p in prove_published(rule)] == ["proved", "proved"]
    assert set(derive_rule(rule).modes) == {"isolated", "cross"}


def test_coinm_isolated_price_solves_the_inverse_identity():
    rule = load_rule("binance/coinm-perpetual")
    values = {"WB": F("0.01"), "Q": 100, "CM": 100, "EP": 25000, "s": 1, "MMR": F("0.004"), "cum": 0}
    price = price_at(rule, "isolated", "liquidation", values)
    # at the price, equity equals maintenance margin (both in coin)
    notional = F(100 * 100) / price
    equity = F("0.01") + 100 * 100 * (F(1, 25000) - 1 / price)
    assert equity == notional * F("0.004")
    short = price_at(rule, "isolated", "liquidation", {**values, "s": -1})
    assert short > 25000 > price


def test_coinm_snapshot_with_overrides():
    rule = load_rule("binance/coinm-perpetual")
    snap = {"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USD:BTC", "side": "long", "contracts": "100", "contractSize": "100", "entryPrice": "25000",
         "markPrice": "25000", "collateral": "0.01", "maintenanceMarginPercentage": "0.004", "maintenanceAmount": "0"}]}
    out = evaluate_snapshot(rule, snap)
    position = out["positions"][0]
    assert position["maintenanceMargin"] == "0.0016" and position["unrealizedPnl"] == "0"
    assert out["status"] == "normal" and position["liquidationPrice"] is not None
