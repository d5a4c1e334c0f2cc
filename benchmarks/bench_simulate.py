"""Simulator throughput: mark-price updates per second for one cross account with 10 positions.

The account (rules/binance/spot-margin.yaml, cross mode) holds 9 coins bought with a USDT loan: 10 positions for
the rule (9 holdings + the USDT debt), so every update evaluates the rule's margin level, margin-call and
liquidation conditions over 10 positions, with the others-sums. The baseline, measured in the same run, is the
same margin check written by hand in plain Fractions (what the rule file says, hard-coded): the ratio is the
price of being rule-driven. Prices wander inside a band where the account is never liquidated.

Run:  .venv/bin/python benchmarks/bench_simulate.py [--updates 2000] [--runs 5]
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

from verifier.simulate import SimRule, Simulator, simulator_for  # noqa: E402
from verifier.read import load_rule  # noqa: E402

COINS = ["BTC", "ETH", "BNB", "SOL", "XRP", "ADA", "DOGE", "TRX", "LTC"]


def price_path(n: int) -> list[dict]:
    """Prices inside 100..111 that never repeat a state (the simulator remembers states it has judged: a path
    that came back to the same prices would measure its memory, not its arithmetic)."""
    path = []
    for i in range(n):
        path.append({c: F(100 + (i * 7 + k * 13) % 11, 1) + F(i, 10**6) for k, c in enumerate(COINS)})
    return path


def make_simulator() -> Simulator:
    rule = SimRule(load_rule("binance/spot-margin"), dt.date(2026, 11, 21), inputs={"r": 0})
    sim = simulator_for(rule)
    sim.add_account("A", "a", "cross")
    sim.set_prices({c: F(100) for c in COINS})
    sim.deposit("A", "USDT", F(900))
    sim.borrow("A", "USDT", F(1800))
    for c in COINS:
        sim.buy("A", f"{c}/USDT", F(3))
    return sim


def run_simulator(path) -> float:
    sim = make_simulator()
    start = time.perf_counter()
    for prices in path:
        sim.set_prices(prices)
    elapsed = time.perf_counter() - start
    assert sim.accounts["A"].status == "normal" and sim.accounts["A"].liquidations == 0
    return len(path) / elapsed


def run_baseline(path) -> float:
    """The same check by hand: margin level = sum(amount * price) / debt against 1.16 and 1.1."""
    amounts = {c: F(3) for c in COINS}
    debt, call, liquidation = F(1800), F(116, 100), F(110, 100)
    start = time.perf_counter()
    statuses = []
    for prices in path:
        level = sum((amounts[c] * prices[c] for c in COINS), F(0)) / debt
        statuses.append("liquidation" if level <= liquidation else "margin_call" if level <= call else "normal")
    elapsed = time.perf_counter() - start
    return len(path) / elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    path = price_path(args.updates)
    sims = [run_simulator(path) for _ in range(args.runs)]
    bases = [run_baseline(path) for _ in range(args.runs)]
    sim, base = statistics.median(sims), statistics.median(bases)
    print(f"simulator: {sim:,.0f} price updates/s (median of {args.runs} runs of {args.updates}; 1 cross account, "
          f"10 positions, rule-driven, exact)")
    print(f"baseline:  {base:,.0f} updates/s (hand-written Fraction margin check, same prices)")
    print(f"ratio:     baseline / simulator = {base / sim:,.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
