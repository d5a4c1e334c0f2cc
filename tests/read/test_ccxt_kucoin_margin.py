"""KuCoin spot-margin balances (rules/kucoin/spot-margin.yaml, its ccxt ``balances:`` section) evaluated as a user
would: each asset one position with the account's other assets summed in, so a loan against a holding is priced
where the debt ratio reaches 97 % (the pair-shaped rule read every balance into each of Ab, Aq, Db, Dq and called a
liquidatable long never liquidated)."""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from pathlib import Path

from verifier.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
ISOLATED = json.loads((ROOT / "examples" / "ccxt" / "kucoin-spot-margin-isolated.json").read_text())
CROSS = json.loads((ROOT / "examples" / "ccxt" / "kucoin-spot-margin-cross.json").read_text())
LIQUIDATION_DEBT_RATIO = F("0.97")  # the rule's liquidation_debt_ratio, restated to derive the expected prices


def run(capsys, tmp_path, export, *extra):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    code = main(["evaluate", "kucoin/spot-margin", str(path), "--date", "2025-05-15", "--format", "json", *extra])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out else None), out.err


def isolated(base, quote, price):
    """The recorded isolated BTC-USDT export with its legs replaced (total, liability) and a BTC price beside it."""
    data = copy.deepcopy(ISOLATED)
    [pair] = data["balance"]["info"]["data"]["assets"]
    for leg, (total, liability) in (("baseAsset", base), ("quoteAsset", quote)):
        pair[leg].update(total=total, available=total, liability=liability, liabilityPrincipal=liability,
                         liabilityInterest="0")
    data["prices"] = {"BTC": price}
    return data


def cross(rows, prices):
    data = copy.deepcopy(CROSS)
    data["balance"]["info"]["data"]["accounts"] = [
        {"currency": currency, "totalBalance": total, "availableBalance": total, "holdBalance": "0",
         "liability": liability, "maxBorrowSize": "0"} for currency, total, liability in rows]
    data["prices"] = prices
    return data


def positions(result):
    return {p["symbol"]: p for pool in result["accounts"] for p in pool["positions"]}


def test_an_isolated_long_on_borrowed_quote_liquidates_where_the_debt_ratio_reaches_97_percent(capsys, tmp_path):
    """0.0019 BTC held, 100 USDT owed: 100 / (0.0019 x P) = 0.97 at P = 100 / (0.97 x 0.0019) = 54,259.36."""
    code, result, err = run(capsys, tmp_path, isolated(("0.0019", "0"), ("0", "100"), "62891.9"))
    assert code == 0, err
    [pool] = result["accounts"]
    [btc] = pool["positions"]  # the quote asset is priced 1: not a row of the result
    assert (pool["marginMode"], pool["symbol"], btc["side"], btc["status"]) == ("isolated", "BTC/USDT", "long",
                                                                                 "normal")
    expected = F(100) / (LIQUIDATION_DEBT_RATIO * F("0.0019"))
    assert abs(F(btc["liquidationPriceExact"]) - expected) < F(1, 10**17)  # exact, written to 18 places


def test_the_isolated_account_is_liquidated_below_that_price_and_alerted_above_it(capsys, tmp_path):
    boundary = F(100) / (LIQUIDATION_DEBT_RATIO * F("0.0019"))  # 54,259.359...
    statuses = {}
    for price in ("54259", "54260"):
        code, result, err = run(capsys, tmp_path, isolated(("0.0019", "0"), ("0", "100"), price))
        assert code == 0, err
        statuses[price] = result["accounts"][0]["status"]
    assert F(54259) < boundary < F(54260)
    assert statuses == {"54259": "liquidation", "54260": "margin_call"}  # 100 / (0.0019 x 54,260) = 0.96998 > 0.95


def test_an_isolated_short_on_borrowed_base_liquidates_as_the_price_rises(capsys, tmp_path):
    """40,000 USDT held against 1 BTC owed: P / 40,000 = 0.97 at 38,800 (the rule's own short example)."""
    code, result, err = run(capsys, tmp_path, isolated(("0", "1"), ("40000", "0"), "30000"))
    assert code == 0, err
    btc = positions(result)["BTC"]
    assert btc["side"] == "short" and F(btc["liquidationPriceExact"]) == 38800


def test_a_cross_account_prices_each_asset_with_the_others_summed_in(capsys, tmp_path):
    """0.01 BTC at 60,000 and 0.05 ETH at 3,000 and 10 USDT held, 600 USDT owed (debt ratio 600 / 760 at the marks).
    BTC alone moving: 600 = 0.97 x (0.01 P + 150 + 10); ETH alone moving: 600 = 0.97 x (0.05 Q + 600 + 10)."""
    data = cross([("USDT", "10", "600"), ("BTC", "0.01", "0"), ("ETH", "0.05", "0")], {"BTC": "60000", "ETH": "3000"})
    code, result, err = run(capsys, tmp_path, data)
    assert code == 0, err
    [pool] = result["accounts"]
    assert (pool["marginMode"], pool["status"]) == ("cross", "normal")
    found = positions(result)
    assert sorted(found) == ["BTC", "ETH"] and {p["side"] for p in found.values()} == {"long"}
    btc = (F(600) / LIQUIDATION_DEBT_RATIO - 150 - 10) / F("0.01")
    eth = (F(600) / LIQUIDATION_DEBT_RATIO - 600 - 10) / F("0.05")
    assert (btc, eth) == (F(4448000, 97), F(16600, 97))
    assert abs(F(found["BTC"]["liquidationPriceExact"]) - btc) < F(1, 10**17)
    assert abs(F(found["ETH"]["liquidationPriceExact"]) - eth) < F(1, 10**17)
