"""The text users see from ``simulate``, exactly: table with the event log, Markdown, and the JSON's shape."""

import json
from fractions import Fraction
from pathlib import Path

from verifier.report import simulate as report
from verifier.simulate import Failure
from verifier.verify.scenarios import simulate_file

ROOT = Path(__file__).resolve().parents[2]

EVENTS = """\
Binance Margin: one cross account versus two isolated accounts (Day N, N+2, N+5)
rule binance/spot-margin, date 2026-11-21

step     prices            A (cross)           B-ETHUSDT (isolated)  B-BCHUSDT (isolated)
-------  ----------------  ------------------  --------------------  --------------------
Day N    ETH 200, BCH 200  1.25 normal         1.25 normal           1.25 normal
         equity            400                 200                   200
Day N+2  ETH 230, BCH 170  1.25 normal         1.4375 normal         1.0625 margin_call
         equity            400                 350                   50
Day N+5  ETH 220, BCH 120  1.0625 margin_call  1.375 normal          0.75 liquidated
         equity            100                 300                   0

Day N: [A] deposit: 400 USDT paid in (amount=400)
Day N: [A] borrow: 1600 USDT lent; first hour's interest charged (amount=1600, interest=0)
Day N: [A] buy: 5 ETH at 200 USDT (amount=5, price=200)
Day N: [A] buy: 5 BCH at 200 USDT (amount=5, price=200)
Day N: [B-ETHUSDT] deposit: 200 USDT paid in (amount=200)
Day N: [B-ETHUSDT] borrow: 800 USDT lent; first hour's interest charged (amount=800, interest=0)
Day N: [B-ETHUSDT] buy: 5 ETH at 200 USDT (amount=5, price=200)
Day N: [B-BCHUSDT] deposit: 200 USDT paid in (amount=200)
Day N: [B-BCHUSDT] borrow: 800 USDT lent; first hour's interest charged (amount=800, interest=0)
Day N: [B-BCHUSDT] buy: 5 BCH at 200 USDT (amount=5, price=200)
Day N: [B-ETHUSDT] refused: buy: isolated account B-ETHUSDT trades only ETH/USDT, not BCH/USDT
Day N+2: [B-BCHUSDT] margin_call: the rule's margin_call condition holds (margin_level <= margin_call_level) (margin_level=1.0625)
Day N+5: [A] margin_call: the rule's margin_call condition holds (margin_level <= margin_call_level) (margin_level=1.0625)
Day N+5: [B-BCHUSDT] liquidation: the rule's liquidation condition holds (margin_level <= liquidation_level) (margin_level=0.75, equity=-200)
Day N+5: [B-BCHUSDT] insurance: the insurance fund covers what the collateral could not (shortfall=200)
Day N+5: [B-BCHUSDT] liquidation_fee: the rule's liquidation fee, from what remains (fee=12, charged=0)

insurance fund paid out: 200 USDT; fees: 0
"""

HEDGE_TABLE = """\
Binance USDⓈ-M: long BTC, short ETH; in cross the winning leg carries the losing one, isolated it does not
rule binance/usdm-perpetual, date 2026-11-21

step             prices                                   A (cross)        B (cross)  B-BTC (isolated)  B-ETH (isolated)
---------------  ---------------------------------------  ---------------  ---------  ----------------  ----------------
open             BTC/USDT:USDT 60000, ETH/USDT:USDT 3000  ~32.3333 normal  - normal   ~16.6666 normal   ~16.6666 normal
                 equity                                   2000             0          1000              1000
market falls     BTC/USDT:USDT 56000, ETH/USDT:USDT 2700  ~43.6785 normal  - normal   0 liquidated      ~46.2962 normal
                 equity                                   2500             0          0                 2500
market recovers  BTC/USDT:USDT 60000, ETH/USDT:USDT 3000  ~32.3333 normal  - normal   - normal          ~16.6666 normal
                 equity                                   2000             0          0                 1000

insurance fund paid out: nothing; fees: 0
"""

