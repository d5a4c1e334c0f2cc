"""Bybit's ccxt exports under the Bybit rules' ``ccxt:`` sections: the position's own risk-limit tier
(``info.riskLimitValue``) chosen before the row its value falls in, Bybit's no-liquidation sentinels, the unified
account's wallet read from ``fetch_balance()``.

The recorded Bybit linear example (examples/ccxt/bybit-linear-perpetual.json) is a BTCUSDT row (the one market with a
table: the margin-parameters page's, tiers of 2,000,000 and 2,600,000 USDT) of 0.001 BTC; the tier tests give it
round numbers.  The expected
prices are worked by hand from the rule's isolated formula (the fee to close cancels):
LP = EP - (IM - (value x MMR - mmd)) / q with value 1,500,000 (50 BTC at 30,000), IM 150,000 (10x).
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from pathlib import Path

import pytest

from diagnostic_lines import errors

from verifier.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((ROOT / "examples" / "ccxt" / "bybit-linear-perpetual.json").read_text(encoding="utf-8"))
BALANCE = ROOT / "tests" / "fixtures" / "ccxt_exports" / "bybit-unified-balance-2025-01-14.json"


def btc_position(risk_limit="2000000", liq="27150", side="Buy", mode="isolated"):
    """The recorded BTCUSDT row made long (or short) 50 BTC at 30,000, 10x, isolated margin 150,000."""
    position = copy.deepcopy(EXAMPLE["positions"][0])
    position["info"].update(symbol="BTCUSDT", size="50", avgPrice="30000", markPrice="30500", leverage="10",
                            positionValue="1500000", riskLimitValue=risk_limit, positionBalance="150000",
                            liqPrice=liq, side=side)
    position.update(symbol="BTC/USDT:USDT", contracts=50.0, entryPrice=30000.0, markPrice=30500.0, leverage=10.0,
                    notional=1500000.0, marginMode=mode, side="long" if side == "Buy" else "short")
    return position


def run(tmp_path, capsys, data, *extra):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code = main(["evaluate", "bybit/linear-perpetual", str(path), "--date", "2026-12-07", *extra])
    out = capsys.readouterr()
    return code, out, path


def test_the_positions_own_tier_is_used_and_a_tier_other_than_its_values_is_a_warning(tmp_path, capsys):
    code, out, _ = run(tmp_path, capsys, [btc_position(risk_limit="2600000", liq="27144")], "--format", "json")
    assert code == 0, out.err
    [position] = json.loads(out.out)["accounts"][0]["positions"]
    # tier 2 (MMR 0.56 %, mmd 1,200): 30,000 - (150,000 - 7,200) / 50 = 27,144; tier 1 would give 27,150
    assert F(position["liquidationPriceExact"]) == 27144 and position["tier"] == 2
    assert position["reconciliation"]["difference"] == "0"
    [own] = position["ownValues"]
    assert (own["position"], own["catalog"], own["used"]) == ("2600000", "2000000", True)
    assert "warning[MV617]" in out.err and "tier limit is 2600000 in the position, 2000000 in the catalog" in out.err


def test_a_tier_that_agrees_with_the_positions_value_says_nothing(tmp_path, capsys):
    code, out, _ = run(tmp_path, capsys, [btc_position()], "--format", "json")
    assert code == 0, out.err
    [position] = json.loads(out.out)["accounts"][0]["positions"]
    assert F(position["liquidationPriceExact"]) == 27150 and position["tier"] == 1
    assert "ownValues" not in position and "MV617" not in out.err


def test_a_tier_the_catalog_does_not_have_is_refused_at_the_field(tmp_path, capsys):
    code, out, path = run(tmp_path, capsys, [btc_position(risk_limit="2500000")])
    assert code == 2 and out.out == ""
    [error] = errors(out.err)
    assert error["code"] == "MV603" and error["path"] == "$[0].info.riskLimitValue" and error["file"] == str(path)
    assert "own tier has the limit 2500000, which is no tier of the catalog's table" in out.err


@pytest.mark.parametrize("side, sentinel", [("Buy", "0.0001"), ("Sell", "999999.00")])
def test_bybits_no_liquidation_sentinels_are_no_price(tmp_path, capsys, side, sentinel):
    code, out, _ = run(tmp_path, capsys, [btc_position(liq=sentinel, side=side)], "--format", "json")
    assert code == 0, out.err
    [position] = json.loads(out.out)["accounts"][0]["positions"]
    reconciliation = position["reconciliation"]
    assert reconciliation["exchange"] is None and reconciliation["exchangeRaw"] == sentinel


def test_the_unified_accounts_wallet_is_read_from_fetch_balance(tmp_path, capsys):
    """The recorded 2025-01-14 UNIFIED wallet beside the moved position (two recordings of different moments: only
    the reading is tested): WB is the USDT coin's walletBalance, not ccxt's total or the account's equity."""
    balance = json.loads(BALANCE.read_text(encoding="utf-8"))
    data = {"positions": [btc_position(mode="cross", liq="")], "balance": balance}
    code, out, _ = run(tmp_path, capsys, data, "--format", "json")
    assert code == 0, out.err
    [account] = json.loads(out.out)["accounts"]
    assert account["marginMode"] == "cross" and F(account["walletBalance"]) == F("3322.25896609")


