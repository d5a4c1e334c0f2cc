"""How long a rule author waits for `check` on one file: cold, warm, and `check --watch` after a save.

Measured in one run, beside two baselines of the same machine at the same moment:
``python -c pass`` (starting Python) and ``python -c "import sympy"`` (what any check that derives must load).

* **cold**: nothing cached (an empty cache folder each run): read, schema, formulas, examples, SymPy proofs;
* **proofs cached**: the derive cache is warm but check's own result cache is emptied each run (lazy imports
  and the derive cache at work);
* **warm**: the file and everything it reads are unchanged since the last check (the result cache answers;
  neither SymPy nor the schema is loaded);
* **watch, example edited**: ``check --watch FILE`` running; a worked example's tolerance is edited and saved;
  the time from the save to the new summary line on stdout (polling included);
* **watch, formula edited**: the same for an edit of a definition's formula (the derivation and the proofs are
  computed again: SymPy's work, not the watcher's).

Run: .venv/bin/python benchmarks/bench_check_latency.py [--runs 7] [--rule rules/binance/usdm-perpetual.yaml]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seconds(command, env, runs, before=None) -> float:
    """Median wall time of ``command`` over ``runs`` runs (``before()`` is called before each, untimed)."""
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def watch_latencies(rule: Path, env, edits) -> list[float]:
    """Seconds from each save to the summary line ``check --watch`` prints for it."""
    process = subprocess.Popen([sys.executable, "-m", "verifier", "check", "--watch", str(rule)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        process.stdout.readline()  # the first check
        out = []
        for text in edits:
            time.sleep(0.25)
            start = time.perf_counter()
            rule.write_text(text, encoding="utf-8")
            line = process.stdout.readline()
            while "unreadable file" in line:  # caught half-written: the round after the write is the one timed
                line = process.stdout.readline()
            out.append(time.perf_counter() - start)
            assert line.startswith("checked "), line
        return out
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rule", default="rules/binance/usdm-perpetual.yaml")
    options = parser.parse_args()
    runs, source = options.runs, ROOT / options.rule
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        env = {**os.environ, "MARGIN_VERIFIER_CACHE": str(cache)}
        env.pop("MARGIN_VERIFIER_NO_CACHE", None)
        check = [sys.executable, "-m", "verifier", "check", str(source)]
        python = seconds([sys.executable, "-c", "pass"], env, runs)
        sympy = seconds([sys.executable, "-c", "import sympy"], env, runs)
        cold = seconds(check, env, max(3, runs // 2), before=lambda: shutil.rmtree(cache, ignore_errors=True))
        subprocess.run(check, cwd=ROOT, env=env, capture_output=True)
        proofs = seconds(check, env, runs, before=lambda: shutil.rmtree(cache / "check", ignore_errors=True))
        subprocess.run(check, cwd=ROOT, env=env, capture_output=True)
        warm = seconds(check, env, runs)

        folder = Path(tmp) / "rule"
        shutil.copytree(source.parent / "tiers", folder / "tiers")
        copy = folder / source.name
        text = source.read_text(encoding="utf-8")
        copy.write_text(text, encoding="utf-8")
        assert "tolerance: 0.01" in text and "formula: q * P\n" in text, "the edits below need these in the rule"
        example_edits = [text.replace("tolerance: 0.01", f"tolerance: 0.0{i % 8 + 2}", 1) for i in range(runs)]
        formula_edits = [text.replace("formula: q * P\n", f"formula: q * P * {i + 2} / {i + 2}\n", 1)
                         for i in range(3)]
        example = watch_latencies(copy, env, example_edits)
        formula = watch_latencies(copy, env, formula_edits)

    rows = [("python -c pass", python), ('python -c "import sympy"', sympy),
            ("check, cold (nothing cached)", cold), ("check, proofs cached", proofs),
            ("check, warm (unchanged file)", warm),
            ("check --watch, example edited", statistics.median(example)),
            ("check --watch, formula edited", statistics.median(formula))]
    print(f"check latency on {options.rule} (median of {runs} runs; {os.cpu_count()} CPUs)")
    for name, value in rows:
        print(f"  {name:<32} {value * 1000:8.0f} ms   {value / python:6.1f} x python   "
              f"{value / sympy:5.2f} x import sympy")
    print(f"  watch, example edited: max {max(example) * 1000:.0f} ms over {len(example)} saves "
          f"(target: under 100 ms); warm check target: under 300 ms")


if __name__ == "__main__":
    main()
