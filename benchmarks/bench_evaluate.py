"""``evaluate`` at scale: one cross account of 1,000 and 10,000 positions, and a ccxt export read end to end.

1. derive: ``evaluate_account`` on one Binance USD-M cross account (rules/binance/usdm-perpetual.yaml, market data
   in force on 2026-10-01) of N positions over the catalog's markets (cycled: a real account holds one position a
   market, so N = 10,000 repeats markets; the evaluation does not care).  Every position gets its exact,
   tier-consistent liquidation price or a reason.
2. end to end: a ``fetch_positions()`` dump (ccxt's shape, floats) in an export object with its wallets, of a
   one-way cross account holding one position in every market the catalog prices on that date (one a market is
   all an exchange allows), read (schema, mapping), evaluated and rendered as JSON.

3. many accounts: a JSON-lines file of ACCOUNTS copies of the recorded Hyperliquid cross account
   (tests/fixtures/ccxt_exports/hyperliquid-cross-2024-10-10.json, two positions) through ``margin-verifier
   evaluate`` in one process, output as JSON lines.

The baseline, measured in the same run, is the floor of any exact evaluation: ``json.loads`` of the same export
and every float read as its shortest decimal (``Fraction(repr(x))``).  The ratio is what evaluating costs over
merely reading the numbers exactly.

Run:  .venv/bin/python benchmarks/bench_evaluate.py [--sizes 1000 10000] [--accounts 1000] [--runs 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verifier.derive.account import evaluate_account  # noqa: E402
from verifier.errors import VerifierError  # noqa: E402
from verifier.model.account import Account, Position  # noqa: E402
from verifier.read import load_rule  # noqa: E402
from verifier.read.positions_file import read_positions  # noqa: E402
from verifier.report.accounts import render_set  # noqa: E402

DATE = dt.date(2026, 10, 1)
ROOT = Path(__file__).resolve().parents[1]


def priced_markets(rule) -> list[str]:
    """The catalog's markets a one-position account can be evaluated in on DATE (spec and tiers in force)."""
    found = []
    for symbol in rule.markets.symbols():
        probe = Account("futures", "cross", (Position(symbol, "long", _fields(0)),), "one-way", F(10**6))
        try:
            evaluate_account(rule, probe, date=DATE, today=DATE)
        except VerifierError:
            continue
        found.append(symbol)
    return found


def _fields(i: int) -> dict:
    return {"contracts": F(1 + i % 5), "entryPrice": F(100), "markPrice": F(101) + F(i % 7, 10)}


def time_derive(rule, markets, n: int) -> tuple[float, int]:
    positions = tuple(Position(markets[i % len(markets)], "long" if i % 2 else "short", _fields(i))
                      for i in range(n))
    account = Account("futures", "cross", positions, "one-way", F(10**6))
    start = time.perf_counter()
    evaluation = evaluate_account(rule, account, date=DATE, today=DATE)
    elapsed = time.perf_counter() - start
    assert len(evaluation.positions) == n
    return elapsed, sum(p.liquidation_price is not None for p in evaluation.positions)


def ccxt_export(markets) -> list[dict]:
    out = []
    for i, symbol in enumerate(markets):
        for side, sign in ((("long", 1),) if i % 2 else (("short", -1),)):
            fields = _fields(i)
            contracts = float(fields["contracts"])
            out.append({"info": {"symbol": symbol.replace("/", "").split(":")[0], "positionAmt": str(sign * contracts),
                                 "positionSide": "BOTH", "isolatedWallet": "0", "liquidationPrice": "0"},
                        "id": None, "symbol": symbol, "timestamp": None, "datetime": None, "hedged": False,
                        "side": side, "contracts": contracts, "contractSize": None,
                        "entryPrice": float(fields["entryPrice"]), "markPrice": float(fields["markPrice"]),
                        # 1x: allowed in every market (a leverage above a market's limit is refused, MV602)
                        "notional": None, "leverage": 1.0, "collateral": None, "marginMode": "cross",
                        "liquidationPrice": None, "unrealizedPnl": None})
    return out


def time_end_to_end(rule, path: Path) -> float:
    start = time.perf_counter()
    accounts = read_positions(rule, path)
    evaluations = [evaluate_account(rule, account, date=DATE, today=DATE) for account in accounts.accounts]
    render_set(evaluations, {}, accounts.skipped, "json")
    return time.perf_counter() - start


def time_job(path: Path) -> float:
    """The evaluate job as ``margin-verifier evaluate`` runs it (compiled program where it answers), rendered."""
    from verifier.jobs.evaluate import evaluate_file

    start = time.perf_counter()
    evaluated = evaluate_file("binance/usdm-perpetual", path, date=DATE, today=DATE)
    render_set(list(evaluated.evaluations), evaluated.checks, evaluated.skipped, "json")
    return time.perf_counter() - start


def time_baseline(path: Path) -> float:
    start = time.perf_counter()
    data = json.loads(path.read_text())
    for item in data["positions"]:
        for value in item.values():
            if isinstance(value, float):
                F(repr(value))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=1000)
    args = parser.parse_args()
    rule = load_rule("binance/usdm-perpetual")
    markets = priced_markets(rule)
    print(f"rule binance/usdm-perpetual on {DATE}: {len(markets)} markets priced")
    for n in args.sizes:
        times = [time_derive(rule, markets, n) for _ in range(args.runs)]
        best = min(t for t, _ in times)
        print(f"derive  {n:>6} positions: {best:7.2f} s  ({best / n * 1000:.3f} ms a position; "
              f"{times[0][1]} with a price)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.json"
        export = ccxt_export(markets)
        wallets = {symbol.split(":")[1]: "1000000" for symbol in markets}  # one cross pool per settlement currency
        path.write_text(json.dumps({"positions": export, "walletBalance": wallets}))
        total = min(time_end_to_end(rule, path) for _ in range(args.runs))
        job = min(time_job(path) for _ in range(args.runs))
        baseline = statistics.median(time_baseline(path) for _ in range(5))
        print(f"end to end {len(export):>5} ccxt positions (read, evaluate_account, JSON): {total:7.2f} s "
              f"({total / len(export) * 1000:.3f} ms a position)")
        print(f"evaluate job {len(export):>5} ccxt positions (what the CLI runs, JSON): {job:7.2f} s "
              f"({job / len(export) * 1000:.3f} ms a position)")
        print(f"baseline: json.loads + Fraction(repr(float)) of the same export: {baseline * 1000:.1f} ms; "
              f"ratio {total / baseline:.0f}x")
        time_lines(Path(folder), args.accounts)


def time_lines(folder: Path, accounts: int) -> None:
    import contextlib
    import io

    from verifier.cli.main import main as cli

    line = json.dumps(json.loads((ROOT / "tests" / "fixtures" / "ccxt_exports" /
                                  "hyperliquid-cross-2024-10-10.json").read_text()))
    path = folder / "accounts.jsonl"
    path.write_text((line + "\n") * accounts)
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = cli(["evaluate", "hyperliquid/perpetual", str(path), "--date", "2024-10-10"])
    total = time.perf_counter() - start
    assert code == 0 and out.getvalue().count("\n") == accounts
    start = time.perf_counter()
    for text in path.read_text().splitlines():
        json.loads(text)
    baseline = time.perf_counter() - start
    print(f"JSON lines {accounts} accounts (2 positions each, one process): {total:7.2f} s "
          f"({total / accounts * 1000:.2f} ms an account); baseline json.loads of the lines {baseline * 1000:.1f} ms; "
          f"ratio {total / baseline:.0f}x")


if __name__ == "__main__":
    main()
