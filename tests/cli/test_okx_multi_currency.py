"""OKX multi-currency margin (issue 29 item 5): a ccxt fetch_balance() beside fetch_positions() evaluated end to end.

OKX's balance gives the maintenance margin (mmr) and the fee term's notional (notionalUsd) per account in
multi-currency mode; its positions give them per position (ccy the margin currency, mmr in it, notionalUsd in USD,
mgnMode). The rule sums the cross rows per margin currency; the account's printed mmr must equal that sum, else the
account is refused naming both figures (exit 2); the account totals are then reconciled (exit 1 past --rtol).

The export, tests/fixtures/ccxt_exports/okx-multi-currency-positions.json, is made by make_okx_multi_currency.py
beside it with ccxt's own parsers: three recorded position rows of ccxt's okx.json (an LTC-USDT-SWAP cross long
margined in USDT, a BTC-USD-SWAP isolated long, and a BTC-USD-SWAP cross long margined in BTC, mmr
0.000004345115113 BTC, notionalUsd 100, the row of rules/okx/conformance/okx-inverse-cross-2026-01-20.json), and a
balance BUILT in the recorded balance's shapes (10,000 USDT, 1 BTC at the cross row's usdPx 90,970.9 USD) whose
totals follow OKX's definitions: no recorded OKX balance has its positions beside it.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

from verifier.model.numbers import decimal_text

ROOT = Path(__file__).resolve().parents[2]
EXPORT = ROOT / "tests/fixtures/ccxt_exports/okx-multi-currency-positions.json"
RECORDED = ROOT / "rules/okx/conformance/okx-multi-currency-2025-07-11.json"
DATE = "2026-01-20"  # the cross BTC row's and the built balance's day

# the cross rows: LTC 0.00131729 USDT at 1 USD, BTC 0.000004345115113 BTC at 90,970.9 USD; their notionalUsd; the
# fee rate of the catalog (0.0005, the rate the 2021-22 docs example reproduces with)
BTC = F("90970.9")
MMR = F("0.00131729") + F("0.000004345115113") * BTC
NOTIONAL = F("0.2027248512") + 100
ADJ_EQ = F(10000) + BTC
MGN_RATIO = ADJ_EQ / (MMR + F("0.0005") * NOTIONAL)


def load() -> dict:
    return json.loads(EXPORT.read_text(encoding="utf-8"))


def evaluate(tmp_path, data, *extra):
    path = tmp_path / "okx.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "verifier", "evaluate", "okx/multi-currency-margin", str(path),
                           "--date", DATE, *extra], capture_output=True, text=True, cwd=ROOT, check=False)


def totals(out) -> dict:
    account, = json.loads(out)["accounts"]
    return {t["quantity"]: t for t in account["totals"]}


def test_a_consistent_account_evaluates_and_its_totals_agree(tmp_path):
    done = evaluate(tmp_path, load(), "--format", "json", "--rtol", "1e-9")
    assert done.returncode == 0, done.stderr
    account, = json.loads(done.stdout)["accounts"]
    assert F(account["marginLevel"]) == round(MGN_RATIO, 12)
    found = totals(done.stdout)
    assert F(found["adjusted_equity"]["ours"]) == ADJ_EQ == F(found["adjusted_equity"]["exchange"])
    assert F(found["maintenance_margin"]["ours"]) == round(MMR, 12)  # OKX's printed float agrees within 1e-9
    assert found["margin_level"]["field"] == "info.data[0].mgnRatio"
    assert {t["verdict"] for t in found.values()} == {"agree"}
    by_coin = {p["symbol"]: F(p["maintenanceMargin"]) for p in account["positions"]}
    assert by_coin == {"USDT/USD": F("0.00131729"), "BTC/USD": F("0.000004345115113") * BTC}  # each currency's, USD


def test_the_text_report_lists_the_isolated_row_as_skipped(tmp_path):
    done = evaluate(tmp_path, load())
    assert done.returncode == 0, done.stderr
    assert "skipped #1 BTC/USD:BTC: isolated position" in done.stdout
    assert "position #2 BTC/USD:BTC long 1 contracts: maintenance margin 0.000004345115113 BTC = ~0.39527903 USD" \
        in done.stdout
    assert "margin level ~226038.556774508468" in done.stdout


def test_an_account_mmr_the_positions_do_not_explain_is_refused_naming_both(tmp_path):
    data = load()
    data["balance"]["info"]["data"][0]["mmr"] = "9.4696"
    done = evaluate(tmp_path, data)
    assert done.returncode == 2, done.stdout
    assert "error[MV626]" in done.stderr
    assert "info.data[0].mmr is 9.4696" in done.stderr and f"hold {decimal_text(MMR)}" in done.stderr
    assert f"{decimal_text(F('9.4696') - MMR)} of the account's requirement is on no position" in done.stderr
    assert "(at $.balance.info.data[0].mmr)" in done.stderr
    assert "accounts" not in done.stdout  # nothing evaluated


def test_a_difference_of_float_printing_is_not_a_difference(tmp_path):
    data = load()
    data["balance"]["info"]["data"][0]["mmr"] = "0.39659632243321"  # within the rule's rtol 1e-9
    assert evaluate(tmp_path, data).returncode == 0


def test_the_recorded_spot_borrow_account_with_no_positions_is_refused_naming_both(tmp_path):
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    top = recorded["info"]["data"][0]  # its four coins without collateral left out by hand (else MV603 first)
    top["details"] = [d for d in top["details"] if d["collateralEnabled"]]
    done = evaluate(tmp_path, {"balance": recorded, "positions": []})
    assert done.returncode == 2
    assert "info.data[0].mmr is 9.073149592403611, and the 0 cross position(s) beside it hold 0" in done.stderr


def test_a_balance_without_positions_stays_refused(tmp_path):
    done = evaluate(tmp_path, load()["balance"])
    assert done.returncode == 2
    assert "error[MV600]" in done.stderr and "fetch_positions() rows beside the balance" in done.stderr


def test_a_position_margined_in_a_currency_the_balance_lacks_is_refused(tmp_path):
    data = load()
    data["positions"][0]["info"]["ccy"] = "ETH"
    done = evaluate(tmp_path, data)
    assert done.returncode == 2
    assert "error[MV626]: position #0 LTC/USDT:USDT settles in ETH, which the balance does not list" in done.stderr


def test_a_row_without_its_margin_currency_is_located(tmp_path):
    data = load()
    del data["positions"][2]["info"]["ccy"]
    done = evaluate(tmp_path, data)
    assert done.returncode == 2
    assert "error[MV610]: position #2 BTC/USD:BTC gives no margin coin at info.ccy" in done.stderr


def test_a_totals_disagreement_exits_1(tmp_path):
    data = copy.deepcopy(load())
    data["balance"]["info"]["data"][0]["adjEq"] = "100971.9"
    done = evaluate(tmp_path, data, "--rtol", "1e-9")
    assert done.returncode == 1, done.stderr
    assert "info.data[0].adjEq" in done.stdout


@pytest.mark.parametrize("old, new, said", [
    ("      summed: true\n      asset: info.ccy\n", "      asset: info.ccy\n",
     "'positions: notional' is summed per coin: it needs 'summed: true'"),
    ("        rtol: 0.000000001\n", "        rtol: -1\n", "an rtol is a relative difference of 0 or more"),
    ("      asset: info.ccy\n", "      asset: info..ccy\n", "error[MV490]"),
])
def test_a_positions_reading_that_cannot_hold_is_a_located_rule_error(tmp_path, old, new, said):
    text = (ROOT / "rules" / "okx" / "multi-currency-margin.yaml").read_text(encoding="utf-8")
    assert old in text
    folder = tmp_path / "okx"
    folder.mkdir()
    (folder / "multi-currency-margin.yaml").write_text(text.replace(old, new), encoding="utf-8")
    (folder / "markets").symlink_to(ROOT / "rules" / "okx" / "markets")
    (folder / "conformance").symlink_to(ROOT / "rules" / "okx" / "conformance")
    proc = subprocess.run([sys.executable, "-m", "verifier", "check", str(folder / "multi-currency-margin.yaml")],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    assert said in proc.stderr and ("error[MV491]" in proc.stderr or said == "error[MV490]"), proc.stderr


def test_an_account_notional_the_positions_do_not_explain_is_refused_naming_both(tmp_path):
    data = load()
    data["balance"]["info"]["data"][0]["notionalUsd"] = "150.5"
    done = evaluate(tmp_path, data)
    assert done.returncode == 2, done.stdout
    assert "error[MV626]: the balance's account notional info.data[0].notionalUsd is 150.5, and the 2 cross " \
           "position(s) beside it hold 100.2027248512 (info.notionalUsd summed): 50.2972751488 of the account's " \
           "notional is on no position" in done.stderr
    assert "(at $.balance.info.data[0].notionalUsd)" in done.stderr
    assert "accounts" not in done.stdout  # nothing evaluated


def test_an_account_notional_printed_as_a_float_agrees(tmp_path):
    data = load()
    assert data["balance"]["info"]["data"][0]["notionalUsd"] == "100.2027248512"
    data["balance"]["info"]["data"][0]["notionalUsd"] = "100.20272485120004"  # within the rule's rtol 1e-9
    assert evaluate(tmp_path, data).returncode == 0


def test_a_balance_without_an_account_notional_is_located(tmp_path):
    data = load()
    del data["balance"]["info"]["data"][0]["notionalUsd"]
    done = evaluate(tmp_path, data)
    assert done.returncode == 2
    assert "error[MV600]: the balance gives no account notional at info.data[0].notionalUsd" in done.stderr


def test_each_cross_position_is_priced_by_its_product_rule_or_says_why(tmp_path):
    done = evaluate(tmp_path, load(), "--format", "json")
    assert done.returncode == 0, done.stderr
    account, = json.loads(done.stdout)["accounts"]
    found = {d["index"]: d for d in account["derivatives"]}
    assert set(found) == {0, 2}  # the isolated row #1 is skipped, not priced
    ltc, btc = found[0], found[2]
    assert ltc["pricedBy"] == "okx/linear-swap" and ltc["accountLiquidationPrice"] is None
    assert "never holds" in ltc["accountLiquidationReason"]
    assert btc["pricedBy"] == "okx/inverse-swap" and btc["accountLiquidationPrice"] is None
    # coin-margined: here "not affine in its price" (the solver fits affine pieces); a solver that prices inverse
    # contracts (the coin's USD price moving with the mark) meets OKX's discount tiers in USD, which then move too
    assert btc["accountLiquidationReason"].startswith("it cannot be priced: ")


def test_a_usdt_swap_of_a_kind_no_rule_prices_is_refused(tmp_path):
    data = load()
    data["positions"][0]["symbol"] = "LTC/USDT:USDT-260327"  # a delivery future: the rule names no product rule
    done = evaluate(tmp_path, data)
    assert done.returncode == 2
    assert "error[MV627]: position #0 LTC/USDT:USDT-260327: rule okx/multi-currency-margin names no product rule" \
        in done.stderr
