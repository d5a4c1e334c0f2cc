"""An OKX multi-currency margin position's price of liquidation with the others held (evaluate, through derive) held
against the reference simulator (``verifier.simulate``, which never imports derive), issue 29 item 5.

Generated multi-currency accounts under the shipped rule and catalog: a USDT currency (its equity valued at a USD
price ``u`` of 1 or 0.9998, discount tiers of the catalog), a BTC currency held (at 60,000 USD, rate 1) and one
BTC/USDT:USDT perpetual swap margined in USDT, long or short, in the shape ccxt's fetch_positions() gives it
(``info.ccy``, ``info.mmr`` in USDT, ``info.notionalUsd``, ``info.mgnMode`` cross; ``maintenanceMarginPercentage``
the row's rate, as ccxt computes it).  The rule prices a ``*/USDT:USDT`` row by ``okx/linear-swap``, at the row's
rate held.  ``evaluate`` gives the position's price of liquidation.  The simulator side rebuilds the account at a
price ``X`` of the swap from scratch: the position's maintenance margin, unrealised PnL and notional at ``X`` by the
product rule's definitions over the simulator's own binding, the USDT currency holding its equity moved by the PnL,
its positions' maintenance margin and notional (the other positions' held plus this one's at ``X``, in USD at
``u``) set by ``set_derivatives``; then the simulator's own judgement (mgnRatio at 100 %, the fee term on the
notional).  At the price it must be liquidated, and a millionth of the price before it (toward the mark) not.

Where the loss would make USDT owe before liquidation, evaluate gives no price (the loan rate BMMR has no source):
those accounts are skipped (``assume``), as are the simulator's.
"""

from __future__ import annotations

import datetime as _dt
import json
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from verifier.derive.account import evaluate_account
from verifier.read import load_rule
from verifier.read.positions_file import read_positions
from verifier.simulate import SimRule

from tests.decimal_text import dec
from tests.product_at import product_at as shared_product_at
from tests.unified_simulation import simulated_liquidation

# the property and the check that it priced accounts (file order) in one process, so that the check never skips
pytestmark = pytest.mark.xdist_group("okx_mcm_position_price_simulated")

ROOT = Path(__file__).resolve().parents[2]
DATE = _dt.date(2026, 12, 7)  # the linear-swap catalog's BTC/USDT:USDT (contract 0.01 BTC) is in force
RULE = load_rule("okx/multi-currency-margin")
PRODUCT = load_rule("okx/linear-swap")
SYMBOL, SIZE = "BTC/USDT:USDT", F("0.01")  # ccxt's symbol, OKX's ctVal of BTC-USDT-SWAP (the catalog's)
USD_BTC = F(60000)  # the BTC currency's USD price (held)
RATE = F("0.004")  # the row's maintenance margin rate (maintenanceMarginPercentage)
SHAPE = json.loads((ROOT / "tests/fixtures/ccxt_exports/okx-multi-currency-positions.json").read_text())
PRICED: list = []  # the prices the generated accounts got (the property is not vacuous: see the last test)



def detail(ccy, eq, usd) -> dict:
    """One details[] element of /api/v5/account/balance (the test export's shape): equity ``eq`` worth ``usd``."""
    row = dict(SHAPE["balance"]["info"]["data"][0]["details"][0])
    row.update(ccy=ccy, eq=dec(eq), eqUsd=dec(usd), disEq=dec(usd), cashBal=dec(eq), availBal=dec(eq),
               availEq=dec(eq), liab="0", interest="0", collateralEnabled=True)
    return row


def row(symbol, side, contracts, entry, mark, mmr, notional_usd, rate=RATE) -> dict:
    """One ccxt Position of fetch_positions() (the raw row under info, as ccxt keeps it)."""
    info = dict(SHAPE["positions"][0]["info"], ccy="USDT", mgnMode="cross", mmr=dec(mmr), notionalUsd=dec(notional_usd),
                instId=symbol.replace("/USDT:USDT", "-USDT-SWAP"), posSide="net",
                pos=dec(contracts if side == "long" else -contracts))
    return {"info": info, "symbol": symbol, "contracts": float(contracts), "contractSize": float(SIZE),
            "entryPrice": float(entry), "markPrice": None if mark is None else float(mark), "side": side,
            "maintenanceMargin": float(mmr), "maintenanceMarginPercentage": float(rate), "notional": None,
            "marginMode": "cross", "leverage": 10.0, "hedged": False, "unrealizedPnl": None}


def product_at(x, side, contracts, entry):
    """(maintenance margin, upnl, notional) of the swap at price ``x``, in USDT, by the product rule's definitions
    over the simulator's binding (the row's rate): no derive."""
    return shared_product_at(PRODUCT, DATE, SYMBOL, x, side, contracts, entry,
                             names=("maintenance_margin", "upnl", "notional"),
                             extra={"contractSize": SIZE, "maintenanceMarginPercentage": RATE})


