"""How long `check` takes: on the shipped rules, and on a 1 MiB rule file.

Prints medians of several runs of the full `margin-verifier check` process (what a rule author waits for), and,
as a baseline measured in the same run, how long Python takes to start and import the same libraries
(`python -c "import sympy, jsonschema, yaml"`), plus the in-process check time (import cost excluded).

The derive cache is warm (proofs are not redone) but check's own result cache is off
(each run starts with that cache emptied), so this measures
reading, examples and imports; ``benchmarks/bench_check_latency.py`` measures the cached and ``--watch`` cases.

Run: .venv/bin/python benchmarks/bench_check.py [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_mib_rule(folder: Path) -> Path:
    """The minimal corpus rule padded to 1 MiB with distinct worked examples (a realistic way to grow a file)."""
    base = (ROOT / "tests/corpus/valid/minimal-linear.yaml").read_text()
    if not (folder / "markets").exists():
        shutil.copytree(ROOT / "tests/corpus/valid/markets", folder / "markets")
    lines, index = [base], 0
    while sum(map(len, lines)) < 1024 * 1024:
        index += 1
        lines.append(f"  - name: padded example {index}\n    source: doc\n    mode: isolated\n"
                     f"    given: {{q: {index}, P: 100, MMR: 0.004, cum: 0}}\n"
                     f"    expect: {{maintenance_margin: {index * 100 * 4 / 1000}}}\n")
    path = folder / "big.yaml"
    path.write_text("".join(lines))
    return path


def _empty_check_cache() -> None:
    from verifier.disk_cache import cache_dir

    shutil.rmtree(cache_dir() / "check", ignore_errors=True)


def median_seconds(command, runs) -> float:
    times = []
    for _ in range(runs):
        _empty_check_cache()
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    exe = [sys.executable, "-m", "verifier", "check"]
    baseline = median_seconds([sys.executable, "-c", "import sympy, jsonschema, yaml"], runs)
    with tempfile.TemporaryDirectory() as tmp:
        big = one_mib_rule(Path(tmp))
        shipped = median_seconds(exe + ["rules"], runs)
        single = median_seconds(exe + ["rules/binance/usdm-perpetual.yaml"], runs)
        large = median_seconds(exe + [str(big)], runs)
        sys.path.insert(0, str(ROOT))
        from verifier.verify import check_paths

        check_paths([big])  # warm imports
        in_process = []
        for _ in range(runs):
            start = time.perf_counter()
            check_paths([big])
            in_process.append(time.perf_counter() - start)
        files = len([p for p in (ROOT / "rules").rglob("*") if p.suffix in (".yaml", ".json")])
        print(f"baseline: python + imports (sympy, jsonschema, yaml)      {baseline:7.3f} s")
        print(f"check rules/ ({files} files)                               {shipped:7.3f} s  "
              f"({shipped / baseline:.1f}x baseline)")
        print(f"check rules/binance/usdm-perpetual.yaml                  {single:7.3f} s  "
              f"({single / baseline:.1f}x baseline)")
        print(f"check 1 MiB rule file ({big.stat().st_size // 1024} KiB)                     {large:7.3f} s  "
              f"({large / baseline:.1f}x baseline)")
        print(f"  of which in-process (no interpreter start/imports)     {statistics.median(in_process):7.3f} s")
        print(f"median of {runs} runs each")


if __name__ == "__main__":
    main()
