"""``compare --unified``: the third column (issue 29, item 6), end to end as a user runs it, text and JSON, and
bad input (exit 2, located).

The account (examples/compare/bybit-uta-cross.yaml): 5,000 USDT, a BTC long of 0.25 at 60,000 in Bybit's UTA cross
mode, and 0.1 BTC held besides.  On 2026-12-07 the Bybit catalog counts BTC at 0.85 (HR 0.15) and USDT at 1; the
product rule's maintenance margin of the position is 81 USDT (held by its entry-price position value).
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = ROOT / "examples" / "compare" / "bybit-uta-cross.yaml"
UNIFIED = ["--unified", "bybit/unified-trading-account", "--usd", "USDT=1,BTC=60000", "--collateral", "BTC=0.1"]
SHOCKS = ["--shock", "-10%,-33%", "--shock", "BTC=-30%", "--shock", "USDT=-5%"]


def close(text, exact) -> bool:
    """A JSON decimal (exact, or 18 places where it does not end) equals ``exact``."""
    return abs(F(text) - exact) < F(1, 10**17)


def run(*args, rule="bybit/linear-perpetual") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verifier", "compare", rule, *map(str, args), "--date",
                           "2026-12-07"], capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def report():
    done = run(ACCOUNT, *SHOCKS, *UNIFIED, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_unified_account_at_the_marks_is_the_wallet_the_collateral_and_the_positions_margin(report):
    unified = report["unified"]
    assert unified["rule"] == "bybit/unified-trading-account"
    coins = {c["coin"]: c for c in unified["atMark"]["coins"]}
    assert coins["USDT"] == {"coin": "USDT", "held": "5000", "usdPrice": "1", "maintenanceMarginUsd": "81"}
    assert coins["BTC"]["held"] == "0.1" and coins["BTC"]["maintenanceMarginUsd"] == "0"
    # account MM rate = 81 / (5,000 + 0.1 x 60,000 x 0.85)
    assert close(unified["atMark"]["marginRate"], F(81, 10100))
    assert unified["atMark"]["status"] == "normal"


def test_each_shock_moves_the_positions_and_the_coins_it_names(report):
    steps = {s["shock"]: s["steps"][0] for s in report["unified"]["shocks"]}
    assert list(steps) == ["-10%", "-33%", "BTC -30%", "USDT -5%"]
    # -10%: BTC/USDT:USDT and the BTC coin (its base asset) at 54,000: 5,000 - 1,500 + 0.1 x 54,000 x 0.85
    assert close(steps["-10%"]["marginRate"], F(81) / (3500 + F("4590")))
    # USDT -5%: only the USDT coin moves; wallet and margin are both in USDT, so the rate counts BTC at 0.95 USDT-units
    usdt = F("0.95")
    assert close(steps["USDT -5%"]["marginRate"], 81 * usdt / (5000 * usdt + 5100))
    assert {c["coin"]: c["usdPrice"] for c in steps["USDT -5%"]["coins"]} == {"USDT": "0.95", "BTC": "60000"}
    # -33%: 50 USDT left and BTC at 40,200: 81 / (50 + 0.1 x 40,200 x 0.85)
    assert close(steps["-33%"]["marginRate"], F(81) / (50 + F("3417"))) and steps["-33%"]["status"] == "normal"
    assert {c["coin"]: c["held"] for c in steps["-33%"]["coins"]}["USDT"] == "50"
    # the product columns are unchanged by a coin-only shock: USDT -5% moves no market
    usdt_shock = next(s for s in report["shocks"] if s["shock"] == "USDT -5%")
    assert usdt_shock["steps"][0]["cross"]["liquidated"] == []


def test_the_cross_mode_is_liquidated_where_the_unified_account_is_not(report):
    assert "-33%" in report["verdict"]["liquidatedAt"]["cross"]
    assert report["unified"]["liquidatedAt"] == []


def test_text_has_the_unified_table_and_a_third_column():
    done = run(ACCOUNT, *SHOCKS, *UNIFIED)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "unified (bybit/unified-trading-account, margin rate ~0.8% at the marks) is liquidated by none of them" \
        in out.splitlines()[0]
    assert "unified: the same positions in bybit/unified-trading-account, at the marks" in out
    header = next(line for line in out.splitlines() if line.startswith("shock "))
    assert header.rstrip().endswith("unified margin rate  unified status")
    row = next(line for line in out.splitlines() if line.startswith("USDT -5%"))
    assert row.split()[-2:] == ["~0.78%", "normal"]


def test_a_unified_account_with_too_little_margin_is_liquidated():
    done = run(ACCOUNT, "--shock", "-30%", "--unified", "bybit/unified-trading-account", "--usd", "USDT=1",
               "--format", "json")
    assert done.returncode == 0, done.stderr
    step = json.loads(done.stdout)["unified"]["shocks"][0]["steps"][0]
    # 500 USDT left against 81 of maintenance margin: normal; -35% would owe; a 0-collateral -33% is past the margin
    assert step["status"] == "normal" and F(step["marginRate"]) == F(81, 500)
    done = run(ACCOUNT, "--shock", "-33%", "--unified", "bybit/unified-trading-account", "--usd", "USDT=1",
               "--format", "json")
    step = json.loads(done.stdout)["unified"]["shocks"][0]["steps"][0]
    assert step["status"] == "liquidation" and F(step["marginRate"]) == F(81, 50)  # 81 / (5,000 - 4,950)


@pytest.mark.parametrize("args, code, said", [
    (["--unified", "bybit/unified-trading-account"], "MV002", "values USDT in USD: no price given"),
    (["--unified", "binance/portfolio-margin", "--usd", "USDT=1"], "MV002", "is a rule of binance, not of bybit"),
    (["--unified", "bybit/linear-perpetual", "--usd", "USDT=1"], "MV002", "is no unified-margin rule"),
    (["--usd", "USDT=1"], "MV002", "they go with --unified RULE"),
    (["--unified", "bybit/unified-trading-account", "--usd", "USDT=0"], "MV002", "not above 0"),
    (["--unified", "bybit/unified-trading-account", "--usd", "USDT=1,USDT=2"], "MV002", "named twice"),
    (["--unified", "bybit/unified-trading-account", "--usd", "USDT=1", "--shock", "DOGE=-5%"], "MV657",
     "names DOGE, which no position holds"),
    (["--unified", "bybit/unified-trading-account", "--usd", "USDT=1,ETH=3000", "--shock", "ETH=-5%"], "MV657",
     "names ETH, which neither a position nor the unified account holds"),
])
def test_bad_unified_input_is_a_located_error(args, code, said):
    done = run(ACCOUNT, *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"error[{code}]" in done.stderr and said in done.stderr


def test_a_unified_rule_whose_loan_rate_has_no_reading_needs_it_only_of_a_coin_that_owes():
    # nothing is owed at the marks, so the Binance rule's loan term (D + I) x P x BMMR is 0 and BMMR is not asked
    # for; the USDT coin counts at its catalogued collateral rate (0.9999, the recorded answer of 2024-02-17), so
    # uniMMR = 5,000 x 0.9999 / 60 (the position's maintenance margin) = 83.325
    done = run(ROOT / "examples" / "compare" / "futures-isolated-1000.yaml", "--unified", "binance/portfolio-margin",
               "--usd", "USDT=1", rule="binance/usdm-perpetual")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "BMMR" not in done.stderr and "error[" not in done.stderr, done.stderr
    assert "unified (binance/portfolio-margin) has margin rate 8332.5% at the marks" in done.stdout, done.stdout


def test_a_coin_that_owes_without_a_catalogued_loan_rate_is_refused_at_its_step():
    # -35%: the USDT coin owes 250 and the catalog gives USDT/USD no loan rate: refused, never judged at a rate nobody
    # gave (the column once evaluated it at 0 and 1/2 and called it normal)
    done = run(ACCOUNT, "--shock", "-35%", *UNIFIED)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "error[MV606]" in done.stderr and "the unified account at '-35%' (held: USDT -250, BTC 0.1)" in done.stderr
    assert "loanMMR" in done.stderr


def test_a_coin_follows_its_market_however_the_move_is_written():
    # the BTC coin moves with BTC/USDT:USDT whether the shock names every market, the market or the coin
    rates = set()
    for shock in ("-20%", "BTC/USDT:USDT=-20%", "BTC=-20%"):
        done = run(ACCOUNT, "--shock", shock, *UNIFIED, "--format", "json")
        assert done.returncode == 0, done.stderr
        step = json.loads(done.stdout)["unified"]["shocks"][0]["steps"][0]
        assert {c["coin"]: c["usdPrice"] for c in step["coins"]}["BTC"] == "48000", shock
        rates.add(step["marginRate"])
    assert len(rates) == 1  # 81 / (5,000 - 3,000 + 0.1 x 48,000 x 0.85)
    assert close(rates.pop(), F(81) / (2000 + F("4080")))


def test_a_price_of_a_coin_the_account_does_not_hold_is_refused():
    done = run(ACCOUNT, "--unified", "bybit/unified-trading-account", "--usd", "USDT=1,ETH=3000")
    assert done.returncode == 2 and "error[MV002]" in done.stderr
    assert "--usd prices ETH, which the unified account does not hold" in done.stderr