def test_a_bybit_position_without_a_margin_mode_is_refused_saying_why(tmp_path, capsys):
    code, out, _ = run(tmp_path, capsys, EXAMPLE["positions"])
    assert code == 2 and "MV612" in out.err and "tradeMode" in out.err


def test_a_mixed_export_is_split_into_an_isolated_position_and_the_cross_pool(tmp_path, capsys):
    balance = json.loads(BALANCE.read_text(encoding="utf-8"))
    data = {"positions": [btc_position(), btc_position(mode="cross", liq="", side="Sell")], "balance": balance}
    code, out, _ = run(tmp_path, capsys, data, "--format", "json")
    assert code == 0, out.err
    pools = {pool["marginMode"]: pool for pool in json.loads(out.out)["accounts"]}
    assert set(pools) == {"cross", "isolated"} and F(pools["cross"]["walletBalance"]) == F("3322.25896609")
    [isolated] = pools["isolated"]["positions"]
    [cross] = pools["cross"]["positions"]
    assert (isolated["side"], cross["side"]) == ("long", "short") and F(isolated["liquidationPriceExact"]) == 27150


def test_compare_says_it_does_not_use_the_positions_own_tier(tmp_path, capsys):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([btc_position(risk_limit="2600000", liq="27144")]), encoding="utf-8")
    code = main(["compare", "bybit/linear-perpetual", str(path), "--date", "2026-12-07"])
    err = capsys.readouterr().err
    assert code == 0 and "warning[MV658]: BTC/USDT:USDT gives its own tier limit 2600000, which evaluate uses" in err


def test_batch_prices_the_positions_own_tier_by_the_exact_path(tmp_path, capsys):
    """JSON lines and a Parquet table of the same position: the float columns carry no tier of the position's own,
    so its account goes through the exact path and batch says what evaluate says."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    position = btc_position(risk_limit="2600000", liq="27144")
    lines = tmp_path / "accounts.jsonl"
    lines.write_text(json.dumps({"id": "a", "positions": [position]}) + "\n", encoding="utf-8")
    raw = position["info"]
    row = {"id": "a", **{k: position[k] for k in ("symbol", "side", "contracts", "entryPrice", "markPrice", "leverage",
                                                   "marginMode")},
           **{f"info.{k}": str(raw[k]) for k in ("size", "positionBalance", "riskLimitValue", "liqPrice", "side",
                                                 "positionIdx")}}
    table = tmp_path / "positions.parquet"
    pq.write_table(pa.table({k: [v] for k, v in row.items()}), table)
    for source in (lines, table):
        out = tmp_path / f"{source.stem}-out.jsonl"
        code = main(["batch", "bybit/linear-perpetual", str(source), "--out", str(out), "--date", "2026-12-07"])
        capsys.readouterr()
        [priced] = [r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())
                    if r["record"] == "position"]
        assert code == 0 and (priced["liquidation_price"], priced["tier"], priced["exact"]) == (27144.0, 2, True)
