"""How ``evaluate`` treats what a ccxt export carries (issue 23): the position's own exchange fields win over the
catalog and a disagreement is a warning with both values (MV617); every field it does not read is listed once;
only what a quantity needs is asked for; formulas are dated per mode; market data carried across a gap in the
record warns per market (MV609); spot-margin balances are read from ``fetch_balance()`` as ccxt writes it.

The exports are recorded ones (tests/fixtures/ccxt_exports/, examples/ccxt/: ccxt's own output for recorded
exchange responses, READMEs there); where a test changes a field it says which and why.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from pathlib import Path

from diagnostic_lines import errors

from verifier.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "ccxt_exports"
EXAMPLES = ROOT / "examples" / "ccxt"


def run(capsys, *args):
    code = main(["evaluate", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(capsys, *args):
    code, out, err = run(capsys, *args, "--format", "json")
    assert code in (0, 1), err
    return code, json.loads(out), err


def write(tmp_path, data, name="export.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def positions(data):
    return sorted((p for pool in data["accounts"] for p in pool["positions"]), key=lambda p: p["index"])


# --------------------------------------------------------------------------------------------- own values win


def test_the_positions_own_max_leverage_wins_and_a_disagreement_warns_with_both(capsys, tmp_path):
    export = json.loads((FIXTURES / "hyperliquid-cross-2024-10-10.json").read_text())
    _, recorded, _ = run_json(capsys, "hyperliquid/perpetual", FIXTURES / "hyperliquid-cross-2024-10-10.json",
                              "--date", "2024-10-10")
    changed = copy.deepcopy(export)  # as if Hyperliquid had lowered SOL to 20x: the position says so
    changed["positions"][0]["info"]["position"]["maxLeverage"] = 20
    code, data, err = run_json(capsys, "hyperliquid/perpetual", write(tmp_path, changed), "--date", "2024-10-10")
    sol, eth = positions(data)
    [own] = sol["ownValues"]
    assert (own["symbol"], own["field"], own["position"], own["catalog"], own["used"]) == (
        "maxLev", "maxLeverage", "20", "50", True)
    assert own["catalogSource"] == "hyperliquid-meta-2023-07-17" and "ownValues" not in eth
    warning = next(line for line in err.splitlines() if line.startswith("warning[MV617]"))
    assert "#0 SOL/USDC:USDC: maxLev is 20 in the position, 50 in the catalog" in warning
    # the short's maintenance rate is 1 / 40 instead of 1 / 100: its price comes closer
    assert F(sol["liquidationPriceExact"]) < F(positions(recorded)[0]["liquidationPriceExact"])


def test_a_bracket_given_in_part_is_compared_with_the_catalogs_row_not_used(capsys, tmp_path):
    export = json.loads((FIXTURES / "binance-usdm-cross-2024-07-28-1.json").read_text())
    _, before, _ = run_json(capsys, "binance/usdm-perpetual", write(tmp_path, export, "a.json"), "--date",
                            "2024-07-28")
    export["positions"][0]["maintenanceMarginPercentage"] = 0.005  # not the catalog's first bracket (0.004)
    _, after, err = run_json(capsys, "binance/usdm-perpetual", write(tmp_path, export), "--date", "2024-07-28")
    [btc] = positions(after)
    assert btc["liquidationPriceExact"] == positions(before)[0]["liquidationPriceExact"]
    assert btc["bracket"] == "tier 1: MMR 0.004, cum 0 (catalog)"
    [own] = btc["ownValues"]
    assert (own["symbol"], own["position"], own["catalog"], own["used"]) == ("MMR", "0.005", "0.004", False)
    assert "the catalog's bracket is used (the position gives the bracket only in part)" in err
    assert "ownValues" not in positions(before)[0]  # ccxt's recorded 0.004 is the catalog's: no warning


# --------------------------------------------------------------------------------------------- unread fields


def test_every_field_not_read_is_listed_once_with_its_count_and_the_rules_reasons(capsys):
    _, data, _ = run_json(capsys, "hyperliquid/perpetual", FIXTURES / "hyperliquid-cross-2024-10-10.json",
                          "--date", "2024-10-10")
    unread = {u["path"]: u for u in data["unread"] if u["part"] == "positions"}
    assert len(unread) == len([u for u in data["unread"] if u["part"] == "positions"])  # each once
    assert unread["info.position.returnOnEquity"]["count"] == 2 and unread["collateral"]["count"] == 2
    assert "marginUsed" in unread["collateral"]["why"] and unread["percentage"]["why"] is None
    read = ("info.position.szi", "info.position.positionValue", "info.position.maxLeverage", "contracts",
            "entryPrice", "info.position.liquidationPx")
    assert not set(read) & set(unread)
    code, out, _ = run(capsys, "hyperliquid/perpetual", FIXTURES / "hyperliquid-cross-2024-10-10.json", "--date",
                       "2024-10-10")
    assert code == 0 and out.count("not read from the positions") == 1
    assert "not read: collateral (2 positions): ccxt's collateral is marginUsed" in out


def test_the_balance_fields_not_read_are_listed_too(capsys):
    _, data, _ = run_json(capsys, "binance/usdm-perpetual", FIXTURES / "binance-usdm-positions-2024-07-28.json",
                          "--balance", FIXTURES / "binance-usdm-balance-2024-07-28.json", "--date", "2024-07-28")
    balance = {u["path"] for u in data["unread"] if u["part"] == "balance"}
    assert "info.totalCrossWalletBalance" in balance and "info.assets[].crossWalletBalance" not in balance
    assert "info.assets[].asset" not in balance  # the key the [asset=USDT] step matches on is read


# --------------------------------------------------------------------------------------------- ask only what is needed


def test_a_binance_isolated_price_needs_no_mark_and_what_does_says_so(capsys, tmp_path):
    position = json.loads((FIXTURES / "binance-usdm-positions-2024-07-28.json").read_text())[0]
    position.update(marginMode="isolated", markPrice=None)  # an isolated position exported without its mark
    position["info"].update(isolatedWallet="100", markPrice="0")
    code, data, _ = run_json(capsys, "binance/usdm-perpetual", write(tmp_path, [position]), "--date", "2024-07-28")
    [btc] = positions(data)
    assert code == 0 and btc["liquidationPriceExact"] is not None and btc["status"] == "unknown"
    # (100 + cum - q EP) / (q MMR - q) with q 0.009, EP 67445.9, the bracket at the price: tier 1 (0.004, 0)
    q, ep = F("0.009"), F("67445.9")
    assert F(btc["liquidationPriceExact"]) == round((100 - q * ep) / (q * F("0.004") - q), 18)
    assert btc["lacks"][0]["symbol"] == "P" and "markPrice" in btc["lacks"][0]["why"]
    assert btc["maintenanceMargin"] is None and btc["unrealizedPnl"] is None and btc["marginRatio"] is None


def test_a_cross_pool_whose_other_position_lacks_its_mark_is_refused_at_that_position(capsys, tmp_path):
    export = json.loads((FIXTURES / "hyperliquid-cross-2024-10-10.json").read_text())
    export["positions"][1]["info"]["position"]["positionValue"] = None  # the ETH long's mark cannot be read
    code, out, err = run(capsys, "hyperliquid/perpetual", write(tmp_path, export), "--date", "2024-10-10")
    [problem] = errors(err)
    assert code == 2 and problem["code"] == "MV600" and problem["path"] == "$.positions[1]"
    assert "the other positions' prices need it" in err


# --------------------------------------------------------------------------------------------- dates


def test_formulas_are_dated_per_mode(capsys, tmp_path):
    # 2024-01-01: the rule knows the isolated formula, not the cross one (between its 2023 and 2024 versions)
    code, data, _ = run_json(capsys, "hyperliquid/perpetual", FIXTURES / "hyperliquid-isolated-hype-2025-10-30.json",
                             "--date", "2024-01-01", "--rtol", "1e-12")
    assert code == 0 and positions(data)[0]["reconciliation"]["verdict"] == "agree"
    code, out, err = run(capsys, "hyperliquid/perpetual", FIXTURES / "hyperliquid-cross-2024-10-10.json",
                         "--date", "2024-01-01")
    [problem] = errors(err)
    assert code == 2 and problem["code"] == "MV604" and "of the cross mode has no version in force" in err


def test_market_data_carried_across_a_gap_warns_per_market(capsys):
    code, _, err = run(capsys, "hyperliquid/perpetual", FIXTURES / "hyperliquid-cross-2024-10-10.json", "--date",
                       "2024-10-10")
    [warning] = [line for line in err.splitlines() if line.startswith("warning[MV609]")]  # one line per code
    assert code == 0 and warning.startswith("warning[MV609]: 2 markets whose data were last seen")
    for symbol in ("SOL/USDC:USDC", "ETH/USDC:USDC"):  # each market named with its gap
        assert f"{symbol} (market data 451 days old, tiers 451 days old; nothing recorded until the next version, " \
               "2026-11-28)" in warning
    assert "import a recording of that time" in warning


# --------------------------------------------------------------------------------------------- spot margin


def cross_margin_account():
    """The documentation's cross margin account with a loan: 10 BTC held, 400,000 USDT owed (the rule's worked
    example M2, liquidation-triggers: margin level 1.25 at 50,000), in the dump's own shape."""
    data = json.loads((EXAMPLES / "binance-spot-margin-cross.json").read_text())
    btc = data["balance"]["info"]["userAssets"][0]
    btc.update(free="10", netAsset="10")
    data["balance"]["info"]["userAssets"].append({**btc, "asset": "USDT", "free": "0", "borrowed": "400000",
                                                 "netAsset": "-400000"})
    data["prices"] = {"BTC": "50000"}
    return data