def export(side, contracts, entry, mark, usdt, u, others_mm, btc) -> dict:
    """The {balance, positions} export: the swap's mmr the product rule's at the mark, its notionalUsd at ``u``; a
    second USDT row (ETH/USDT:USDT without markPrice: unpriced, its margin and notional summed) holds ``others_mm``
    USDT and a notional of 20 times it (the USDT currency's other positions, held); the account's mmr and
    notionalUsd the rows' sums (OKX's definitions), its totals left as the shape's (not reconciled here)."""
    mm, _, notional = product_at(mark, side, contracts, entry)
    rows = [row(SYMBOL, side, contracts, entry, mark, mm, notional * u)]
    if others_mm:
        rows.append(row("ETH/USDT:USDT", "long", F(1), F(3000), None, others_mm, others_mm * 20 * u))
    top = dict(SHAPE["balance"]["info"]["data"][0])
    top["details"] = [detail("USDT", usdt, usdt * u)] + ([detail("BTC", btc, btc * USD_BTC)] if btc else [])
    top["mmr"] = dec(sum(F(r["info"]["mmr"]) for r in rows) * u)
    top["notionalUsd"] = dec(sum(F(r["info"]["notionalUsd"]) for r in rows))
    return {"balance": {"info": {"code": "0", "data": [top], "msg": ""}, "timestamp": None, "datetime": None,
                        "free": {}, "used": {}, "total": {}},
            "positions": rows}


def evaluated(tmp_path, data):
    path = tmp_path / "okx.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    (account,) = read_positions(RULE, path).accounts
    return evaluate_account(RULE, account, date=DATE).derivatives


def simulated_liquidated(x, side, contracts, entry, mark, usdt, u, others_mm, btc) -> bool:
    """The simulator's verdict on the account with the swap at ``x`` (USDT still held: above 0)."""
    mm, pnl, notional = product_at(x, side, contracts, entry)
    _, pnl0, _ = product_at(mark, side, contracts, entry)
    held = usdt + pnl - pnl0
    assert held > 0  # evaluate gives no price where USDT would owe first (no loan rate)

    def fund(sim):
        if btc:
            sim.deposit("U", "BTC", btc)
        sim.deposit("U", "USDT", held)
        sim.set_derivatives("U", "USDT", {"maintenanceMargin": (others_mm + mm) * u,
                                          "notional": (others_mm * 20 + notional) * u})

    # BMMR has no source; nothing owes here, so any value gives the same verdict (0.1 is the test's, not data)
    return simulated_liquidation(SimRule(RULE, DATE, inputs={"BMMR": F(1, 10)}), {"BTC": USD_BTC, "USDT": u}, fund)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(side=st.sampled_from(["long", "short"]), contracts=st.integers(1, 500).map(F),
       entry=st.integers(40000, 80000).map(F), mark=st.integers(45000, 75000).map(F),
       usdt=st.integers(500, 100000).map(F), u=st.sampled_from([F(1), F("0.9998")]), load=st.integers(0, 99),
       btc=st.sampled_from([F(0), F("0.05"), F("0.5")]))
def test_the_simulator_liquidates_at_evaluates_position_price(tmp_path, side, contracts, entry, mark, usdt, u, load,
                                                              btc):
    # the other positions' margin: ``load`` % of what the equity at the mark holds with their fee term (most of it,
    # so that the account is liquidated before USDT owes, where a price exists)
    others_mm = F(int((usdt * u + btc * USD_BTC) * load / 100 / (1 + 20 * F("0.0005")) / u))
    found = evaluated(tmp_path, export(side, contracts, entry, mark, usdt, u, others_mm, btc))[0]
    assert found.liquidation.rule == "okx/linear-swap"
    price = found.liquidation.price
    assume(price is not None)
    PRICED.append(price)
    assert (price < mark) if side == "long" else (price > mark)
    args = (side, contracts, entry, mark, usdt, u, others_mm, btc)
    assert simulated_liquidated(price, *args)
    before = price + (mark - price) / 10**6
    assert not simulated_liquidated(before, *args)


def test_one_account_by_hand(tmp_path):
    # 4,000 USDT at 1 USD; 200 contracts (2 BTC) long at 60,000 (rate 0.4 %: margin 480, notional 120,000) and an
    # ETH/USDT:USDT row (unpriced: no markPrice) holding 3,000 USDT of margin and 60,000 of notional:
    # mgnRatio = equity / (margin + 0.0005 x notional); liquidated where
    # 4,000 + 2 (X - 60,000) = 3,000 + 0.008 X + 0.0005 (60,000 + 2 X), X = 119,030 / 1.991 (~59,784.03)
    args = ("long", F(200), F(62000), F(60000), F(4000), F(1), F(3000), F(0))
    shares = evaluated(tmp_path, export(*args))
    found, other = shares[0].liquidation, shares[1].liquidation
    assert found.price == F(119030) / F("1.991") and found.reason is None
    assert found.rule == "okx/linear-swap" and found.rule_maintenance == 480
    assert simulated_liquidated(found.price, *args)
    assert not simulated_liquidated(found.price + F(1, 1000), *args)
    assert other.price is None and "markPrice" in other.reason  # kept in the account, unpriced, the reason said
    # the notional moves the fee term: held at the mark's 120,000 instead, the price would be another
    held = F(119090) / F("1.992")  # 4,000 + 2 (X - 60,000) = 3,000 + 0.008 X + 0.0005 x 180,000
    assert found.price != held and not simulated_liquidated(held, *args)


def test_a_loss_that_makes_usdt_owe_first_is_not_priced(tmp_path):
    # 1 BTC (60,000 USD) and 4,000 USDT, the same long: USDT owes from 58,000 down, before any liquidation, and the
    # loan's margin needs BMMR, which no source gives
    found = evaluated(tmp_path, export("long", F(200), F(62000), F(60000), F(4000), F(1), F(0), F(1)))[0].liquidation
    assert found.price is None
    assert "down to 58000, where its loss makes USDT owe" in found.reason and "BMMR" in found.reason


def test_the_generated_accounts_were_priced():
    """Run after the property (file order): most generated accounts got a price, so it held something."""
    if not PRICED:
        pytest.skip("the property did not run in this process")
    assert len(PRICED) >= 3
