"""Cross hedge mode: a long and a short of one market share one liquidation price; both legs move with it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction as F

import sympy

from verifier.derive.account import evaluate_account
from verifier.derive.hedge import hedge_form, solve_hedged
from verifier.read import Document, load_rule
from verifier.read.account import account_from_data, account_from_document
from verifier.report.evaluate import evaluation_data
from verifier.report.numbers import fixed_text


def evaluate_snapshot(rule, snapshot, date=None, as_one_way=False) -> dict:
    """A snapshot (dict or read Document) through the three stages: read, derive, report (section-4 JSON).

    ``as_one_way``: evaluate the hedge account's legs as if each were alone in its market (each holds the others at
    their marks), the naive answer the hedge price is compared with.  A one-way snapshot with two positions in one
    market is refused by the reader (the exchange cannot hold it), so the account is changed after reading."""
    account = account_from_document(snapshot) if isinstance(snapshot, Document) else account_from_data(snapshot)
    if as_one_way:
        account = dataclasses.replace(account, position_mode="one-way")
    return evaluation_data(evaluate_account(rule, account, date=date))


RULE = load_rule("binance/usdm-perpetual")
BRACKETS_2024 = dt.date(2024, 10, 1)
"""The figures below use the 2024 BTCUSDT brackets; no tick is recorded that early, so prices are exact."""


def cents(text: str) -> str:
    """An exact decimal price rounded half-up to 0.01, as the worked figures are written."""
    return fixed_text(F(text), 2)


def _snapshot(position_mode="hedge", margin_mode="cross"):
    legs = [{"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "contractSize": "1",
             "entryPrice": "60000", "markPrice": "60000", "collateral": "3000"},
            {"symbol": "BTC/USDT:USDT", "side": "short", "contracts": "0.5", "contractSize": "1",
             "entryPrice": "61000", "markPrice": "60000", "collateral": "3000"}]
    return {"marginMode": margin_mode, "positionMode": position_mode, "walletBalance": "3000", "positions": legs}


def test_hedge_form_is_the_pages_long_short_formula():
    """LP = (WB - TMM1 + UPNL1 + cumL + cumS - L*EPL + S*EPS) / (L*MMRL + S*MMRS - L + S), long s=1, short s=-1."""
    form = hedge_form(RULE, "cross", "liquidation", 1)
    names = {s.name: s for s in form.roots[0].free_symbols}
    root = form.roots[0].subs({names["s"]: 1, names["s__1"]: -1})
    L, EPL, MMRL, cumL = (names[n] for n in ("q", "EP", "MMR", "cum"))
    S, EPS, MMRS, cumS = (names[n] for n in ("q__1", "EP__1", "MMR__1", "cum__1"))
    WB, TMM1, UPNL1 = names["WB"], names["TMM1"], names["UPNL1"]
    published = (WB - TMM1 + UPNL1 + cumL + cumS - L * EPL + S * EPS) / (L * MMRL + S * MMRS - L + S)
    assert sympy.cancel(root - published) == 0


def test_hedged_legs_share_one_price_that_differs_from_holding_the_other_leg_at_mark():
    hedged = evaluate_snapshot(RULE, _snapshot(), date=BRACKETS_2024)
    long, short = hedged["positions"]
    assert long["liquidationPrice"] == short["liquidationPrice"] and cents(long["liquidationPrice"]) == "53651.12"
    naive = evaluate_snapshot(RULE, _snapshot(), date=BRACKETS_2024, as_one_way=True)
    assert cents(naive["positions"][0]["liquidationPrice"]) == "56854.27"  # the short held at its mark
    assert naive["positions"][1]["liquidationPrice"] != naive["positions"][0]["liquidationPrice"]


def test_hedged_price_satisfies_the_condition_with_both_legs_at_that_price_and_their_own_tiers():
    price, tier = solve_hedged(RULE, "cross", "liquidation",
                               {"WB": 3000, "q": 1, "EP": 60000, "s": 1, "TMM1": 0, "UPNL1": 0},
                               [{"q": F(1, 2), "EP": 61000, "s": -1}], market="BTC/USDT:USDT", date=BRACKETS_2024)
    long_mm = price * F(5, 1000) - 50           # notional ~53,651: bracket 2 (0.5 %, 50)
    short_mm = price / 2 * F(4, 1000)           # notional ~26,826: bracket 1 (0.4 %, 0)
    equity = 3000 + (price - 60000) + F(1, 2) * (61000 - price)
    assert equity == long_mm + short_mm and tier == 2


def test_isolated_hedge_legs_keep_their_own_prices():
    out = evaluate_snapshot(RULE, _snapshot(margin_mode="isolated"))
    long, short = out["positions"]
    assert long["liquidationPrice"] != short["liquidationPrice"]


def test_unknown_position_mode_is_a_located_error():
    import pytest

    from verifier.errors import SpecError
    snap = _snapshot("hedged")
    with pytest.raises(SpecError) as err:
        evaluate_snapshot(RULE, snap)
    assert err.value.diagnostics[0].code == "MV601"


def test_cli_evaluate_hedge_snapshot_with_another_market():
    import json
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).parent
    proc = subprocess.run([sys.executable, "-m", "verifier", "evaluate", "binance/usdm-perpetual",
                           str(here / "snapshots" / "hedge-cross.json"), "--json"],
                          capture_output=True, text=True, cwd=here.parent.parent)
    assert proc.returncode == 0, proc.stderr
    btc_long, btc_short, eth = json.loads(proc.stdout)["positions"]
    assert btc_long["liquidationPrice"] == btc_short["liquidationPrice"] is not None
    assert eth["liquidationPrice"] not in (None, btc_long["liquidationPrice"])
    # the ETH leg holds both BTC legs at their marks (a different market): its price is the one-way answer
    hedge = json.loads((here / "snapshots" / "hedge-cross.json").read_text())
    from verifier.read import load_rule
    assert evaluate_snapshot(load_rule("binance/usdm-perpetual"), hedge, as_one_way=True)["positions"][2] == eth


def test_a_hedged_legs_status_counts_its_partner_at_the_mark():
    """Found by compare's cross-check: the status of a hedge-mode cross leg left its partner leg out of the account
    (the partner is left out of the others' sums so that the price moves it), so a leg whose loss the other leg
    covers read 'liquidation' far above the liquidation price both legs share."""
    def snapshot(mark):
        legs = [("long", "0.2", "60000"), ("short", "0.1", "62000")]
        return {"marginMode": "cross", "positionMode": "hedge", "walletBalance": "3000", "positions": [
            {"symbol": "BTC/USDT:USDT", "side": side, "contracts": size, "entryPrice": entry, "markPrice": mark,
             "leverage": "10"} for side, size, entry in legs]}

    date = dt.date(2026, 10, 1)
    above = evaluate_account(RULE, account_from_data(snapshot("42700")), date=date)
    price = above.positions[0].liquidation_price
    assert above.positions[1].liquidation_price == price and price < 42700
    assert above.status == "normal"  # equity 3,000 - 3,460 + 1,930 = 1,470, far above the maintenance margin
    below = evaluate_account(RULE, account_from_data(snapshot(str(int(price) - 1))), date=date)
    assert below.status == "liquidation"
    just_above = evaluate_account(RULE, account_from_data(snapshot(str(int(price) + 1))), date=date)
    assert just_above.status != "liquidation"
