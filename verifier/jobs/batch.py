"""The batch job: every account of a large input evaluated in float columns, chunk by chunk, into two tables.

Read a chunk of whole accounts (:mod:`verifier.read.batch_input`) -> price it in columns
(:class:`verifier.derive.columns.RuleColumns`) -> the accounts floats cannot answer faithfully through the exact
evaluate job (:func:`verifier.jobs.evaluate.evaluate_accounts`) -> reconcile with the exchange's prices ->
replay a price path -> sample accounts re-priced exactly (:mod:`verifier.jobs.batch_sample`) -> the chunk's rows
written (:mod:`verifier.jobs.batch_output`, atomically at the end).  Memory is bounded by the chunk size.

A bad account (a malformed line or row, a market the catalog lacks...) is collected with where it is and its id;
without ``skip_bad`` the run stops at the first chunk that has one and writes nothing (:class:`BatchRefused`).

The Dask engine (:mod:`verifier.jobs.batch_dask`) runs :func:`evaluate_chunk` on its workers: both engines give
the same rows.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from verifier.derive.account.definitions import position_definitions
from verifier.derive.columns import STATUSES, RuleColumns
from verifier.derive.reconcile import VERDICTS
from verifier.errors import Diagnostic, SpecError, UsageError, VerifierError
from verifier.jobs.batch_output import open_output, output_format
from verifier.jobs.batch_sample import Sample, SampleCheck, sample_chunk
from verifier.jobs.evaluate import evaluate_accounts
from verifier.model.position_columns import MARGIN_MODES
from verifier.read import load_rule
from verifier.read.batch_input import input_kind, with_account
from verifier.read.today import today as today_of_check
from verifier.report.batch import (POOL_SCHEMA, POSITION_SCHEMA, RECONCILED_SCHEMA, REPLAY_SCHEMA, pools_table,
                                   positions_table)

BAD_LISTED = 100
"""How many bad accounts a result lists one by one (every one is counted by its code)."""


@dataclass(frozen=True)
class BatchOptions:
    """What a batch run is asked (the command line's options, parsed)."""

    date: _dt.date | None = None
    today: _dt.date | None = None
    tolerance: Fraction | None = None  # ticks: reconcile with the exchange's prices
    rtol: Fraction | None = None  # relative: the same
    id_field: str = "id"
    margin_mode: str | None = None
    chunk_rows: int = 100_000
    skip_bad: bool = False
    check_sample: int = 0
    seed: int = 0
    price_path: object = None  # verifier.model.whatif.Shock


@dataclass
class Bad:
    """An account left out: its place in the input, id, where it is, and why."""

    ordinal: int
    id: object
    where: str
    file: str
    error: VerifierError


@dataclass
class Replay:
    label: str
    steps: int
    liquidated: int = 0


@dataclass
class BatchResult:
    """What a batch run did (the summary; the rows are in the output)."""

    rule: str
    input: str
    output: str
    engine: str
    on: _dt.date
    accounts: int = 0
    positions: int = 0
    pools: int = 0
    flat: int = 0
    exact_accounts: int = 0
    statuses: Counter = field(default_factory=Counter)  # pool status -> count
    verdicts: Counter = field(default_factory=Counter)  # reconciliation verdict -> count
    gated: bool = False
    bad: list = field(default_factory=list)
    bad_codes: Counter = field(default_factory=Counter)
    bad_unlisted: int = 0
    sample: Sample | None = None
    replay: Replay | None = None
    stale: set = field(default_factory=set)
    partitions: int = 0
    workers: int = 0
    worker_names: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """A reconciliation beyond the tolerance given, or a sampled account beyond the float tolerance."""
        disagree = self.gated and self.verdicts.get("disagree", 0) > 0
        return disagree or (self.sample is not None and bool(self.sample.disagreements))

    def add(self, outcome: "ChunkOutcome") -> None:
        self.accounts += outcome.accounts
        self.positions += outcome.positions
        self.pools += outcome.pools
        self.flat += outcome.flat
        self.exact_accounts += outcome.exact_accounts
        self.statuses.update(outcome.statuses)
        self.verdicts.update(outcome.verdicts)
        for bad in outcome.bad:
            self.bad_codes[bad.error.code] += 1
            if len(self.bad) < BAD_LISTED:
                self.bad.append(bad)
            else:
                self.bad_unlisted += 1
        self.stale |= outcome.stale
        if self.replay is not None:
            self.replay.liquidated += outcome.liquidated


class BatchRefused(SpecError):
    """Bad accounts without ``skip_bad``: nothing was written; ``diagnostics`` locate each (line or row, id)."""

    code = "MV620"


@dataclass
class ChunkOutcome:
    """One chunk evaluated: its two tables and its counts."""

    positions_table: object
    pools_table: object
    accounts: int
    positions: int
    pools: int
    flat: int
    exact_accounts: int
    statuses: Counter
    verdicts: Counter
    bad: list
    stale: set
    liquidated: int
    checks: list  # SampleCheck of the chunk's sampled accounts


def check_paths(input_path, output_path) -> None:
    """Refuse an output that is the input, holds it or lies inside it: nothing the tool does may overwrite an
    input (MV002)."""
    source, target = Path(input_path).resolve(), Path(output_path).resolve()
    if source == target or source.is_relative_to(target) or target.is_relative_to(source):
        raise UsageError("the output would overwrite the input", [Diagnostic(
            "MV002", f"--out {output_path} is (or holds, or lies inside) the input {input_path}", file="<command line>",
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


def empty_tables(rule, input_path, options) -> tuple:
    """The two tables with no rows but their columns (an input with no account still gives them)."""
    id_type, where, reconciled = pa.string(), "line", True
    if input_kind(input_path) == "parquet":
        from verifier.read.position_table import flat_names, open_file, table_files

        schema = open_file(table_files(input_path)[0]).schema_arrow
        names = flat_names(schema)
        if options.id_field in schema.names:
            id_type = schema.field(options.id_field).type
        reported = rule.ccxt.reported.path.text if rule.ccxt and rule.ccxt.reported else "liquidationPrice"
        where, reconciled = "row", reported in names
    replayed = options.price_path is not None
    empty = {name: [] for name, _, _ in POSITION_SCHEMA + RECONCILED_SCHEMA + POOL_SCHEMA + REPLAY_SCHEMA}
    empty["id"] = []
    return (positions_table(empty, id_type, reconciled=reconciled, where=where),
            pools_table(empty, id_type, replayed=replayed, where=where))


def new_result(rule, input_path, output_path, options, today, engine) -> BatchResult:
    result = BatchResult(rule.id, str(input_path), str(output_path), engine, options.date or today,
                         gated=options.tolerance is not None or options.rtol is not None)
    if options.price_path is not None:
        result.replay = Replay(options.price_path.label, len(options.price_path.steps))
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


def refuse_if_bad(bad: list, options) -> None:
    """Stop the run at bad accounts unless they are to be skipped: their diagnostics, then one saying so (MV620)."""
    if bad and not options.skip_bad:
        diagnostics = [d for b in bad for d in (b.error.diagnostics or [Diagnostic(b.error.code, str(b.error),
                                                                                    file=b.file)])]
        message = f"{len(bad)} bad account(s) (above): nothing was written"
        diagnostics.append(Diagnostic("MV620", message, file=bad[0].file,
                                      hint="fix them, or give --skip-bad to leave them out (each is counted in the "
                                           "summary)"))
        raise BatchRefused(message, diagnostics)


# -- one chunk ----------------------------------------------------------------------------------------------------


def evaluate_chunk(rule, rule_columns: RuleColumns, chunk, options: BatchOptions, today, sample=None) -> ChunkOutcome:
    """A chunk of whole accounts evaluated: floats where they answer faithfully, the exact path elsewhere."""
    cols = chunk.columns
    priced = rule_columns.price(cols)
    needs_exact = np.zeros(chunk.accounts, dtype=bool)
    np.logical_or.at(needs_exact, cols.pool_account, priced.pool_exact)
    if chunk.flagged is not None:
        needs_exact |= chunk.flagged
    needs_exact[list(chunk.errors)] = False
    bad, exact = [], {}
    for account in sorted(chunk.errors):
        bad.append(_bad(chunk, account, chunk.errors[account]))
    for account in np.flatnonzero(needs_exact):
        try:
            exact[int(account)] = _exact(rule, chunk.exact(int(account)), options, today)
        except VerifierError as exc:
            bad.append(_bad(chunk, int(account), exc))
    skip = np.zeros(chunk.accounts, dtype=bool)
    skip[_accounts_of(chunk, bad)] = True
    fast = ~needs_exact & ~skip
    replayed = options.price_path is not None
    rows = _fast_rows(chunk, priced, fast, options)
    liquidated = 0
    if replayed:
        from verifier.jobs.batch_replay import replay_chunk

        liquidated = replay_chunk(rule, rule_columns, chunk, rows, fast, exact, options, today)
    where = "line" if chunk.kind == "lines" else "row"
    id_type = chunk.id_type or pa.string()
    reconciled = chunk.kind == "lines" or cols.reported is not None
    exact_rows = _exact_rows(chunk, exact)
    pos_table = _together(positions_table(rows["positions"], id_type, reconciled=reconciled, where=where),
                          positions_table(exact_rows["positions"], id_type, reconciled=reconciled, where=where))
    pool_table = _together(pools_table(rows["pools"], id_type, replayed=replayed, where=where),
                           pools_table(exact_rows["pools"], id_type, replayed=replayed, where=where))
    checks = sample_chunk(sample, rule, chunk, priced, fast, rows, options, today) if sample is not None else []
    statuses = Counter(dict(zip(*np.unique(pool_table.column("status").to_numpy(zero_copy_only=False),
                                           return_counts=True)))) if pool_table.num_rows else Counter()
    verdicts = Counter()
    if reconciled and pos_table.num_rows:
        found = pc.value_counts(pos_table.column("verdict").drop_null()).to_pylist() if pos_table.num_rows else []
        verdicts = Counter({item["values"]: item["counts"] for item in found})
    stale = rule_columns.stale(cols.markets, options.date or today)
    return ChunkOutcome(pos_table, pool_table, chunk.accounts, pos_table.num_rows, pool_table.num_rows,
                        chunk.flat, len(exact), Counter({str(k): int(v) for k, v in statuses.items()}), verdicts,
                        bad, stale, liquidated, checks)


def _together(fast, exact):
    """The fast and exact rows in the input's order: by account (each account is wholly one or the other, and
    each part is in order already; Arrow's sort is stable)."""
    if not exact.num_rows:
        return fast
    both = pa.concat_tables([fast, exact])
    return both.take(pc.sort_indices(both, sort_keys=[("account", "ascending")]))


def _accounts_of(chunk, bad) -> list:
    index = {ordinal: i for i, ordinal in enumerate(chunk.ordinals)}
    return [index[b.ordinal] for b in bad]


def _bad(chunk, account, error) -> Bad:
    if chunk.kind == "lines" and account not in chunk.errors:  # the reader named the account already
        error = with_account(error, chunk.ids[account])
    return Bad(chunk.ordinals[account], chunk.ids[account], chunk.locate(account), chunk.file[account], error)


def _id_type(chunk):
    import pyarrow as pa

    return getattr(chunk, "id_type", None) or pa.string()


def _exact(rule, accounts, options, today) -> dict:
    """An account through the evaluate job: its pools' and positions' rows (exact values, as floats later)."""
    evaluated = evaluate_accounts(rule, accounts, date=options.date, today=today, tolerance=options.tolerance,
                                  rtol=options.rtol)
    pools = []
    for pool, evaluation in zip(accounts.accounts, evaluated.evaluations):
        pools.append((pool, evaluation, _equity(rule, pool, evaluation, options.date or today)))
    return {"accounts": accounts, "evaluated": evaluated, "pools": pools,
            "reconciled": any(p.reported is not None for p in accounts.positions)}


def _equity(rule, pool, evaluation, date):
    """A pool's equity exactly: cross, the wallet plus each position's upnl; isolated, the sum of the positions'
    equity (None where the rule does not define it or an input is missing)."""
    if evaluation.margin_mode == "cross":
        pnl = [p.unrealized_pnl for p in evaluation.positions]
        if pool.wallet_balance is None or None in pnl:
            return None
        return pool.wallet_balance + sum(pnl, Fraction(0))
    try:
        values = position_definitions(rule, pool, ("equity",), date)
    except VerifierError:
        return None
    parts = [v.get("equity") for v in values]
    return None if None in parts else sum(parts, Fraction(0))


# -- rows ---------------------------------------------------------------------------------------------------------


def _fast_rows(chunk, priced, fast, options) -> dict:
    """The float rows of the accounts ``fast`` (by account index): positions and pools, as columns (Arrow arrays
    for text: dictionary-coded, no Python string per row)."""
    cols = chunk.columns
    keep = fast[cols.pool_account[cols.pool]]
    pool_keep = fast[cols.pool_account]
    ordinals = np.asarray(chunk.ordinals, dtype=np.int64)
    where = np.asarray(chunk.where, dtype=np.int64)
    ids = pa.array(chunk.ids, type=chunk.id_type or pa.string())
    idx = np.flatnonzero(keep)
    idx = idx[np.lexsort((cols.index[idx], cols.pool_account[cols.pool[idx]]))]
    account = cols.pool_account[cols.pool[idx]]
    pool_of = cols.pool[idx]
    settles = pa.array(list(cols.settles), type=pa.string())
    price = priced.liquidation_price[idx]
    own_row = where[account] + (cols.index[idx] if chunk.kind == "rows" else 0)
    positions = {
        "id": ids.take(pa.array(account)), "account": ordinals[account], "line": own_row, "position": cols.index[idx],
        "symbol": _coded(cols.market[idx], cols.markets), "side": _coded((cols.side[idx] > 0).astype(np.int8),
                                                                        ("short", "long")),
        "margin_mode": _coded(cols.pool_mode[pool_of], MARGIN_MODES),
        "settle": _coded(cols.pool_settle[pool_of], settles), "mark_price": priced.mark[idx], "liquidation_price": price,
        "tier": np.where(priced.tier[idx] >= 0, priced.tier[idx], np.nan),
        "maintenance_margin": priced.maintenance_margin[idx], "margin_ratio": priced.margin_ratio[idx],
        "status": _coded(priced.status[idx], STATUSES), "exact": np.zeros(len(idx), bool)}
    theirs = cols.reported[idx] if cols.reported is not None else np.full(len(idx), np.nan)
    relative, verdict = reconcile_columns(price, theirs, priced.tick[idx], options)
    positions.update({"exchange_price": theirs, "relative_difference": relative,
                      "verdict": verdict if cols.reported is not None or chunk.kind == "lines" else
                      pa.nulls(len(idx), pa.string())})
    pools_idx = np.flatnonzero(pool_keep)
    pool_account = cols.pool_account[pools_idx]
    pools = {
        "id": ids.take(pa.array(pool_account)), "account": ordinals[pool_account], "line": where[pool_account],
        "margin_mode": _coded(cols.pool_mode[pools_idx], MARGIN_MODES),
        "settle": _coded(cols.pool_settle[pools_idx], settles), "wallet_balance": cols.pool_wallet[pools_idx],
        "equity": priced.pool_equity[pools_idx], "maintenance_margin": priced.pool_maintenance_margin[pools_idx],
        "margin_ratio": priced.pool_margin_ratio[pools_idx], "status": _coded(priced.pool_status[pools_idx], STATUSES),
        "positions": np.bincount(cols.pool, minlength=cols.pools)[pools_idx], "exact": np.zeros(len(pools_idx), bool),
        "first_liquidation_step": np.full(len(pools_idx), np.nan), "first_liquidation": pa.nulls(len(pools_idx),
                                                                                                pa.string())}
    return {"positions": positions, "pools": pools, "positions_idx": idx, "pools_idx": pools_idx}


def _coded(codes, values) -> pa.Array:
    """Text as a dictionary-coded Arrow array (a negative code: null)."""
    codes = np.asarray(codes)
    dictionary = values if isinstance(values, pa.Array) else pa.array(list(values), type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32), mask=codes < 0), dictionary)


def reconcile_columns(ours, theirs, tick, options) -> tuple:
    """(relative difference, verdict) per position, as :func:`verifier.derive.reconcile.reconcile` judges one."""
    tolerance = None if options.tolerance is None else float(options.tolerance)
    rtol = None if options.rtol is None else float(options.rtol)
    judged = tolerance is not None or rtol is not None
    with np.errstate(all="ignore"):
        difference = ours - theirs
        relative = difference / theirs
        ticks = difference / tick
    have_ours, have_theirs = ~np.isnan(ours), ~np.isnan(theirs)
    code = {name: i for i, name in enumerate(VERDICTS)}
    one_only = have_ours ^ have_theirs
    if judged:
        problem = np.zeros(len(ours), dtype=bool)
        checked = np.zeros(len(ours), dtype=bool)
        if tolerance is not None:
            has_tick = np.isfinite(ticks)
            checked |= has_tick
            problem |= has_tick & (np.abs(ticks) > tolerance)
        if rtol is not None:
            checked[:] = True
            problem |= np.abs(relative) > rtol
        verdict = np.where(problem, code["disagree"], np.where(checked, code["agree"], code["unchecked"]))
        verdict[one_only] = code["disagree"]
    else:
        verdict = np.full(len(ours), code["not judged"])
        verdict[one_only & ~have_theirs] = code["no price from the exchange"]
        verdict[one_only & have_theirs] = code["disagree"]
    verdict[~have_ours & ~have_theirs] = code["both none"]
    return np.where(have_ours & have_theirs, relative, np.nan), _coded(verdict, VERDICTS)


def _exact_rows(chunk, exact: dict) -> dict:
    """The rows of the accounts the exact path evaluated (exact numbers as floats)."""
    positions = {name: [] for name in ("id", "account", "line", "position", "symbol", "side", "margin_mode", "settle",
                                       "mark_price", "liquidation_price", "tier", "maintenance_margin",
                                       "margin_ratio", "status", "exact", "exchange_price", "relative_difference",
                                       "verdict")}
    pools = {name: [] for name in ("id", "account", "line", "margin_mode", "settle", "wallet_balance", "equity",
                                   "maintenance_margin", "margin_ratio", "status", "positions", "exact",
                                   "first_liquidation_step", "first_liquidation")}
    for account in sorted(exact):
        found = exact[account]
        ordinal, account_id, where = chunk.ordinals[account], chunk.ids[account], chunk.where[account]
        checks = found["evaluated"].checks
        rows = []
        for number, (pool, evaluation, equity) in enumerate(found["pools"]):
            for p in evaluation.positions:
                check = checks.get(id(p))
                index = p.index if p.index is not None else len(rows)
                rows.append((index, {
                    "id": account_id, "account": ordinal, "line": where + (index if chunk.kind == "rows" else 0),
                    "position": index, "symbol": p.symbol, "side": p.side, "margin_mode": evaluation.margin_mode,
                    "settle": evaluation.settle, "mark_price": _f(p.mark_price),
                    "liquidation_price": _f(p.liquidation_price), "tier": p.tier if p.tier is not None else np.nan,
                    "maintenance_margin": _f(p.maintenance_margin), "margin_ratio": _f(p.margin_ratio),
                    "status": p.status, "exact": True,
                    "exchange_price": _f(check.theirs) if check is not None else np.nan,
                    "relative_difference": _f(check.relative) if check is not None else np.nan,
                    "verdict": check.verdict if check is not None else None}))
            mms = [p.maintenance_margin for p in evaluation.positions]
            ratio = evaluation.margin_ratio if evaluation.margin_ratio is not None else evaluation.margin_level
            step, label = found["first"][number] if "first" in found else (np.nan, None)
            for name, value in (("id", account_id), ("account", ordinal), ("line", where),
                                ("margin_mode", evaluation.margin_mode), ("settle", evaluation.settle),
                                ("wallet_balance", _f(pool.wallet_balance)), ("equity", _f(equity)),
                                ("maintenance_margin", np.nan if None in mms else _f(sum(mms, Fraction(0)))),
                                ("margin_ratio", _f(ratio)), ("status", evaluation.status),
                                ("positions", len(evaluation.positions)), ("exact", True),
                                ("first_liquidation_step", step), ("first_liquidation", label)):
                pools[name].append(value)
        for _, row in sorted(rows, key=lambda r: r[0]):
            for name, value in row.items():
                positions[name].append(value)
    for table in (positions, pools):
        for name in _NUMBERS & set(table):
            table[name] = np.asarray(table[name], dtype=np.float64)
    return {"positions": positions, "pools": pools}


_NUMBERS = {"mark_price", "liquidation_price", "tier", "maintenance_margin", "margin_ratio", "exchange_price",
            "relative_difference", "wallet_balance", "equity", "first_liquidation_step"}


def _f(value) -> float:
    return np.nan if value is None else float(value)
