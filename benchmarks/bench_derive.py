"""Cold and warm derivation of every shipped rule (median of 5 runs each).

Cold: no cache (MARGIN_VERIFIER_NO_CACHE, memory cleared) so every condition is solved.
Warm: the on-disk cache written by one derivation, memory cleared before each run.

    .venv/bin/python benchmarks/bench_derive.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from verifier.derive import cache, derive_rule
from verifier.read import expand_paths, load_rule


def median_time(fn, repeat=5):
    times = []
    for _ in range(repeat):
        cache.clear_memory()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    os.environ["MARGIN_VERIFIER_CACHE"] = tempfile.mkdtemp(prefix="mv-bench-")
    files, _ = expand_paths(["rules"])
    rules = []
    for path in files:
        try:
            rule = load_rule(path)
            if rule is not None:
                rules.append(rule)
        except Exception:  # noqa: BLE001 - tier tables and unreadable files are not rules
            continue
    print(f"{'rule':32} {'cold ms':>9} {'warm ms':>9}")
    for rule in rules:
        os.environ["MARGIN_VERIFIER_NO_CACHE"] = "1"
        cold = median_time(lambda: derive_rule(rule, use_cache=False))
        del os.environ["MARGIN_VERIFIER_NO_CACHE"]
        derive_rule(rule)  # writes the disk cache
        warm = median_time(lambda: derive_rule(rule))
        print(f"{rule.id:32} {cold * 1000:9.1f} {warm * 1000:9.2f}")


if __name__ == "__main__":
    main()
