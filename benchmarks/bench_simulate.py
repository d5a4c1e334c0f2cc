"""Simulator throughput: mark-price updates per second of one cross account with 10 positions, against the same
account's margin check written by hand in exact Fractions, measured in the same run.

Two accounts, each its own rule's cross mode:

* spot margin (rules/binance/spot-margin.yaml): 9 coins bought with a USDT loan, 10 positions for the rule (9
  holdings + the USDT debt). The rule's margin level is total assets over total liabilities, against 1.16
  (margin call) and 1.1 (liquidation);
* futures (rules/binance/usdm-perpetual.yaml): 10 linear perpetuals, long and short, on one cross wallet. The
  rule's condition is equity <= maintenance margin per position, with the others' PnL and maintenance margin,
  each position's bracket looked up in the market catalog by its notional.

Each update sets 9 or 10 new mark prices; the simulator then judges the account (every position's symbols bound
from its state, the others-sums, the liquidation and margin-call conditions, the margin level). Prices never
repeat a state (the simulator must not be measured on states it has judged before), and stay inside a band where
the account is never liquidated. The baseline is the same check by hand (the rule's formulas hard-coded here, in
the benchmark only): what a programmer would write for this one rule, exact. "conservation checked" is the
simulator as scenarios run it (debug: every asset's funds balanced after every update).

Before timing, both are run over the whole path and must agree on every update's status and margin level.
Each round times the simulator, the hand check and the simulator with conservation checks, one after the other;
the figures are medians over the rounds, the ratios medians of each round's own ratio. Time is this process's
CPU time: the machine is shared, and waiting for a core is not the simulator's cost.

Run:  .venv/bin/python benchmarks/bench_simulate.py [--updates 2000] [--rounds 9] [--account spot futures]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verifier.read import load_rule  # noqa: E402
from verifier.simulate import SimRule, simulator_for  # noqa: E402

DATE = dt.date(2026, 11, 21)
COINS = ["BTC", "ETH", "BNB", "SOL", "XRP", "ADA", "DOGE", "TRX", "LTC"]
CONTRACTS = [f"{c}/USDT:USDT" for c in COINS + ["LINK"]]


def wander(i: int, k: int) -> F:
    """Instrument k's price at update i: 100..110 plus a part in a million that grows with i (never repeats)."""
    return F(100 + (i * 7 + k * 13) % 11, 1) + F(i, 10**6)


# -- spot margin -----------------------------------------------------------------------------------------------
def spot_path(n: int) -> list[dict]:
    return [{c: wander(i, k) for k, c in enumerate(COINS)} for i in range(n)]


def spot_simulator(debug: bool):
    sim = simulator_for(SimRule(load_rule("binance/spot-margin"), DATE, inputs={"r": 0}), debug=debug)
    sim.add_account("A", "a", "cross")
    sim.set_prices({c: F(100) for c in COINS})
    sim.deposit("A", "USDT", F(900))
    sim.borrow("A", "USDT", F(1800))
    for c in COINS:
        sim.buy("A", f"{c}/USDT", F(3))
    return sim


def spot_hand():
    """The rule's cross margin level by hand: sum(amount * price) / (debt + interest), against 1.16 and 1.1."""
    amounts = {c: F(3) for c in COINS}
    liabilities, call, liquidation = F(1800), F(116, 100), F(110, 100)

    def judge(prices):
        level = sum((amounts[c] * prices[c] for c in COINS), F(0)) / liabilities
        return "liquidation" if level <= liquidation else "margin_call" if level <= call else "normal", level

    return judge


# -- futures ---------------------------------------------------------------------------------------------------
SIZES = [F(k + 1, 2) * (1 if k % 3 else -1) for k in range(len(CONTRACTS))]  # longs and shorts of 1/2 .. 5
WALLET = F(2000)


def futures_path(n: int) -> list[dict]:
    return [{m: wander(i, k) for k, m in enumerate(CONTRACTS)} for i in range(n)]


def futures_simulator(debug: bool):
    sim = simulator_for(SimRule(load_rule("binance/usdm-perpetual"), DATE), debug=debug)
    sim.add_account("A", "a", "cross")
    sim.set_prices({m: F(105) for m in CONTRACTS})
    sim.deposit("A", "USDT", WALLET)
    for market, size in zip(CONTRACTS, SIZES):
        sim.trade("A", market, "buy" if size > 0 else "sell", abs(size))
    return sim


