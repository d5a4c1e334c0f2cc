"""Binance Portfolio Margin (issue 29 item 5): a COIN-M (inverse) position priced one by one by ``evaluate``, its
settle coin's USD price moving with its mark (docs/unified-margin.md, "Binance: each position priced by its product
rule").

The account is ``tests/fixtures/ccxt_exports/binance-pm-coinm-2026-12-07.json``: raw papi answers written
consistently by hand and parsed by ccxt's own functions (``make_binance_pm_coinm.py`` beside it, whose docstring
works the price out): BTC 1.2 over the wallets, USDC 200, one BTCUSD_PERP long of 2,400 contracts of 100 USD at
entry 64,000, mark 60,000.  Constructed, not recorded (no recorded Portfolio Margin account exists in the public
record searched).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests/fixtures/ccxt_exports/binance-pm-coinm-2026-12-07.json"
DATE = "2026-12-07"
DATA = json.loads(FIXTURE.read_text(encoding="utf-8"))
# 0.95 (5.2 X - 240,000) + 200 = 1.05 (1,200 - 0.005 X): the BTC held is 5.2 - 240,000 / X, the margin in the second
# bracket (notional past 5 BTC below 48,000: 0.5 %, cum 0.005 BTC) is 1,200 - 0.005 X USD
PRICE = F(229060) / F("4.94525")


def evaluate(tmp_path, data, *extra):
    path = tmp_path / "pm.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "verifier", "evaluate", "binance/portfolio-margin", str(path),
                           "--date", DATE, *extra], capture_output=True, text=True, cwd=ROOT, check=False)


def derivative(proc) -> dict:
    assert proc.returncode == 0, proc.stderr
    (found,) = json.loads(proc.stdout)["accounts"][0]["derivatives"]
    return found


def test_the_coinm_long_is_priced_exactly_with_its_distance(tmp_path):
    proc = evaluate(tmp_path, DATA, "--rtol", "1e-9", "--format", "json")
    found = derivative(proc)
    assert found["pricedBy"] == "binance/coinm-perpetual" and found["accountLiquidationReason"] is None
    assert F(found["accountLiquidationPriceExact"]) == PRICE == F(916240000, 19781)  # ~46,319.195
    assert F(found["ruleMaintenanceMargin"]) == F("0.016") and found["markPrice"] == "60000"
    assert F(found["distance"]) == round((PRICE - 60000) / 60000, 12)  # ~-22.80 %
    assert F(found["settlePrice"]) == round(PRICE, 12)  # BTC's USD price is the mark's here (both 60,000)
    # the liquidation lies in the second bracket and BTC is still held there (no loan: BMMR not needed)
    assert 240000 / PRICE > 5 and F("5.2") - 240000 / PRICE > 0
    account = json.loads(proc.stdout)["accounts"][0]
    assert all(t["verdict"] == "agree" for t in account["totals"]), account["totals"]


def test_the_text_report_says_the_coins_price_moves_with_it(tmp_path):
    proc = evaluate(tmp_path, DATA)
    assert proc.returncode == 0, proc.stderr
    assert ("the account is liquidated at BTC/USD:BTC ~46319.1951873 (-22.80% from the mark 60000), BTC at "
            "~46319.1951873 USD with it (an inverse contract: its settle coin's price moves with its mark), every "
            "other price held (priced by binance/coinm-perpetual)") in proc.stdout


def test_the_coins_price_moves_in_proportion_to_the_mark(tmp_path):
    # BTC's index at 60,060 against the mark 60,000: P = 1.001 X. Everything in USD scales by 1.001 but USDC's 200:
    # 0.95 x 1.001 (5.2 X - 240,000) + 200 = 1.05 x 1.001 (1,200 - 0.005 X)
    data = copy.deepcopy(DATA)
    data["prices"]["BTC"] = "60060"
    data.pop("account")  # its totals are of BTC at 60,000
    found = derivative(evaluate(tmp_path, data, "--format", "json"))
    k = F("1.001")
    price = (F("0.95") * k * 240000 - 200 + F("1.05") * k * 1200) / (k * (F("0.95") * F("5.2") + F("1.05") * F("0.005")))
    assert F(found["accountLiquidationPriceExact"]) == price
    assert F(found["settlePrice"]) == round(k * price, 12)


def test_a_loss_that_makes_btc_owe_first_is_not_priced(tmp_path):
    # 10,000 more USDC: liquidation would need X below 240,000 / 5.2 = ~46,153.85, where BTC's holding reaches 0 and
    # the loan's margin needs BMMR, which no source gives
    data = copy.deepcopy(DATA)
    data.pop("account")
    usdc = next(row for row in data["balance"]["info"] if row["asset"] == "USDC")
    usdc["umWalletBalance"] = "10200"
    found = derivative(evaluate(tmp_path, data, "--format", "json"))
    assert found["accountLiquidationPrice"] is None
    assert "where its loss makes BTC owe" in found["accountLiquidationReason"]
    assert "BMMR" in found["accountLiquidationReason"]
    assert found["accountLiquidationReason"].startswith("not liquidated down to ~46153.846")  # 600,000 / 13


def test_a_delivery_contract_settles_in_its_coin_and_its_margin_moves_with_the_coins_price(tmp_path):
    # a BTCUSD_261225 short beside the perpetual, as ccxt's account method gives it (symbol BTC/USD:BTC-261225,
    # markPrice null): it settles in BTC (it was read as settling in "BTC-261225", MV626), its 0.004 BTC of margin is
    # summed into BTC's and held in BTC, valued at BTC's moving price; it is unpriced (no markPrice), the reason said.
    # 0.95 (5.2 X - 240,000) + 200 = 1.05 (1,200 - 0.005 X + 0.004 X)
    data = copy.deepcopy(DATA)
    data.pop("account")
    row = copy.deepcopy(data["positions"][0])
    row.update(symbol="BTC/USD:BTC-261225", markPrice=None, side="short", contracts=100.0, maintenanceMargin=0.004,
               unrealizedPnl=0.0)
    row["info"].update(symbol="BTCUSD_261225", positionAmt="-100", maintMargin="0.004", unrealizedProfit="0")
    data["positions"].append(row)
    proc = evaluate(tmp_path, data, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    perpetual, delivery = json.loads(proc.stdout)["accounts"][0]["derivatives"]
    assert delivery["settle"] == "BTC" and F(delivery["maintenanceMarginValue"]) == 240
    assert delivery["accountLiquidationPrice"] is None and "markPrice" in delivery["accountLiquidationReason"]
    assert F(perpetual["accountLiquidationPriceExact"]) == F(229060) / (F("0.95") * F("5.2") + F("1.05") * F("0.001"))


def eth_account() -> dict:
    """The fixture moved to ETH (built here, not recorded): ETH 12 in the COIN-M wallet, no USDC, one ETHUSD_PERP long
    of 2,400 contracts of 10 USD at entry 2,560, mark 2,400 (10 ETH, PnL -0.625 ETH, first bracket: 0.05 ETH)."""
    data = copy.deepcopy(DATA)
    data.pop("account")  # its totals are of the BTC account
    balance = data["balance"]
    (row,) = [dict(item, asset="ETH", totalWalletBalance="12", cmWalletBalance="12", cmUnrealizedPNL="-0.625")
              for item in balance["info"] if item["asset"] == "BTC"]
    balance["info"] = [row]
    for key in ("BTC", "USDC"):
        balance.pop(key)
    balance["ETH"] = {"free": None, "used": None, "total": 11.375}
    for key in ("free", "used", "total"):
        balance[key] = {"ETH": 11.375 if key == "total" else None}
    (position,) = data["positions"]
    position["info"].update(symbol="ETHUSD_PERP", initialMargin="0.5", maintMargin="0.05", unrealizedProfit="-0.625",
                            entryPrice="2560", notionalValue="10", crossMargin="11.375", crossWalletBalance="12")
    position.update(symbol="ETH/USD:ETH", initialMargin=0.5, maintenanceMargin=0.05, entryPrice=2560.0, notional=10.0,
                    unrealizedPnl=-0.625, contractSize=10.0, markPrice=2400.0)
    data["prices"] = {"ETH": "2400"}
    return data


def test_an_eth_coinm_long_is_priced_from_the_eth_brackets(tmp_path):
    # ETH held at a mark X: 12 + 24,000/2,560 - 24,000/X, worth 21.375 X - 24,000 USD; the notional 24,000/X ETH passes
    # 15 below X = 1,600 (ETH's second bracket: 0.65 %, cum 0.0225 ETH), a margin of 156 - 0.0225 X USD. uniMMR reaches
    # 105 % at 0.95 (21.375 X - 24,000) = 1.05 (156 - 0.0225 X), X = 22,963.8 / 20.329875, above 24,000/21.375 (ETH owes)
    found = derivative(evaluate(tmp_path, eth_account(), "--format", "json"))
    price = F("22963.8") / F("20.329875")
    assert found["pricedBy"] == "binance/coinm-perpetual" and found["accountLiquidationReason"] is None
    assert F(found["accountLiquidationPriceExact"]) == price == F(61236800, 54213)  # ~1,129.56
    assert F(found["ruleMaintenanceMargin"]) == F("0.05")  # 10 ETH x 0.5 %: the first bracket at the mark
    assert 15 < 24000 / price < 100 and price > F(24000) / F("21.375")
