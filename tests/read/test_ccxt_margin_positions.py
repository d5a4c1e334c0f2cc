"""OKX's MARGIN rows of ``fetch_positions()`` read as pair accounts (verifier/read/ccxt_margin_positions.py): the
recorded long, and a short and a loan with interest made from it by hand, evaluated as a user would."""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from pathlib import Path

from verifier.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
RECORDED = json.loads((ROOT / "examples" / "ccxt" / "okx-spot-margin-isolated.json").read_text())


def run(capsys, tmp_path, export, *extra):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    code = main(["evaluate", "okx/spot-margin", str(path), "--date", "2024-08-27", "--format", "json", *extra])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out else None), out.err


def row(**info):
    data = copy.deepcopy(RECORDED)
    data["positions"][0]["info"].update(info)
    return data


def test_the_recorded_long_is_one_pair_account_with_its_own_maintenance_rate(capsys, tmp_path):
    code, result, err = run(capsys, tmp_path, RECORDED)
    assert code == 0, err
    [pool] = result["accounts"]
    btc, = pool["positions"]  # the quote balance has no price of its own: not a row of the result
    assert (pool["marginMode"], pool["symbol"], pool["quote"]) == ("isolated", "BTC/USDT", "USDT")
    # LP = liab x (1 + MMR)(1 + f) / pos with MMR = mmr x markPx / liab, from the row alone
    mmr = F("0.0000318005395854") * F("62891.9") / F("99.9998177776581948")
    expected = F("99.9998177776581948") * (1 + mmr) * F("1.001") / F("0.00190433573")
    assert abs(F(btc["liquidationPriceExact"]) - expected) < F(1, 10**17)  # the exact price, written to 18 places
    unread = {u["path"]: u["why"] for u in result["unread"]}
    assert unread["info.margin"].startswith("the isolated margin, already part of")
    assert "info.pos" not in unread and "info.liab" not in unread and "info.mmr" not in unread


def test_a_short_holds_the_quote_and_owes_the_base(capsys, tmp_path):
    """11,000 USDT held against 1 BTC owed, maintenance 100 USDT at mark 10,000 (MMR 1 %), fee 0.1 %: the rule's own
    short example, 11,000 / (1.01 x 1.001)."""
    data = row(pos="11000", posCcy="USDT", liab="-1", liabCcy="BTC", interest="0", mmr="100", ccy="USDT",
               markPx="10000", liqPx="")
    data["positions"][0]["side"] = "short"
    code, result, err = run(capsys, tmp_path, data)
    assert code == 0, err
    [btc] = result["accounts"][0]["positions"]
    price = F(btc["liquidationPriceExact"])
    assert btc["side"] == "short" and abs(price - F(11000) / (F("1.01") * F("1.001"))) < F(1, 10**12)
    assert btc["reconciliation"]["exchange"] is None


def test_interest_is_owed_with_the_loan(capsys, tmp_path):
    _, plain, _ = run(capsys, tmp_path, row(interest="0"))
    _, owing, _ = run(capsys, tmp_path, row(interest="5"))
    price = [F(r["accounts"][0]["positions"][0]["liquidationPriceExact"]) for r in (plain, owing)]
    assert price[1] > price[0]  # the interest counts with the liability (and the same mmr is a smaller rate)


def test_a_closed_row_is_skipped_and_listed(capsys, tmp_path):
    code, result, err = run(capsys, tmp_path, row(pos="0"))
    assert code == 0 and result["accounts"] == [], err
    assert result["skipped"][0]["index"] == 0 and "holds nothing" in result["skipped"][0]["why"]


def test_margin_mode_and_balance_options_are_refused(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path, RECORDED, "--margin-mode", "isolated")
    assert code == 2 and "MV614" in err and "states its own margin mode" in err