def futures_hand():
    """The rule's cross check by hand: per position notional q * P, its bracket's MMR and cum, maintenance margin
    notional * MMR - cum, PnL s * q * (P - EP); liquidated when the wallet plus every PnL is at most every
    maintenance margin; the margin level is the lowest of each position's equity over its maintenance margin."""
    rule = load_rule("binance/usdm-perpetual")
    brackets = {}
    for market in CONTRACTS:  # the catalog's rows, read once (numbers in a benchmark are fine; the formula is ours)
        rows = rule.tiers.lookup(market, DATE).rows
        brackets[market] = [(row.floor, row.values["MMR"], row.values["cum"]) for row in rows]
    legs = [(m, abs(size), 1 if size > 0 else -1, F(105)) for m, size in zip(CONTRACTS, SIZES)]

    def judge(prices):
        pnl, margins = F(0), []
        for market, q, s, entry in legs:
            price = prices[market]
            notional = q * price
            for floor, rate, amount in reversed(brackets[market]):
                if notional >= floor:
                    break
            margins.append(notional * rate - amount)
            pnl += s * q * (price - entry)
        total = sum(margins, F(0))
        spare = WALLET + pnl - total  # each position's equity is its maintenance margin plus this
        level = min((m + spare) / m for m in margins)
        return ("liquidation" if spare <= 0 else "normal"), level

    return judge


ACCOUNTS = {"spot": ("spot margin, binance/spot-margin cross", spot_path, spot_simulator, spot_hand),
            "futures": ("USD-M futures, binance/usdm-perpetual cross", futures_path, futures_simulator, futures_hand)}


# -- measuring -------------------------------------------------------------------------------------------------
def agree(path, make_simulator, make_hand) -> None:
    """The simulator and the hand check say the same status and margin level after every update."""
    sim, judge = make_simulator(True), make_hand()
    account = sim.accounts["A"]
    for i, prices in enumerate(path):
        sim.set_prices(prices)
        status, level = judge(prices)
        if (account.status, account.margin_level) != (status, level):
            raise SystemExit(f"update {i}: simulator {account.status} {account.margin_level}, hand {status} {level}")
    if account.status != "normal" or account.liquidations:
        raise SystemExit("the path left the band where the account stays normal")


def time_simulator(path, make_simulator, debug: bool) -> float:
    sim = make_simulator(debug)
    start = time.process_time()
    for prices in path:
        sim.set_prices(prices)
    return len(path) / (time.process_time() - start)


def time_hand(path, make_hand) -> float:
    judge = make_hand()
    start = time.process_time()
    for prices in path:
        judge(prices)
    return len(path) / (time.process_time() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--account", nargs="+", choices=sorted(ACCOUNTS), default=["spot", "futures"])
    args = parser.parse_args(argv)
    for name in args.account:
        title, make_path, make_simulator, make_hand = ACCOUNTS[name]
        path = make_path(args.updates)
        agree(path, make_simulator, make_hand)
        sims, checked, hands = [], [], []
        for _ in range(args.rounds):
            sims.append(time_simulator(path, make_simulator, False))
            hands.append(time_hand(path, make_hand))
            checked.append(time_simulator(path, make_simulator, True))
        sim, check, hand = (statistics.median(x) for x in (sims, checked, hands))
        ratio = statistics.median(h / s for h, s in zip(hands, sims))
        ratio_checked = statistics.median(h / c for h, c in zip(hands, checked))
        print(f"{title}: 1 account, 10 positions, {args.updates:,} updates (prices never repeat), "
              f"median of {args.rounds} rounds, CPU time")
        print(f"  simulator:                        {sim:9,.0f} updates/s (rule-driven, exact)")
        print(f"  simulator, conservation checked:  {check:9,.0f} updates/s (as scenarios run it)")
        print(f"  hand-written exact check:         {hand:9,.0f} updates/s (baseline: Fractions, same statuses "
              "and levels)")
        each = [h / s for h, s in zip(hands, sims)]
        print(f"  ratio hand / simulator:           {ratio:9.2f}x  (conservation checked: {ratio_checked:.2f}x; "
              f"rounds' ratios {min(each):.2f}-{max(each):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