FUTURES_MARKDOWN = """\
# Binance USDⓈ-M: a 15,000 USDT BTC long backed by the whole 5,000 wallet (cross) or by 1,000 (isolated)
rule binance/usdm-perpetual, date 2026-11-21

| step | prices | A (cross) | B (cross) | B-BTC (isolated) |
|---|---|---|---|---|
| open at 60,000 | BTC/USDT:USDT 60000 | ~83.3333 normal | - normal | ~16.6666 normal |
|  | equity | 5000 | 4000 | 1000 |
| BTC 58,000 | BTC/USDT:USDT 58000 | ~77.5862 normal | - normal | ~8.6206 normal |
|  | equity | 4500 | 4000 | 500 |
| BTC 56,100 | BTC/USDT:USDT 56100 | ~71.7468 normal | - normal | ~0.4456 liquidated |
|  | equity | 4025 | 4000 | 0 |
| BTC 45,000 | BTC/USDT:USDT 45000 | ~27.7777 normal | - normal | - normal |
|  | equity | 1250 | 4000 | 0 |
| BTC 39,500 | BTC/USDT:USDT 39500 | ~-3.1645 liquidated | - normal | - normal |
|  | equity | 0 | 4000 | 0 |

- open at 60,000: [B] refused: set_margin_mode: cannot switch BTC/USDT:USDT to cross margin: open position in B-BTC; close it first
- BTC 56,100: [B-BTC] liquidation: the rule's liquidation condition holds (equity <= maintenance_margin) (margin_level=250/561, equity=25)
- BTC 56,100: [B-BTC] position_closed: BTC/USDT:USDT closed at the mark price (realised=-975)
- BTC 56,100: [B-BTC] liquidation_fee: the rule's liquidation fee, from what remains (fee=70.125, charged=25)
- BTC 39,500: [A] liquidation: the rule's liquidation condition holds (equity <= maintenance_margin) (margin_level=-250/79, equity=-125)
- BTC 39,500: [A] position_closed: BTC/USDT:USDT closed at the mark price (realised=-5125)
- BTC 39,500: [A] insurance: the insurance fund covers what the collateral could not (shortfall=125)
- BTC 39,500: [A] liquidation_fee: the rule's liquidation fee, from what remains (fee=49.375, charged=0)

insurance fund paid out: 125 USDT; fees: 25 USDT
"""


def _run(name):
    return simulate_file(ROOT / "scenarios" / f"{name}.yaml")


def test_table_with_events():
    assert report.render_text(_run("binance-margin-cross-vs-isolated"), events=True) == EVENTS


def test_table_with_rounded_margin_levels_and_no_level():
    assert report.render_text(_run("binance-futures-hedge-cross-vs-isolated")) == HEDGE_TABLE


def test_markdown():
    assert report.render_text(_run("binance-futures-cross-vs-isolated"), markdown=True) == FUTURES_MARKDOWN


def test_json_numbers_are_exact_strings():
    data = json.loads(json.dumps(report.render_json(_run("binance-futures-cross-vs-isolated"))))
    first = data["steps"][0]["accounts"][0]
    assert (first["marginLevel"], first["marginLevelExact"]) == ("83.333333333333", "250/3")
    assert first["events"][1]["why"] == "buy 0.25 BTC/USDT:USDT at 60000: position opened"
    assert data["failures"] == [] and set(data) == {"scenario", "rule", "date", "steps", "insuranceFund", "fees",
                                                     "failures"}


def test_failed_expectation_line():
    run = _run("binance-margin-cross-vs-isolated")
    run.failures.append(Failure("Day N+2", "B-ETHUSDT", "marginLevel", Fraction(3, 2), Fraction(23, 16), 7))
    assert report.failure_lines(run) == (f"{run.scenario.file}:7: expectation failed: step 'Day N+2', account "
                                         "B-ETHUSDT: marginLevel expected 1.5, actual 1.4375\n")
