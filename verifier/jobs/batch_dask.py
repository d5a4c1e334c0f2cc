"""The batch job on Dask (``--engine dask``): the same chunks, evaluated by dask.distributed workers, partitioned
by account, Parquet in and Parquet out.

1. Plan (here, in the client): read the account-id column of every input file and cut each file into row ranges
   of about ``partition_rows`` rows that start where an account starts (an account is never split; the rows of
   one account are consecutive, checked across the files here, MV622);
2. each worker process runs :func:`evaluate_partition` on a range: it loads the rule once (by its file), reads its
   rows (:func:`verifier.read.position_table.table_chunks`), evaluates them with
   :func:`verifier.jobs.batch.evaluate_chunk` -- the local engine's own function, so the rows are the same -- and
   writes ``positions/part-NNNNN.parquet`` and ``pools/part-NNNNN.parquet`` into the output's temporary folder;
3. the client gathers each partition's counts, bad accounts and sample checks, and commits the folder
   (:mod:`verifier.jobs.batch_output`) only when every partition succeeded.

The cluster is a :class:`distributed.LocalCluster` of ``workers`` processes (one thread each) unless
``scheduler`` names an existing one; the input and output must then be paths every worker can read and write
(a shared file system), and every worker must have margin-verifier and the rule file at the same path.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from verifier.errors import Diagnostic, SpecError, UsageError

QUIET_WORKERS = {"distributed.worker.profile.enabled": False, "distributed.admin.system-monitor.gil.enabled": False}
"""Dask settings of the local cluster's workers: no statistical profiler (it samples every worker's stack every
10 ms) and no GIL monitor.  Both cost CPU the partitions need, measured at twice the local engine's time."""

_CACHE: dict = {}
"""Per worker process: (rule file, date) -> (rule, its RuleColumns): a rule is loaded and compiled once."""


@dataclass(frozen=True)
class Partition:
    """Rows [start, end) of one file, holding whole accounts; ``first``: the ordinal of its first account."""

    number: int
    file: str
    start: int
    end: int
    first: int


@dataclass
class PartitionResult:
    """What a worker sends back (the rows are in its part files)."""

    number: int
    outcome: object  # a ChunkOutcome-like tally (tables dropped)
    checks: list = field(default_factory=list)
    worker: str = ""
    seconds: float = 0.0  # wall-clock time on the worker
    cpu: float = 0.0  # the worker process's CPU time for it


