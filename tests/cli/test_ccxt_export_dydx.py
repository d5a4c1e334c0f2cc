"""``evaluate`` and ``compare`` on dYdX v4 exports as ccxt writes them (ccxt 4.5.90's dydx parse of recorded indexer
answers, tests/fixtures/ccxt_exports/README.md):

- ``dydx-cross-eth-2024-08.json``: nautilus_trader tests/test_data/dydx/http/subaccount.json @ 58237648 (GET
  /v4/addresses/{address}/subaccountNumber/0, about 2024-08): the ETH long as ``fetch_positions()`` writes it and the
  subaccount as ``fetch_balance()`` writes it;
- ``dydx-btc-short-2025-07-14.json``: ccxt/ccxt ts/src/test/static/response/dydx.json @ 0200a9dd, fetchPositions (no
  balance was recorded with it).

dYdX reports no liquidation price, so nothing is reconciled: what is checked is what the rule reads (the oracle
price the indexer's PnL implies, the wallet from the subaccount's equity) and what it refuses.
"""

from __future__ import annotations

import json
from fractions import Fraction as F
from pathlib import Path

from diagnostic_lines import errors

from verifier.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "tests" / "fixtures" / "ccxt_exports"
ETH = EXPORTS / "dydx-cross-eth-2024-08.json"
BTC = EXPORTS / "dydx-btc-short-2025-07-14.json"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def positions_of(data):
    return [p for pool in data["accounts"] for p in pool["positions"]]


def test_the_recorded_subaccount_reads_the_oracle_and_wallet_the_indexer_implies(capsys):
    code, out, err = run(capsys, "evaluate", "dydx/v4-perpetual", ETH, "--date", "2024-08-22", "--margin-mode", "cross",
                         "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    [eth] = positions_of(data)
    # oracle = entry + unrealizedPnl / size = (equity - USDC) / size, to the last digit of the indexer's numbers
    assert F(eth["markPrice"]) == F("2914.962518")
    # MMF 0.03 (ETH-USD's in the 2024-08-22 listing) on 0.003 x the oracle price
    assert F(eth["maintenanceMargin"]) == F("0.003") * F("2914.962518") * F("0.03")
    # WB = equity - unrealised PnL = USDC + size x entry (shown to 12 decimals)
    assert data["accounts"][0]["walletBalance"] == "99.995232"
    assert eth["liquidationPrice"] is None and eth["liquidationPriceReason"].startswith("over-collateralised long")
    assert eth["reconciliation"]["verdict"] == "both none"


def test_a_position_without_a_margin_mode_is_refused_with_the_rules_reason(capsys):
    code, _, err = run(capsys, "evaluate", "dydx/v4-perpetual", ETH, "--date", "2024-08-22")
    assert code == 2
    [error] = errors(err)
    assert error["code"] == "MV612" and error["path"] == "$.positions[0].marginMode"
    assert error["file"].endswith("dydx-cross-eth-2024-08.json") and "every subaccount is margined as one" in err


def test_positions_without_the_subaccounts_balance_are_refused_naming_the_wallet(capsys):
    code, _, err = run(capsys, "evaluate", "dydx/v4-perpetual", BTC, "--date", "2025-07-29", "--margin-mode", "cross")
    assert code == 2
    [error] = errors(err)
    assert error["code"] == "MV600" and "walletBalance" in error["message"] and "--balance" in err


def test_with_a_wallet_the_short_prices_at_the_documented_closed_form(capsys, tmp_path):
    # the recorded short with a wallet given by hand (none was recorded): the docs' cross formula,
    # p' = (e - s p - MMR_o) / (|s| MMF - s), at BTC-USD's MMF of 2025-07-29 (0.012), e = the wallet at entry
    export = tmp_path / "export.json"
    export.write_text(json.dumps({"positions": json.loads(BTC.read_text()), "walletBalance": "10000"}))
    code, out, err = run(capsys, "evaluate", "dydx/v4-perpetual", export, "--date", "2025-07-29",
                         "--margin-mode", "cross", "--format", "json")
    assert code == 0, err
    [btc] = positions_of(json.loads(out))
    size, entry = F("-0.407"), F("118692.04840909090909090909")
    expected = (F(10000) - size * entry) / (abs(size) * F("0.012") - size)  # 141563.3132204698...
    assert abs(F(btc["liquidationPriceExact"]) - expected) < F(1, 10**15)  # the report's decimal is rounded
    assert F(btc["markPrice"]) == entry + F("-57.26681734000000000000037") / size


def test_compare_needs_no_leverage_where_the_rules_initial_margin_is_a_fraction_of_the_notional(capsys):
    code, out, err = run(capsys, "compare", "dydx/v4-perpetual", ETH, "--margin-mode", "cross", "--date", "2024-08-22",
                         "--shock", "-50%", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    [eth] = report["positions"]
    # isolated, it would hold its initial margin at entry: 0.003 x 3177.7666... x IMF 0.05
    initial = F("0.003") * F("3177.76666666666666666667") * F("0.05")  # 0.47666500000000000000000005
    assert abs(F(eth["isolated"]["allocated"]) - initial) < F(1, 10**12)  # the report's decimal is rounded
    assert eth["isolated"]["allocatedFrom"] == "initial" and eth["isolated"]["allocatedValue"] is None
    assert report["crossCheck"]["agrees"]


def test_an_isolated_reading_is_refused_naming_the_margin_ccxt_does_not_give(capsys):
    # ccxt's dydx Position has no collateral: an isolated-market subaccount is evaluated as one cross account
    code, _, err = run(capsys, "evaluate", "dydx/v4-perpetual", ETH, "--date", "2024-08-22", "--margin-mode", "isolated")
    assert code == 2
    [error] = errors(err)
    assert error["code"] == "MV600" and "'collateral'" in error["message"] and error["path"] == "$.positions[0]"


def test_another_exchanges_export_is_refused_naming_the_rule_that_fits(capsys):
    # identify: every dYdX indexer position carries info.createdAtHeight (a block height); Hyperliquid's do not
    code, _, err = run(capsys, "evaluate", "dydx/v4-perpetual", EXPORTS / "hyperliquid-cross-2024-10-10.json",
                       "--date", "2024-10-10")
    assert code == 2
    found = errors(err)
    assert {e["code"] for e in found} == {"MV618"} and "evaluate it with hyperliquid/perpetual" in err
    code, _, err = run(capsys, "evaluate", "hyperliquid/perpetual", ETH, "--date", "2024-10-10", "--margin-mode", "cross")
    assert code == 2 and errors(err)[0]["code"] == "MV618" and "evaluate it with dydx/v4-perpetual" in err


def test_every_field_left_unread_is_said_with_the_rules_reason(capsys):
    code, out, _ = run(capsys, "evaluate", "dydx/v4-perpetual", ETH, "--date", "2024-08-22", "--margin-mode", "cross")
    assert code == 0
    assert "not read: info.freeCollateral (balance): the equity less the initial margin" in out
    assert "not read: unrealizedPnl (1 position): ccxt's float of info.unrealizedPnl" in out
