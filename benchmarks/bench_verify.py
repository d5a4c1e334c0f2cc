"""verify's world properties: run together on shared stories against each run apart, on the same rules.

For each rule, the baseline (measured in the same run, in the same process state) runs every applicable world
property on its own Hypothesis search (``run_property``, as verify did before the stories were shared); then the
shared run (``run_world_properties``).  Both use the ci profile.  Printed: CPU seconds of each, the ratio, the
simulations each needed, and whether every property met as many stories it applies to (its row's count).
A second figure, ``--whole``, times ``verify RULES --profile ci`` end to end in worker processes (what CI runs).

Run:  .venv/bin/python benchmarks/bench_verify.py [--rules binance/spot-margin bybit/linear-perpetual] [--whole]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verifier.read import resolve_rule_path  # noqa: E402
from verifier.verify.check import check_file  # noqa: E402
from verifier.verify.runner import run_property, verify_paths  # noqa: E402
from verifier.verify.stories import scenario as stories_scenario  # noqa: E402
from verifier.verify.story_runs import run_world_properties, world_properties  # noqa: E402


def measured(run) -> tuple:
    """(CPU seconds, simulations run, result) of ``run()``, with an empty story cache."""
    stories_scenario._TRACES.clear()
    start = time.process_time()
    result = run()
    return time.process_time() - start, len(stories_scenario._TRACES), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", nargs="+", default=["binance/spot-margin", "bybit/linear-perpetual"])
    parser.add_argument("--whole", action="store_true", help="also time verify on the rules, as the CLI runs it")
    args = parser.parse_args(argv)
    for rule_id in args.rules:
        rule = check_file(resolve_rule_path(rule_id)).rule
        props = world_properties(rule)
        apart, apart_sims, apart_rows = measured(lambda: [run_property(p, rule, None, "ci") for p in props])
        shared, shared_sims, shared_rows = measured(lambda: run_world_properties(props, rule, "ci"))
        fewest = min(row.tried for row in shared_rows)
        print(f"{rule_id}: {len(props)} world properties")
        print(f"  apart (baseline): {apart:6.1f} s CPU, {apart_sims} simulations, "
              f"statuses {sorted({r.status for r in apart_rows})}")
        print(f"  shared:           {shared:6.1f} s CPU, {shared_sims} simulations, "
              f"statuses {sorted({r.status for r in shared_rows})}, fewest stories a property met: {fewest}")
        print(f"  ratio:            apart / shared = {apart / shared:.1f}x")
    if args.whole:
        start = time.perf_counter()
        reports, _ = verify_paths([resolve_rule_path(r) for r in args.rules], profile="ci")
        failed = sum(r.failed for r in reports)
        print(f"verify --profile ci on {len(args.rules)} rule(s), worker processes: "
              f"{time.perf_counter() - start:.1f} s wall, {failed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
