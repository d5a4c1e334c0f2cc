"""Vectorised liquidation prices for N Binance USDⓈ-M isolated BTCUSDT positions with tiers.

Compares, in one run: our compiled function (verifier.derive.compile_price), a hand-written
NumPy implementation of the same tier-consistent rule, and a plain Python per-position loop
(floats, same algorithm).  Prints timings and ratios; asserts nothing.

    .venv/bin/python benchmarks/bench_vectorised.py [N]
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from verifier.derive import compile_price
from verifier.read import load_rule


def positions(n, seed=1):
    rng = np.random.default_rng(seed)
    side = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    entry = rng.uniform(20000, 100000, n)
    contracts = rng.uniform(0.001, 500, n)
    leverage = rng.uniform(1, 50, n)
    collateral = contracts * entry / leverage
    return {"side": side, "entryPrice": entry, "contracts": contracts, "contractSize": np.ones(n),
            "collateral": collateral}


def hand_numpy(cols, rows):
    """Hand-written: for each bracket, the linear root, kept where its notional lies in that bracket."""
    s, ep, q, wb = cols["side"], cols["entryPrice"], cols["contracts"] * cols["contractSize"], cols["collateral"]
    out = np.full(q.shape, np.nan)
    sqep = s * q * ep
    for floor, cap, mmr, cum in rows:
        lp = (wb + cum - sqep) / (q * (mmr - s))
        notional = q * lp
        ok = (lp > 0) & (notional >= floor) & (notional < cap) & np.isnan(out)
        np.copyto(out, lp, where=ok)
    return out


def python_loop(cols, rows, n):
    s, ep, q, wb = (cols[k].tolist() for k in ("side", "entryPrice", "contracts", "collateral"))
    out = []
    for i in range(n):
        price = float("nan")
        for floor, cap, mmr, cum in rows:
            lp = (wb[i] + cum - s[i] * q[i] * ep[i]) / (q[i] * (mmr - s[i]))
            if lp > 0 and floor <= q[i] * lp < cap:
                price = lp
                break
        out.append(price)
    return out


def timed(fn, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rule = load_rule("binance/usdm-perpetual")
    table = rule.tiers.table("BTC/USDT:USDT")
    rows = [(float(r.floor), float(r.cap) if r.cap is not None else np.inf, float(r.values["MMR"]),
             float(r.values["cum"])) for r in table.rows]
    cols = positions(n)
    compiled = compile_price(rule, "isolated", "liquidation", market="BTC/USDT:USDT")
    ours, hand = compiled(cols), hand_numpy(cols, rows)
    assert np.allclose(ours, hand, rtol=1e-12, equal_nan=True)
    t_ours = timed(lambda: compiled(cols))
    t_hand = timed(lambda: hand_numpy(cols, rows))
    loop_n = min(n, 100_000)
    t_loop = timed(lambda: python_loop(cols, rows, loop_n), repeat=1) * (n / loop_n)
    print(f"{n:,} positions, {len(rows)} brackets (median of 5; loop timed on {loop_n:,} and scaled)")
    print(f"  compiled (ours)   {t_ours * 1000:9.1f} ms")
    print(f"  hand-written NumPy{t_hand * 1000:9.1f} ms   ours/hand = {t_ours / t_hand:.2f}x")
    print(f"  Python loop       {t_loop * 1000:9.1f} ms   loop/ours = {t_loop / t_ours:.0f}x")


if __name__ == "__main__":
    main()
