"""The batch job: every account of a large input evaluated in float columns, chunk by chunk, into two tables.

Read a chunk of whole accounts (:mod:`verifier.read.batch_input`) -> price it in columns
(:class:`verifier.derive.columns.RuleColumns`) -> the accounts floats cannot answer faithfully through the exact
evaluate job (:func:`verifier.jobs.evaluate.evaluate_accounts`) -> reconcile with the exchange's prices ->
replay a price path -> sample accounts re-priced exactly (:mod:`verifier.jobs.batch_sample`) -> the chunk's rows
written (:mod:`verifier.jobs.batch_output`, atomically at the end).  Memory is bounded by the chunk size.

A bad account (a malformed line or row, a market the catalog lacks...) is collected with where it is and its id;
without ``skip_bad`` the run stops at the first chunk that has one and writes nothing (:class:`BatchRefused`).

The Dask engine (:mod:`verifier.jobs.batch_dask`) runs the same :func:`~verifier.jobs.batch_chunk.evaluate_chunk`
on its workers: both engines give the same rows.  What a run is asked and found is in
:mod:`verifier.jobs.batch_result`.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from verifier.derive.columns import RuleColumns
from verifier.errors import Diagnostic, UsageError
from verifier.jobs.batch_chunk import evaluate_chunk
from verifier.jobs.batch_output import empty_tables, open_output, output_format
from verifier.jobs.batch_result import BatchOptions, BatchRefused, BatchResult, new_result, refuse_if_bad
from verifier.jobs.batch_sample import Sample
from verifier.read import load_rule
from verifier.read.batch_input import input_kind
from verifier.read.today import today as today_of_check

__all__ = ["BatchOptions", "BatchRefused", "BatchResult", "check_paths", "evaluate_chunk", "run_batch"]


def check_paths(input_path, output_path) -> None:
    """Refuse an output that is the input, holds it or lies inside it: nothing the tool does may overwrite an
    input (MV006, as for every command's outputs)."""
    source, target = Path(input_path).resolve(), Path(output_path).resolve()
    if source == target or source.is_relative_to(target) or target.is_relative_to(source):
        raise UsageError("the output would overwrite the input", code="MV006", diagnostics=[Diagnostic(
            "MV006", f"--out {output_path} is (or holds, or lies inside) the input {input_path}", file="<command line>",
            hint="write the results somewhere else")])


def run_batch(rule, input_path, output_path, options: BatchOptions = BatchOptions(), *, progress=None,
              engine: str = "local", scheduler=None, workers: int = 2, partition_rows: int | None = None) -> BatchResult:
    """Evaluate every account of ``input_path`` under ``rule`` (a loaded rule, rule file or id) into
    ``output_path``; ``progress(accounts, positions, bad, fraction or None)`` is called after each chunk."""
    started = time.perf_counter()
    rule = rule if hasattr(rule, "modes") else load_rule(rule)
    check_paths(input_path, output_path)
    if isinstance(options.price_path, (str, Path)):
        from verifier.read.whatif import read_price_path

        options = replace(options, price_path=read_price_path(options.price_path))
    kind = input_kind(input_path)
    fmt = output_format(output_path)
    if engine == "dask":
        from verifier.jobs.batch_dask import run_dask

        result = run_dask(rule, input_path, output_path, options, scheduler=scheduler, workers=workers,
                          partition_rows=partition_rows or options.chunk_rows, progress=progress)
        result.seconds = time.perf_counter() - started
        return result
    today = options.today or today_of_check()
    result = new_result(rule, input_path, output_path, options, today, "local")
    columns = RuleColumns(rule, options.date)
    sample = Sample(options.check_sample, options.seed) if options.check_sample else None
    chunks = open_chunks(rule, kind, input_path, options)
    with open_output(output_path, fmt) as sink:
        for chunk in chunks:
            outcome = evaluate_chunk(rule, columns, chunk, options, today, sample)
            refuse_if_bad(outcome.bad, options)
            sink.write(outcome.positions_table, outcome.pools_table)
            result.add(outcome)
            if progress is not None:
                progress(result.accounts, result.positions, len(result.bad) + result.bad_unlisted,
                         getattr(chunks, "fraction", None))
        if not result.accounts:
            sink.write(*empty_tables(rule, input_path, options))
        result.sample = sample
        sink.commit()
    result.seconds = time.perf_counter() - started
    return result


def open_chunks(rule, kind, input_path, options, **where):
    """The input's chunks (JSON lines or Parquet)."""
    if kind == "lines":
        from verifier.read.position_lines import line_chunks

        return line_chunks(rule, input_path, chunk_rows=options.chunk_rows, id_field=options.id_field,
                           margin_mode=options.margin_mode)
    from verifier.read.position_table import table_chunks

    return table_chunks(rule, input_path, chunk_rows=options.chunk_rows, id_field=options.id_field,
                        margin_mode=options.margin_mode, **where)
