"""``batch --engine dask``: how the run scales from one Dask worker to two, with the local engine beside them.

The input is ACCOUNTS generated Binance USDⓈ-M accounts of 10 positions (tests/batch_accounts.py) as a partitioned
Parquet dataset of four files.  For 1 and 2 workers: a LocalCluster of that many worker processes (one thread each)
is started and warmed (each worker loads and compiles the rule once, as it does on its first partition of any run),
then the batch runs on it, partitioned by account (``--chunk-size`` rows a partition).  The figure is wall-clock
time (the workers are other processes), median of the rounds; the ratio is the median of each round's 1-worker over
2-worker time.  The CPU time the workers spent on the partitions is printed beside: it is the same with one worker
or two, so the ratio is how much of a second core the machine gave.  The local engine (one process, in this one) is timed in the same rounds.  The machine's load
average is printed beside: the 2-core machine is shared, and a second worker only helps when a second core is free.

Run:  .venv/bin/python benchmarks/bench_batch_dask.py [--accounts 100000] [--rounds 3] [--partition 50000]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from batch_accounts import DATE, RULE, accounts_table, leverage_caps, notional_caps, priced_markets  # noqa: E402

from verifier.jobs.batch import BatchOptions, run_batch  # noqa: E402
from verifier.jobs.batch_dask import QUIET_WORKERS, _compiled  # noqa: E402
from verifier.read import load_rule  # noqa: E402


def make_dataset(folder: Path, accounts: int) -> Path:
    rule = load_rule(RULE)
    markets = priced_markets(rule)
    table = accounts_table(markets, accounts, 10, seed=3, caps=notional_caps(rule, markets),
                           leverages=leverage_caps(rule, markets))
    dataset = folder / "accounts"
    dataset.mkdir()
    quarter = (accounts // 4) * 10
    for part in range(4):
        end = table.num_rows if part == 3 else (part + 1) * quarter
        pq.write_table(table.slice(part * quarter, end - part * quarter), dataset / f"part-{part}.parquet",
                       row_group_size=50_000)
    return dataset


def timed_on(workers: int, rule, dataset, out, options, partition: int) -> tuple:
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set(QUIET_WORKERS):  # the workers `--engine dask` starts: no profiler, no GIL monitor
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
    with cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        client.run(_compiled, str(rule.file), options.date)  # what each worker's first partition does
        start = time.perf_counter()
        result = run_batch(rule, dataset, out, options, engine="dask", scheduler=cluster.scheduler_address,
                           partition_rows=partition)
        return time.perf_counter() - start, result.worker_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--partition", type=int, default=50_000, help="rows a partition")
    args = parser.parse_args()
    rule = load_rule(RULE)
    options = BatchOptions(date=DATE, today=DATE)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dataset = make_dataset(folder, args.accounts)
        run_batch(rule, dataset, folder / "local", options)  # warm this process too
        one, two, local, ratios, loads, cpu_one, cpu_two, cpu_local = [], [], [], [], [], [], [], []
        for _ in range(args.rounds):
            loads.append(os.getloadavg()[0])
            start, cpu = time.perf_counter(), time.process_time()
            run_batch(rule, dataset, folder / "local", options)
            local.append(time.perf_counter() - start)
            cpu_local.append(time.process_time() - cpu)
            wall, cpu = timed_on(1, rule, dataset, folder / "one", options, args.partition)
            one.append(wall)
            cpu_one.append(cpu)
            wall, cpu = timed_on(2, rule, dataset, folder / "two", options, args.partition)
            two.append(wall)
            cpu_two.append(cpu)
            ratios.append(one[-1] / two[-1])
        for name in ("positions", "pools"):
            assert pq.read_table(folder / "one" / name).equals(pq.read_table(folder / "local" / name))
            assert pq.read_table(folder / "two" / name).equals(pq.read_table(folder / "local" / name))
    n = args.accounts
    print(f"{n:,} accounts x 10 positions, 4 Parquet files, partitions of {args.partition:,} rows; wall-clock, "
          f"median of {args.rounds} rounds; {os.cpu_count()} CPUs, load average at each round's start: "
          + ", ".join(f"{x:.1f}" for x in loads))
    for label, times, cpus in (("local engine (1 process)", local, cpu_local), ("dask, 1 worker", one, cpu_one),
                               ("dask, 2 workers", two, cpu_two)):
        median = statistics.median(times)
        print(f"  {label:26s} {median:7.2f} s   {n / median:>9,.0f} accounts/s   (CPU of the evaluating "
              f"processes {statistics.median(cpus):6.2f} s)")
    print(f"  2 workers vs 1: {statistics.median(ratios):.2f}x (rounds: " + ", ".join(f"{r:.2f}" for r in ratios)
          + "); the outputs of all three are identical")


if __name__ == "__main__":
    main()