def test_a_cross_margin_balance_is_read_from_the_raw_user_assets(capsys, tmp_path):
    code, data, _ = run_json(capsys, "binance/spot-margin", write(tmp_path, cross_margin_account()))
    [pool] = data["accounts"]
    [btc] = pool["positions"]
    assert code == 0 and (pool["marginMode"], pool["quote"], pool["marginLevel"]) == ("cross", "USDT", "1.25")
    assert btc["liquidationPrice"] == "44000"  # the rule's example M2b: 1.1 x 400,000 / 10


def test_a_cross_margin_asset_without_a_price_still_gets_its_liquidation_price(capsys, tmp_path):
    data = cross_margin_account()
    del data["prices"]
    code, result, _ = run_json(capsys, "binance/spot-margin", write(tmp_path, data))
    [pool] = result["accounts"]
    [btc] = pool["positions"]
    assert code == 0 and btc["liquidationPrice"] == "44000" and pool["marginLevel"] is None
    assert pool["status"] == "unknown" and btc["lacks"][0]["symbol"] == "P"


def test_an_isolated_pair_takes_the_exchanges_price_and_the_mode_of_its_liquidation_rate(capsys, tmp_path):
    data = json.loads((EXAMPLES / "binance-spot-margin-isolated.json").read_text())
    pair = data["info"]["assets"][0]  # the documentation's pair with a holding and a loan instead of zeros
    pair["baseAsset"]["free"], pair["quoteAsset"]["borrowed"] = "1", "5000"
    for rate, mode, level in (("1.05", "isolated", "1.05"), ("1.15", "isolated-5x", "1.15")):
        pair["liquidateRate"] = rate
        code, result, _ = run_json(capsys, "binance/spot-margin", write(tmp_path, data))
        [pool] = result["accounts"]
        [btc] = pool["positions"]
        assert code == 0 and pool["mode"] == mode and pool["symbol"] == "BTC/USDT"
        assert pool["marginLevel"] == "2"  # 1 BTC at its index price 10,000 over 5,000 owed
        assert F(btc["liquidationPrice"]) == F(level) * 5000  # A P = level x D
        assert btc["reconciliation"]["exchange"] == "1000"  # the documentation's own (placeholder) price


def test_a_snapshot_field_the_rule_does_not_read_is_said(capsys, tmp_path):
    # Hyperliquid's maintenance rate comes from the maximum leverage: a snapshot's rate is not read, and says so
    snapshot = write(tmp_path, {"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USDC:USDC", "side": "long", "contracts": "1", "entryPrice": "100000", "markPrice": "100000",
         "collateral": "5000", "maintenanceMarginPercentage": "0.02"}]})
    code, out, err = run(capsys, "hyperliquid/perpetual", snapshot, "--date", "2026-11-28")
    assert code == 0, err
    assert "not read: maintenanceMarginPercentage (1 position): rule hyperliquid/perpetual reads no such field" in out
    _, data, _ = run_json(capsys, "hyperliquid/perpetual", snapshot, "--date", "2026-11-28")
    assert [u["path"] for u in data["unread"]] == ["maintenanceMarginPercentage"]
