"""One chunk of whole accounts evaluated for the batch: priced in float columns, the accounts floats cannot answer
faithfully through the exact path, reconciled with the exchange's prices, a price path replayed, sample accounts
checked, and its two tables built (:mod:`verifier.report.batch`).  Both engines run :func:`evaluate_chunk`, so they
give the same rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from verifier.derive.columns import STATUSES, RuleColumns
from verifier.derive.reconcile import VERDICTS
from verifier.errors import VerifierError
from verifier.jobs.batch_exact import exact_account
from verifier.jobs.batch_replay import replay_chunk
from verifier.jobs.batch_result import Bad
from verifier.jobs.batch_sample import sample_chunk
from verifier.model.position_columns import MARGIN_MODES
from verifier.read.batch_input import with_account
from verifier.report.batch import pools_table, positions_table
from verifier.report.evaluate import evaluated_warnings


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
    warnings: list = field(default_factory=list)  # the exact path's warnings (MV609, MV617), each once


def evaluate_chunk(rule, rule_columns: RuleColumns, chunk, options, today, sample=None) -> ChunkOutcome:
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
    warnings: dict = {}
    for account in np.flatnonzero(needs_exact):
        try:
            exact[int(account)] = exact_account(rule, chunk.exact(int(account)), options, today)
        except VerifierError as exc:
            bad.append(_bad(chunk, int(account), exc))
        else:  # what evaluate says of the same account (report.evaluate.evaluated_warnings)
            warnings.update(dict.fromkeys(evaluated_warnings(exact[int(account)]["evaluated"])))
    skip = np.zeros(chunk.accounts, dtype=bool)
    skip[_accounts_of(chunk, bad)] = True
    fast = ~needs_exact & ~skip
    replayed = options.price_path is not None
    rows = _fast_rows(chunk, priced, fast, options)
    liquidated = 0
    if replayed:
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
                        bad, stale, liquidated, checks, list(warnings))


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
        "liquidation_tier": np.where(priced.price_tier[idx] >= 0, priced.price_tier[idx], np.nan),
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
                                       "mark_price", "liquidation_price", "tier", "liquidation_tier",
                                       "maintenance_margin",
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
                    "liquidation_tier": p.liquidation_tier if p.liquidation_tier is not None else np.nan,
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


_NUMBERS = {"mark_price", "liquidation_price", "tier", "liquidation_tier", "maintenance_margin", "margin_ratio",
            "exchange_price", "relative_difference", "wallet_balance", "equity", "first_liquidation_step"}


def _f(value) -> float:
    return np.nan if value is None else float(value)
