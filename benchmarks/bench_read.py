"""Reading a large ccxt export: the reading layer's limits against plain ``json.loads``, and ``read_positions``.

The export is a ``fetch_positions()`` dump of N Binance USD-M cross positions in ccxt's shape (floats, raw ``info``
strings), as an export object with its wallets.  Figures, each the best of ``--runs``:

1. baseline: ``json.loads`` of the text (no limits, floats);
2. the reading layer (:func:`verifier.read.inputs.parse_json`): the same text with every limit checked (digits and
   exponent of every number, duplicate keys, non-finite numbers, nesting depth) and exact numbers;
3. ``read_positions``: the whole read (layer, schema, the rule's ccxt mapping) into margin pools.

Run:  .venv/bin/python benchmarks/bench_read.py [--positions 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verifier.read import load_rule  # noqa: E402
from verifier.read.positions_file import read_positions  # noqa: E402


def export(n: int, symbols: list) -> dict:
    positions = []
    for i in range(n):
        symbol = symbols[i % len(symbols)]
        contracts = 0.001 * (1 + i % 97)
        positions.append({
            "info": {"symbol": symbol.replace("/", "").split(":")[0], "positionAmt": str(contracts),
                     "entryPrice": "60123.4", "markPrice": "60234.5", "unRealizedProfit": "0.11",
                     "liquidationPrice": "0", "leverage": "20", "marginType": "cross", "isolatedMargin": "0",
                     "isAutoAddMargin": "false", "positionSide": "BOTH", "notional": "60.23",
                     "isolatedWallet": "0", "updateTime": 1722161166529 + i},
            "id": None, "symbol": symbol, "timestamp": 1722161166529 + i, "datetime": "2024-07-28T10:06:06.529Z",
            "hedged": False, "side": "long", "contracts": contracts, "contractSize": 1.0, "entryPrice": 60123.4,
            "markPrice": 60234.5, "notional": 60.23, "leverage": 20.0, "collateral": None, "initialMargin": 3.01,
            "maintenanceMargin": 0.24, "initialMarginPercentage": 0.05, "maintenanceMarginPercentage": 0.004,
            "unrealizedPnl": 0.11, "liquidationPrice": None, "marginMode": "cross", "marginRatio": None,
            "percentage": 3.65, "lastPrice": None, "stopLossPrice": None, "takeProfitPrice": None})
    return {"positions": positions, "walletBalance": {"USDT": "1000000", "USDC": "1000000"}}


def best(runs: int, call) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rule = load_rule("binance/usdm-perpetual")
    # one position a market (one-way): as many distinct markets as positions, cycling names if there are fewer
    symbols = sorted(s for s in rule.markets.symbols() if s.endswith(":USDT") or s.endswith(":USDC"))
    n = min(args.positions, len(symbols))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.json"
        text = json.dumps(export(n, symbols), indent=1)
        path.write_text(text)
        print(f"export of {n} positions, {len(text) / 1e6:.2f} MB")
        baseline = best(args.runs, lambda: json.loads(text))
        print(f"json.loads (baseline):           {baseline * 1000:8.1f} ms")
        try:
            from verifier.read.inputs import parse_json
        except ImportError:  # before the reading layer existed
            parse_json = None
        if parse_json is not None:
            layer = best(args.runs, lambda: parse_json(text, str(path)))
            print(f"reading layer (every limit):     {layer * 1000:8.1f} ms  ratio {layer / baseline:.2f}x")
        whole = best(args.runs, lambda: read_positions(rule, path))
        print(f"read_positions (layer + mapping): {whole * 1000:8.1f} ms  ratio {whole / baseline:.1f}x")


if __name__ == "__main__":
    main()
