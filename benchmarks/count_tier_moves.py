"""How many liquidation prices lie in another tier row than the mark?  (issue 28, item 5)

The workload is the peer benchmark's (:func:`bench_peer.generate`, seeded): ``--positions`` random Binance USDⓈ-M
isolated positions over ``--markets`` markets of the shipped catalog, market data in force on 2026-10-01, each
sized inside a bracket drawn at random at a leverage the bracket allows.  Each is evaluated by ``verifier.evaluate``
(the rule's compiled program; ``--reference``: the reference evaluation) in accounts of one position a market, and
counted by what the result says: a liquidation price in the tier row of the mark, one in another row (``tier`` !=
``liquidationTier``), no price because the position has outgrown its table (the condition is reached only past
the last bracket's cap), no price for another reason (listed by reason).

Nothing is asserted: it prints the counts.  Run:
    .venv/bin/python benchmarks/count_tier_moves.py [--positions 10000] [--markets 20] [--seed 26] [--reference]
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _bench_peer():
    spec = importlib.util.spec_from_file_location("bench_peer", HERE / "bench_peer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_peer"] = module
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=10_000)
    parser.add_argument("--markets", type=int, default=20)
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--reference", action="store_true", help="the reference evaluation, not the compiled one")
    args = parser.parse_args(argv)

    import verifier
    from verifier.derive.account.pricing import OUTGROWN
    from verifier.read import load_rule

    peer = _bench_peer()
    rule = load_rule(peer.RULE)
    work = peer.generate(rule, args.positions, 0, args.markets, args.seed)
    start = time.process_time()
    results = [None] * len(work.isolated)
    for group in peer._one_per_market(work.isolated):
        snapshot = {"marginMode": "isolated", "positions": [work.isolated[i].snapshot(isolated=True) for i in group]}
        evaluated = verifier.evaluate(rule if args.reference else peer.RULE, snapshot, date=peer.DATE,
                                      reference=args.reference)
        for i, position in zip(group, evaluated.positions):
            results[i] = position
    seconds = time.process_time() - start
    outgrown = OUTGROWN.split(":")[0]
    counts: collections.Counter = collections.Counter()
    reasons: collections.Counter = collections.Counter()
    moves: collections.Counter = collections.Counter()
    for p in results:
        if p.liquidation_price is None:
            if p.reason.startswith(outgrown):
                counts["no price: outgrown the tier table"] += 1
            else:
                counts["no price: another reason"] += 1
                reasons[p.reason.split(":")[0]] += 1
        elif p.liquidation_tier is None or p.tier is None:
            counts["priced, a tier unknown"] += 1
        elif p.liquidation_tier != p.tier:
            counts["priced, in another tier than the mark"] += 1
            moves[(p.tier, p.liquidation_tier)] += 1
        else:
            counts["priced, in the tier of the mark"] += 1
    priced = sum(v for k, v in counts.items() if k.startswith("priced"))
    print(f"{len(results)} random Binance USDⓈ-M isolated positions ({args.markets} markets, seed {args.seed}, "
          f"{'reference' if args.reference else 'compiled'} evaluation, {seconds:.1f} s CPU)")
    for label in ("priced, in the tier of the mark", "priced, in another tier than the mark", "priced, a tier unknown",
                  "no price: outgrown the tier table", "no price: another reason"):
        print(f"  {label:45} {counts[label]:6}")
    print(f"liquidation prices in another tier than the mark: {counts['priced, in another tier than the mark']} of "
          f"{priced} priced positions")
    if moves:
        print("  tier at the mark -> tier at the liquidation price (most frequent): " + ", ".join(
            f"{a}->{b} {n}" for (a, b), n in moves.most_common(8)))
    for reason, n in reasons.most_common():
        print(f"  no price ({n}): {reason}")


if __name__ == "__main__":
    main()
