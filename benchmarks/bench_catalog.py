"""Market catalogs: how long `import` and `check` take on Binance USDⓈ-M's ~900 markets, and which file layout reads
fastest.

Baselines measured in the same run: starting Python (`python -c pass`), and reading the ccxt dump with the json
module.  The ccxt dump is made from the shipped catalog itself (every market's latest tier table, written as ccxt's
fetch_leverage_tiers() returns it), so the benchmark needs nothing outside the repository.

Figures:
* import of the whole dump into an empty copy of the catalog (907 markets added), and the same import again
  (nothing changes: the idempotent run a weekly refresh mostly is);
* `check rules/` with every catalog file known checked (warm), and with the catalog marks forgotten (cold; the
  derivation cache is kept, so the difference is the catalog's);
* the same catalog in three layouts ('single' file, 'initial' shards, one file per 'market'): the strict first check
  of all its files, and the warm read of all of it.

Run: .venv/bin/python benchmarks/bench_catalog.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CATALOG = Path("rules/binance/markets/usdm-perpetual")


def median_seconds(command, runs, cwd=ROOT, env=None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{command} failed:\n{proc.stdout}\n{proc.stderr}")
    return statistics.median(times)


def ccxt_tiers_dump(catalog) -> dict:
    """Every market's latest tier table as ccxt's fetch_leverage_tiers() returns it (floats, cum in info)."""
    out = {}
    for market in catalog.markets():
        if not market.tiers:
            continue
        rows = market.tiers[-1].table.rows
        out[market.symbol] = [{"tier": float(r.number), "symbol": market.symbol, "currency": "USDT",
                               "minNotional": float(r.floor), "maxNotional": float(r.cap),
                               "maintenanceMarginRate": float(r.values["MMR"]),
                               "maxLeverage": float(r.values["max_leverage"]),
                               "info": {"bracket": r.number, "cum": float(r.values["cum"])}} for r in rows]
    return out


def workspace(tmp: Path) -> Path:
    """rules/ with the Binance rule and its catalog header only (no markets)."""
    (tmp / CATALOG).mkdir(parents=True)
    shutil.copy(ROOT / "rules/binance/usdm-perpetual.yaml", tmp / "rules/binance")
    shutil.copy(ROOT / CATALOG / "catalog.yaml", tmp / CATALOG)
    return tmp


def bench_import(runs: int, dump: Path, tmp: Path) -> tuple:
    """(first import, idempotent re-import) seconds, each in a fresh process."""
    firsts, agains = [], []
    for index in range(runs):
        work = workspace(tmp / f"import-{index}")
        env = {**os.environ, "MARGIN_VERIFIER_CACHE": str(work / ".cache")}
        command = [sys.executable, "-m", "verifier", "import", "binance/usdm-perpetual", "--tiers", str(dump),
                   "--source", "freqtrade-2026.9", "--effective", "2026-09-29", "--retrieved", "2026-11-28"]
        firsts.append(median_seconds(command, 1, cwd=work, env=env))
        agains.append(median_seconds(command, 1, cwd=work, env=env))
    return statistics.median(firsts), statistics.median(agains)


def bench_check(runs: int, tmp: Path) -> tuple:
    """(warm, cold-catalog) seconds of `check rules/`."""
    home = Path(os.environ.get("MARGIN_VERIFIER_CACHE") or Path.home() / ".cache" / "margin-verifier")
    command = [sys.executable, "-m", "verifier", "check", "rules"]
    subprocess.run(command, cwd=ROOT, capture_output=True)  # fill the caches
    warm = median_seconds(command, runs)
    colds = []
    for index in range(runs):
        cache = tmp / f"cache-{index}"
        shutil.copytree(home, cache, ignore=shutil.ignore_patterns("checked-catalogs"))
        colds.append(median_seconds(command, 1, env={**os.environ, "MARGIN_VERIFIER_CACHE": str(cache)}))
    return warm, statistics.median(colds)


def bench_layouts(runs: int, catalog, tmp: Path) -> list:
    """[(layout, files, largest file bytes, strict check seconds, warm read seconds)]."""
    from verifier.read.catalog import read_catalog
    from verifier.read.catalog import forget_read
    from verifier.read.catalog.validated import forget_memory
    from verifier.report.catalog import shards

    rows = []
    markets = catalog.markets()
    for layout in ("single", "initial", "market"):
        folder = tmp / f"layout-{layout}"
        folder.mkdir()
        shutil.copy(ROOT / CATALOG / "catalog.yaml", folder)
        for name, text in shards(catalog.id, markets, layout, catalog.layout.row_keys).items():
            (folder / name).write_text(text)
        files = sorted(folder.glob("markets*.json"))
        os.environ["MARGIN_VERIFIER_NO_CACHE"] = "1"  # checked marks in memory only: each cold run checks again
        colds, warms = [], []
        for _ in range(runs):
            forget_read(), forget_memory()
            start = time.perf_counter()
            found, problems = read_catalog(folder)
            colds.append(time.perf_counter() - start)
            assert not problems and len(found.entries) == len(markets)
            forget_read()
            start = time.perf_counter()
            read_catalog(folder)
            warms.append(time.perf_counter() - start)
        del os.environ["MARGIN_VERIFIER_NO_CACHE"]
        rows.append((layout, len(files), max(p.stat().st_size for p in files), statistics.median(colds),
                     statistics.median(warms)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    from verifier.read import load_rule

    catalog = load_rule("binance/usdm-perpetual").markets
    baseline = median_seconds([sys.executable, "-c", "pass"], runs)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        dump = tmp / "tiers.json"
        dump.write_text(json.dumps(ccxt_tiers_dump(catalog)))
        start = time.perf_counter()
        data = json.loads(dump.read_text())
        json_seconds = time.perf_counter() - start
        dump_kib = dump.stat().st_size // 1024
        first, again = bench_import(runs, dump, tmp)
        warm, cold = bench_check(runs, tmp)
        layouts = bench_layouts(runs, catalog, tmp)
    rows = sum(len(tiers) for tiers in data.values())
    lines = [(f"baseline: python -c pass", baseline, None),
             (f"baseline: json.loads of the ccxt dump ({dump_kib} KiB, {len(data)} markets, {rows} tiers)",
              json_seconds, None),
             ("import into an empty catalog (all added)", first, baseline),
             ("import the same dump again (nothing changes)", again, baseline),
             ("check rules/, catalog files known checked", warm, baseline),
             ("check rules/, catalog files checked again (cold)", cold, baseline)]
    for label, seconds, base in lines:
        print(f"{label:74} {seconds:7.3f} s" + (f"  ({seconds / base:.0f}x python -c pass)" if base else ""))
    print("layout of the Binance catalog: files, largest, strict first check, warm read (in process)")
    for layout, files, largest, strict, read in layouts:
        print(f"  {layout:8} {files:4} files, largest {largest // 1024:5} KiB: check {strict:6.3f} s, "
              f"read {read:6.3f} s ({read / json_seconds:.1f}x json.loads of the dump)")
    print(f"median of {runs} runs each")


if __name__ == "__main__":
    main()