def plan(files, id_field: str, partition_rows: int) -> list:
    """The partitions of ``files``: about ``partition_rows`` rows each, cut where an account starts."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from verifier.read.position_table import open_file

    out, ordinal, seen = [], 0, set()
    for file in files:
        handle = open_file(file)
        if id_field not in handle.schema_arrow.names:
            raise SpecError(f"{file}: no column {id_field!r}", [Diagnostic(
                "MV621", f"the table has no column {id_field!r} (the account id: give --id-field NAME)",
                file=str(file))], code="MV621")
        ids = pq.read_table(file, columns=[id_field]).column(id_field).combine_chunks()
        if not len(ids):
            continue
        codes = np.asarray(pc.dictionary_encode(ids).indices.fill_null(-1).to_numpy(zero_copy_only=False))
        starts = np.concatenate([[0], np.flatnonzero(codes[1:] != codes[:-1]) + 1])
        values = ids.take(starts).to_pylist()
        for row, value in zip(starts, values):
            if value is not None and value in seen:
                raise SpecError("an account's rows are not together", [Diagnostic(
                    "MV622", f"row {row}, account {value!r}: the account's rows are not together: it appeared "
                             "before this row (in this file or an earlier one)", file=str(file),
                    json_path=f"$[{row}]", hint="sort the table by account id, one account in one file")],
                                code="MV622")
            if value is not None:
                seen.add(value)
        cuts = [0]
        for target in range(partition_rows, len(ids), partition_rows):
            at = int(starts[np.searchsorted(starts, target)]) if target <= starts[-1] else len(ids)
            if at > cuts[-1] and at < len(ids):
                cuts.append(at)
        cuts.append(len(ids))
        for low, high in zip(cuts, cuts[1:]):
            accounts = int(np.searchsorted(starts, high) - np.searchsorted(starts, low))
            out.append(Partition(len(out), str(file), low, high, ordinal))
            ordinal += accounts
    return out


def run_dask(rule, input_path, output_path, options, *, scheduler=None, workers: int = 2, partition_rows: int,
             progress=None):
    """Run the batch job on Dask (see the module); returns the :class:`~verifier.jobs.batch.BatchResult`."""
    from verifier.jobs.batch_result import new_result
    from verifier.jobs.batch_output import open_output, output_format
    from verifier.jobs.batch_sample import Sample
    from verifier.read.batch_input import input_kind
    from verifier.read.position_table import table_files
    from verifier.read.today import today as today_of_check

    if input_kind(input_path) != "parquet" or output_format(output_path) != "parquet":
        raise UsageError("the Dask engine reads and writes Parquet", [Diagnostic(
            "MV624", "--engine dask reads a Parquet input and writes a Parquet folder", file="<command line>",
            hint="convert JSON lines to Parquet first, or use --engine local")])
    today = options.today or today_of_check()
    options = dataclasses.replace(options, today=today)
    result = new_result(rule, input_path, output_path, options, today, "dask")
    partitions = plan(table_files(input_path), options.id_field, partition_rows)
    sample = Sample(options.check_sample, options.seed) if options.check_sample else None
    client, cluster = _client(scheduler, workers)
    with open_output(output_path, "parquet", parts=True) as sink:  # removed after the cluster stops, on failure
        try:
            _gather(client, partitions, rule, options, sink, result, sample, progress)
            if not partitions:
                _write_empty(sink.temporary, rule, input_path, options)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()  # a LocalCluster's workers stop before the temporary folder is removed
        sink.commit()
    return result


def _gather(client, partitions, rule, options, sink, result, sample, progress) -> None:
    """Every partition run on the cluster, its tally added to ``result`` as it completes; stop at bad accounts
    unless they are skipped."""
    from distributed import as_completed

    from verifier.jobs.batch_result import refuse_if_bad

    futures = client.map(evaluate_partition, partitions, rule_file=str(rule.file), options=options,
                         folder=str(sink.temporary), pure=False)
    seen, done = set(), 0
    for future in as_completed(futures):
        found = future.result()
        done += 1
        seen.add(found.worker)
        result.worker_cpu += found.cpu
        result.add(found.outcome)
        if found.outcome.bad and not options.skip_bad:
            client.cancel(futures)
            refuse_if_bad(found.outcome.bad, options)
        if sample is not None:
            for check in found.checks:
                sample.offer(check)
        if progress is not None:
            progress(result.accounts, result.positions, len(result.bad) + result.bad_unlisted,
                     done / max(len(partitions), 1))
    result.sample = sample
    result.partitions, result.workers, result.worker_names = len(partitions), len(seen), sorted(seen)


def _client(scheduler, workers):
    import logging

    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            return Client(scheduler, timeout=30), None
        except (OSError, TimeoutError) as exc:
            raise UsageError("cannot reach the Dask scheduler", [Diagnostic(
                "MV624", f"cannot reach the Dask scheduler at {scheduler}: {exc}", file="<command line>",
                hint="start one (dask scheduler) and its workers (dask worker ADDRESS), or leave out --scheduler "
                     "for a local cluster")]) from None
    import dask

    with dask.config.set(QUIET_WORKERS):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
    client = Client(cluster)
    client.wait_for_workers(workers)
    return client, cluster


def evaluate_partition(partition: Partition, *, rule_file: str, options, folder: str) -> PartitionResult:
    """On a worker: one partition read, evaluated chunk by chunk and written as part files."""
    import pyarrow.parquet as pq

    from verifier.jobs.batch_chunk import evaluate_chunk
    from verifier.jobs.batch_sample import Sample
    from verifier.read.position_table import table_chunks

    started, cpu = time.perf_counter(), time.process_time()
    rule, columns = _compiled(rule_file, options.date)
    sample = Sample(options.check_sample, options.seed) if options.check_sample else None
    tally, writers, checks = None, {}, []
    name = f"part-{partition.number:05d}.parquet"
    try:
        for chunk in table_chunks(rule, partition.file, chunk_rows=options.chunk_rows, id_field=options.id_field,
                                  margin_mode=options.margin_mode, files=[Path(partition.file)],
                                  rows=(partition.start, partition.end), first=partition.first):
            outcome = evaluate_chunk(rule, columns, chunk, options, options.today, sample)
            checks.extend(outcome.checks)
            for table_name, table in (("positions", outcome.positions_table), ("pools", outcome.pools_table)):
                if table_name not in writers:
                    writers[table_name] = pq.ParquetWriter(Path(folder) / table_name / name, table.schema)
                writers[table_name].write_table(table)
            outcome.positions_table = outcome.pools_table = None
            tally = outcome if tally is None else _add(tally, outcome)
            if outcome.bad and not options.skip_bad:
                break
    finally:
        for writer in writers.values():
            writer.close()
    return PartitionResult(partition.number, tally or _nothing(), checks, _worker_name(),
                           time.perf_counter() - started, time.process_time() - cpu)


def _compiled(rule_file: str, date):
    from verifier.derive.columns import RuleColumns
    from verifier.read import load_rule

    key = (rule_file, date)
    if key not in _CACHE:
        rule = load_rule(rule_file)
        _CACHE[key] = (rule, RuleColumns(rule, date))
    return _CACHE[key]


def _add(tally, outcome):
    for name in ("accounts", "positions", "pools", "flat", "exact_accounts", "liquidated"):
        setattr(tally, name, getattr(tally, name) + getattr(outcome, name))
    tally.statuses.update(outcome.statuses)
    tally.verdicts.update(outcome.verdicts)
    tally.bad = tally.bad + outcome.bad
    tally.stale = tally.stale | outcome.stale
    tally.warnings = list(dict.fromkeys(tally.warnings + outcome.warnings))
    return tally


def _nothing():
    from collections import Counter

    from verifier.jobs.batch_chunk import ChunkOutcome

    return ChunkOutcome(None, None, 0, 0, 0, 0, 0, Counter(), Counter(), [], set(), 0, [])


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


def _write_empty(folder, rule, input_path, options) -> None:
    """An input with no rows still gives two (empty) tables with their columns."""
    from verifier.jobs.batch_output import empty_tables

    positions, pools = empty_tables(rule, input_path, options)
    import pyarrow.parquet as pq

    pq.write_table(positions, Path(folder) / "positions" / "part-00000.parquet")
    pq.write_table(pools, Path(folder) / "pools" / "part-00000.parquet")
