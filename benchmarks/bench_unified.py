"""``evaluate`` of one unified account (Bybit UTA rule): 20 collateral coins, each with the maintenance margin of
its positions, read from a ccxt ``fetch_balance()`` export file and evaluated exactly, against a hand-written baseline.

The account: 20 coins C00..C19 (a synthetic collateral catalog written to a temporary copy of the rule's folder:
three haircut tiers and a loan rate each, so every coin is tiered and priced), each holding and half of them owing,
with the maintenance margin of 5 positions settled in it (100 positions in all: a UTA balance reports a coin's
positions as one ``totalPositionMM``, so their number does not change the work). ``evaluate`` reads the balance
through the rule's ``ccxt: balances:`` mapping, looks every coin's haircut row up in the catalog, and gives the
account's margin rate and, per coin, the exact price of that coin at which the account is liquidated.

The baseline, measured in the same run, is the same account's figures hand-written in Fraction arithmetic (the
tiered collateral value, maintenance margin and margin rate; per coin the linear closed form of its liquidation
price in its own tier): the floor of an exact evaluation with nothing read from files or rules. The ratio is what
the generic machinery costs over it.

Run:  .venv/bin/python benchmarks/bench_unified.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import verifier  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COINS = 20
TIERS = ((0, 10, F("0.02")), (10, 50, F("0.1")), (50, None, F("0.3")))  # floor, cap, haircut rate (coin units)


def catalog_rows():
    rows, amount, before = [], F(0), None
    for floor, cap, rate in TIERS:
        amount = F(0) if before is None else floor * (rate - before) + amount
        rows.append([floor, cap, float(rate), float(amount)])
        before = rate
    return rows


def rule_copy(folder: Path) -> Path:
    """The Bybit UTA rule with a synthetic 20-coin collateral catalog (nothing of it is shipped)."""
    shutil.copytree(ROOT / "rules" / "bybit" / "markets" / "unified-trading-account",
                    folder / "markets" / "unified-trading-account")
    text = (ROOT / "rules" / "bybit" / "unified-trading-account.yaml").read_text(encoding="utf-8")
    start, end = text.index("conformance:\n"), text.index("examples:\n")
    (folder / "unified-trading-account.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    version = {"effective": "2026-01-01", "seen": "2026-01-01", "retrieved": "2026-12-07",
               "source": "bybit-api-position-tiers"}
    markets = {f"C{i:02d}/USD": {"market": [{**version, "type": "spot", "base": f"C{i:02d}", "quote": "USD",
                                             "loanMMR": 0.04}],
                                 "tiers": [{**version, "rows": catalog_rows()}]} for i in range(COINS)}
    shard = folder / "markets" / "unified-trading-account" / "markets.json"
    shard.write_text(json.dumps({"format": 1, "catalog": "bybit/unified-trading-account", "markets": markets}),
                     encoding="utf-8")
    return folder / "unified-trading-account.yaml"


def text(value: F) -> str:
    """A Fraction with a finite decimal expansion (every number here has one) as decimal text."""
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def account():
    """(ccxt fetch_balance() export, the same coins as Fractions) of the benchmark account."""
    coins, exact = [], []
    for i in range(COINS):
        equity, price, borrow = F(5 + 3 * i), F(100 + 37 * i), F(i % 2) * F(2 + i, 2)
        mm = sum(F(1 + i + k, 1000) for k in range(5))  # five positions' maintenance margin, in the coin
        coins.append({"coin": f"C{i:02d}", "equity": text(equity), "usdValue": text(equity * price),
                      "borrowAmount": text(borrow), "accruedInterest": "0", "totalPositionMM": text(mm)})
        exact.append((equity + borrow, borrow, price, mm * price))
    raw = {"retCode": 0, "result": {"list": [{"accountType": "UNIFIED", "accountMMRate": "0", "coin": coins}]}}
    return {"info": raw, "free": {}, "used": {}, "total": {}}, exact


def baseline(exact):
    """The same figures by hand: collateral value, maintenance margin, margin rate, each coin's liquidation price."""
    def row(net):
        for floor, cap, rate in TIERS:
            if cap is None or net < cap:
                amount = F(0)
                previous = None
                for f2, _, r2 in TIERS:
                    amount = F(0) if previous is None else f2 * (r2 - previous) + amount
                    previous = r2
                    if f2 == floor:
                        return rate, amount

    values, requirements, parts = [], [], []
    for held, owed, price, position_mm in exact:
        net = held - owed
        rate, amount = row(max(net, F(0)))
        coin_value = net - (max(net, F(0)) * rate - amount)  # per unit of price
        values.append(coin_value * price)
        requirements.append(position_mm + owed * price * F("0.04"))
        parts.append((coin_value, position_mm, owed * F("0.04")))
    total_value, total_mm = sum(values), sum(requirements)
    prices = []
    for (coin_value, position_mm, loan_rate), value, requirement in zip(parts, values, requirements):
        others_value, others_mm = total_value - value, total_mm - requirement
        slope = coin_value - loan_rate
        prices.append((position_mm + others_mm - others_value) / slope if slope else None)
    return total_mm / total_value, prices


def timed(func, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    export, exact = account()
    with tempfile.TemporaryDirectory() as tmp:
        rule = verifier.load_rule(rule_copy(Path(tmp)))
        path = Path(tmp) / "uta.json"
        path.write_text(json.dumps(export), encoding="utf-8")
        verifier.evaluate(rule, path, date="2026-12-07")  # warm: the closed forms derived once per rule
        ours, result = timed(lambda: verifier.evaluate(rule, path, date="2026-12-07"), args.runs)
        base, (rate, prices) = timed(lambda: baseline(exact), args.runs)
    assert result.margin_level.fraction == rate, (result.margin_level, rate)
    for position, price in zip(result.positions, prices):
        got = position.liquidation_price.fraction if position.liquidation_price is not None else None
        assert got == (price if price is not None and price > 0 else None), (position.symbol, got, price)
    print(f"unified account, {COINS} coins (100 positions' maintenance margin), exact, median of {args.runs}:")
    print(f"  evaluate (read + haircut rows + margin rate + {COINS} liquidation prices): {ours * 1000:8.1f} ms")
    print(f"  baseline (the same figures hand-written in Fractions):              {base * 1000:8.3f} ms")
    print(f"  ratio: {ours / base:,.0f}x; target under 50 ms: {'met' if ours < 0.05 else 'NOT met'}")


if __name__ == "__main__":
    main()
