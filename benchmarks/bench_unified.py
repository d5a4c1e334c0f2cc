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

A second case gives the same account 100 open positions beside the balance (``{"balance": ..., "positions":
[...]}``, ccxt ``fetch_positions()`` rows made from ccxt's recorded BTCUSDT row, examples/ccxt/bybit-linear-perpetual.json),
one in each of 100 synthetic USDT perpetuals P00..P99/USDT:USDT (a synthetic copy of bybit/linear-perpetual's catalog:
BTCUSDT's first risk-limit row and taker fee, in a temporary rules folder given as ``$MARGIN_VERIFIER_RULES``), long and
short in turn, settled in USDT (coin 19 of the account, 1 USD a USDT).  ``evaluate`` then also prices each position:
the price of its own market at which the account is liquidated, the others held.  Its baseline: the same prices by
hand (each position's maintenance margin is constant in its price, its entry value being the tier basis, so the account
is liquidated at one USDT equity n* for every position, solved over USDT's haircut tiers and its loan below 0; each
position's price is then its mark plus (n* - n) / (s q)).

Run:  .venv/bin/python benchmarks/bench_unified.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
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


POSITIONS = 100
ROW = json.loads((ROOT / "examples" / "ccxt" / "bybit-linear-perpetual.json").read_text(encoding="utf-8"))["positions"][0]
MMR, TAKER, LEVERAGE = F("0.005"), F("0.00055"), F(10)  # BTCUSDT's first risk-limit row, Bybit's taker fee, the row's


def product_copy(folder: Path) -> None:
    """bybit/linear-perpetual with the 100 synthetic markets P00..P99/USDT:USDT added to its catalog (in ``folder``)."""
    shutil.copy(ROOT / "rules" / "bybit" / "linear-perpetual.yaml", folder / "linear-perpetual.yaml")
    shutil.copytree(ROOT / "rules" / "bybit" / "conformance", folder / "conformance", dirs_exist_ok=True)
    target = folder / "markets" / "linear-perpetual"
    shutil.copytree(ROOT / "rules" / "bybit" / "markets" / "linear-perpetual", target)  # its examples' markets too
    version = {"effective": "2026-01-01", "seen": "2026-12-07", "retrieved": "2026-12-07", "source": "margin-parameters"}
    markets = {f"P{i:02d}/USDT:USDT": {
        "market": [{**version, "type": "linear", "base": f"P{i:02d}", "quote": "USDT", "settle": "USDT", "contractSize": 1,
                    "tick": 0.01, "maxLeverage": 100, "taker": float(TAKER), "maker": 0.0002}],
        "tiers": [{**version, "rows": [[0, 2000000, float(MMR), 0, 100]]}]} for i in range(POSITIONS)}
    shard = json.loads((target / "markets-P.json").read_text(encoding="utf-8"))
    shard["markets"].update(markets)
    (target / "markets-P.json").write_text(json.dumps(shard), encoding="utf-8")


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
    markets["USDT/USD"] = {"market": [{**version, "type": "spot", "base": "USDT", "quote": "USD", "loanMMR": 0.04}],
                           "tiers": [{**version, "rows": catalog_rows()}]}  # the positions case's settle coin
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


def positions_account():
    """(the export with 100 positions beside the balance, the coins as Fractions, each position's (s, q, mark)):
    coin 19 is USDT (1 USD), holding 1,000,000 and carrying the positions' maintenance margin."""
    export, exact = account()
    rows, found, total = [], [], F(0)
    for i in range(POSITIONS):
        s, q = (1 if i % 2 == 0 else -1), F(200 + i)
        mark = F(100 + 10 * i)
        entry = mark * F(99, 100) if s == 1 else mark * F(101, 100)
        mm = q * entry * MMR + q * entry * (1 - s / LEVERAGE) * TAKER  # the product rule's, at the tier basis q EP
        row = json.loads(json.dumps(ROW))
        row.update(symbol=f"P{i:02d}/USDT:USDT", side="long" if s == 1 else "short", contracts=float(q),
                   entryPrice=float(entry), markPrice=float(mark))
        row["info"].update(symbol=f"P{i:02d}USDT", side="Buy" if s == 1 else "Sell", size=text(q), avgPrice=text(entry),
                           markPrice=text(mark), positionMM=text(mm), positionValue=text(q * entry))
        rows.append(row)
        found.append((s, q, mark))
        total += mm
    usdt = F(1000000)
    export["info"]["result"]["list"][0]["coin"][19] = {"coin": "USDT", "equity": text(usdt), "usdValue": text(usdt),
                                                        "borrowAmount": "0", "accruedInterest": "0",
                                                        "totalPositionMM": text(total)}
    exact[19] = (usdt, F(0), F(1), total)
    return {"balance": export, "positions": rows}, exact, found


def positions_baseline(exact, found):
    """Each position's price by hand: the USDT equity n* at which the account is liquidated (MM >= margin balance)
    solved on USDT's pieces (its haircut tiers at n >= 0, below 0 a loan counted in full with its 4 % margin), then
    mark + (n* - n) / (s q); a long whose price would be 0 or below has none."""
    def value(net):  # a coin's collateral value per unit of its price
        for floor, cap, rate, amount in rows:
            if cap is None or net < cap:
                return net - (max(net, F(0)) * rate - amount)

    rows = [(F(f), None if c is None else F(c), F(r), F(a)) for f, c, r, a in
            ((row[0], row[1], str(row[2]), str(row[3])) for row in catalog_rows())]
    held, _, price, position_mm = exact[19]
    others = sum(value(h - o) * p - (m + o * p * F("0.04")) for h, o, p, m in exact[:19])
    constant = others - position_mm  # d(n) = constant + USDT's value(n) - its loan margin; d rises with n
    pieces = [(None, F(0), F(1) + F("0.04"), F(0))] + [(f, c, 1 - r, a) for f, c, r, a in rows]
    target = None
    for floor, cap, slope, amount in pieces:
        root = -(constant + amount) / slope
        if (floor is None or root >= floor) and (cap is None or root < cap):
            target = root
            break
    prices = []
    for s, q, mark in found:
        x = mark + (target - held) / (s * q)
        prices.append(x if x > 0 else None)
    return prices


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
    with_positions, exact_p, found = positions_account()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bybit"
        folder.mkdir()
        rule = verifier.load_rule(rule_copy(folder))
        product_copy(folder)
        os.environ["MARGIN_VERIFIER_RULES"] = tmp  # bybit/linear-perpetual: the synthetic copy
        path = Path(tmp) / "uta.json"
        path.write_text(json.dumps(export), encoding="utf-8")
        verifier.evaluate(rule, path, date="2026-12-07")  # warm: the closed forms derived once per rule
        ours, result = timed(lambda: verifier.evaluate(rule, path, date="2026-12-07"), args.runs)
        base, (rate, prices) = timed(lambda: baseline(exact), args.runs)
        path_p = Path(tmp) / "uta-positions.json"
        path_p.write_text(json.dumps(with_positions), encoding="utf-8")
        verifier.evaluate(rule, path_p, date="2026-12-07")  # warm: the product rule's forms
        ours_p, result_p = timed(lambda: verifier.evaluate(rule, path_p, date="2026-12-07"), args.runs)
        base_p, prices_p = timed(lambda: positions_baseline(exact_p, found), args.runs)
    assert result.margin_level.fraction == rate, (result.margin_level, rate)
    for position, price in zip(result.positions, prices):
        got = position.liquidation_price.fraction if position.liquidation_price is not None else None
        assert got == (price if price is not None and price > 0 else None), (position.symbol, got, price)
    print(f"unified account, {COINS} coins (100 positions' maintenance margin), exact, median of {args.runs}:")
    print(f"  evaluate (read + haircut rows + margin rate + {COINS} liquidation prices): {ours * 1000:8.1f} ms")
    print(f"  baseline (the same figures hand-written in Fractions):              {base * 1000:8.3f} ms")
    print(f"  ratio: {ours / base:,.0f}x; target under 50 ms: {'met' if ours < 0.05 else 'NOT met'}")
    got = [d.liquidation.price for d in result_p.evaluation.derivatives]
    assert got == prices_p, [(i, a, b) for i, (a, b) in enumerate(zip(got, prices_p)) if a != b][:3]
    priced = sum(p is not None for p in prices_p)
    print(f"the same account with {POSITIONS} positions beside it, each priced ({priced} have a price), exact, median "
          f"of {args.runs}:")
    print(f"  evaluate (read + margin rate + {COINS} coins' and {POSITIONS} positions' prices): "
          f"{ours_p * 1000:8.1f} ms")
    print(f"  baseline (the positions' prices hand-written in Fractions):             {base_p * 1000:8.3f} ms")
    print(f"  ratio: {ours_p / base_p:,.0f}x; target under 50 ms: {'met' if ours_p < 0.05 else 'NOT met'}")


if __name__ == "__main__":
    main()
