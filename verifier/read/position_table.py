"""A Parquet table of positions (one row per position, with an account id) in :class:`Chunk`\\ s of columns.

The columns are named as ccxt's unified Position fields (``symbol``, ``side``, ``contracts``, ``entryPrice``,
``markPrice``, ``marginMode`` ...), the raw fields a rule's ``ccxt:`` mapping reads as their paths
(``info.isolatedWallet``; a struct column ``info`` is flattened to those names), plus:

- the account id (``id``, or the column ``id_field`` names): the rows of one account are consecutive;
- ``walletBalance``: the cross wallet of the position's settlement currency (the same on every cross row of an
  account in that currency), what a ``fetch_balance()`` dump gives ``evaluate``.

The rule's mapping is applied to whole columns (its formulas compiled to NumPy), as
:mod:`verifier.read.ccxt_export` applies it to one export.  What floats cannot read faithfully (a value that is not
a number, a side that disagrees with the exchange's own, a hedge pair, a missing margin mode...) flags the row:
its account is then read by the exact reader from the row's values (:meth:`Chunk.exact`), which says what is wrong,
located by row (0-based, in its file) and account id.  A folder is read as its ``*.parquet`` files in name order
(an account must not continue from one file into the next); ``rows`` reads part of one file (a Dask partition).

>>> import tempfile, pathlib, pyarrow as pa, pyarrow.parquet as pq
>>> from verifier.read import load_rule
>>> path = pathlib.Path(tempfile.mkdtemp()) / "positions.parquet"
>>> pq.write_table(pa.table({"id": ["a", "a", "b"], "symbol": ["BTC/USDC:USDC", "ETH/USDC:USDC", "BTC/USDC:USDC"],
...     "side": ["long", "short", "long"], "contracts": [1.0, 2.0, 0.5], "entryPrice": [60000.0, 3000.0, 61000.0],
...     "info.position.positionValue": ["61000", "5800", "30500"], "info.position.szi": ["1", "-2", "0.5"],
...     "marginMode": ["cross", "cross", "cross"], "walletBalance": [10000.0, 10000.0, 2000.0]}), path)
>>> chunk, = table_chunks(load_rule("hyperliquid/perpetual"), path)
>>> chunk.ids, chunk.where, chunk.columns.pool.tolist(), chunk.columns.fields["markPrice"].tolist()
(['a', 'b'], [0, 2], [0, 0, 1], [61000.0, 2900.0, 61000.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from verifier.errors import Diagnostic, SpecError, VerifierError
from verifier.model.ccxt_mapping import CCXT_POSITION_NUMBERS
from verifier.model.position_columns import PositionColumns
from verifier.model.snapshot import fields_of
from verifier.read._jsonpath import json_path
from verifier.read.batch_input import Chunk
from verifier.read.ccxt_columns import Rows, read_rows, settle_of
from verifier.read.positions_file import export_from_data

REQUIRED = ("symbol", "side", "contracts")
"""Columns every positions table has (besides the account id)."""

STATED = ("marginMode", "isolated", "hedged", "walletBalance", "liquidationPrice")
"""Columns read when present."""

BATCH_ROWS = 65_536
"""Rows read from a file at a time (a chunk gathers them up to its size)."""


def table_files(path) -> list:
    """The Parquet files of ``path``: itself, or a folder's ``*.parquet`` files (nested too) in name order."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".parquet", ".pq") and p.is_file()
                       and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts))
        if not files:
            raise _file_error(path, "MV621", "the folder holds no .parquet file", "a Parquet dataset folder")
        return files
    return [path]


def open_file(path) -> pq.ParquetFile:
    """The Parquet file at ``path``, read without pre-buffering: with it, pyarrow (26) keeps every row group read
    in memory until the file is closed, which made memory grow with the input (30 MB a million rows here)."""
    try:
        return pq.ParquetFile(path, pre_buffer=False)
    except (OSError, pa.ArrowException) as exc:
        raise _file_error(path, "MV621", f"cannot read the Parquet file: {exc}", None) from None


def wanted_columns(rule, id_field: str, available) -> list:
    """The (flattened) columns the rule's mapping, the account id and the batch read, of those ``available``."""
    mapping = _mapping(rule, available)
    wanted = {id_field, *REQUIRED, *STATED}
    for reading in mapping.position.values():
        for _, expr in reading.formulas.values():
            wanted |= fields_of(expr) & set(CCXT_POSITION_NUMBERS)
    wanted |= {spec.path.text for spec in mapping.inputs.values()}
    wanted |= {check.path.text for check in mapping.side_checks}
    wanted |= {check.when[0].text for check in mapping.side_checks if check.when is not None}
    if mapping.reported is not None:
        wanted.add(mapping.reported.path.text)
    wanted |= {path.text for path in mapping.identify}  # what tells the exchange's export (MV618 otherwise)
    return [name for name in available if name in wanted]


def flat_names(schema) -> list:
    """The column names of ``schema`` with struct columns flattened (``info`` -> ``info.isolatedWallet``)."""
    out = []
    for field in schema:
        if pa.types.is_struct(field.type):
            out.extend(f"{field.name}.{name}" for name in flat_names(pa.schema(list(field.type))))
        else:
            out.append(field.name)
    return out


def table_chunks(rule, path, *, chunk_rows: int = 100_000, id_field: str = "id", margin_mode=None, files=None,
                 rows=None, first: int = 0):
    """The table's accounts in chunks of about ``chunk_rows`` positions (accounts whole).  ``files``: the files to
    read (default: :func:`table_files`); ``rows``: (start, end) rows of the single file given (a partition);
    ``first``: the ordinal of the first account."""
    return TableChunks(rule, files if files is not None else table_files(path), chunk_rows, id_field, margin_mode,
                       rows, first)


class TableChunks:
    """An iterator of chunks that knows how far it has read (:attr:`fraction`, for a progress bar)."""

    def __init__(self, rule, files, chunk_rows, id_field, margin_mode, rows, first):
        self.files, self.rows = files, rows
        self.reader = _Reader(rule, id_field, margin_mode, chunk_rows, first)
        self.total = sum(open_file(f).metadata.num_rows for f in files) if rows is None else rows[1] - rows[0]

    @property
    def fraction(self) -> float:
        return min(self.reader.rows_read / self.total, 1.0) if self.total else 1.0

    def __iter__(self):
        for file in self.files:
            yield from self.reader.file(file, self.rows)


def _mapping(rule, where):
    if rule.ccxt is None:
        raise SpecError(f"rule {rule.id} does not say how to read ccxt fields (it has no 'ccxt:' section)", [
            Diagnostic("MV615", f"rule {rule.id} has no 'ccxt:' section: it cannot read a table of ccxt positions",
                       hint="evaluate with a rule that maps ccxt's fields")], code="MV615")
    return rule.ccxt


class _Reader:
    """Reads files in order, carrying the last account of a batch into the next chunk."""

    def __init__(self, rule, id_field, margin_mode, chunk_rows, first):
        self.rule, self.id_field, self.margin_mode, self.chunk_rows = rule, id_field, margin_mode, chunk_rows
        self.ordinal = first
        self.seen: set = set()
        self.rows_read = 0
        self.fraction = 0.0

    def file(self, file, rows=None):
        handle = open_file(file)
        names = flat_names(handle.schema_arrow)
        for name in (self.id_field, *REQUIRED):
            if name not in names:
                raise _file_error(file, "MV621", f"the table has no column {name!r}" + (
                    " (the account id: give --id-field NAME)" if name == self.id_field else ""),
                                  "one row per position: an account id and ccxt's unified fields")
        kind = handle.schema_arrow.field(self.id_field).type if self.id_field in handle.schema_arrow.names else None
        if kind is None or pa.types.is_nested(kind):
            raise _file_error(file, "MV621", f"the account id {self.id_field!r} must be a column of text or numbers"
                                             f"{'' if kind is None else f', not {kind}'}", None)
        wanted = wanted_columns(self.rule, self.id_field, names)
        top = sorted({name.split(".")[0] if name not in handle.schema_arrow.names else name for name in wanted})
        pending, start_row = [], rows[0] if rows else 0
        held = 0
        for batch in _batches(handle, top, rows, max(1, min(BATCH_ROWS, self.chunk_rows))):
            table = _flatten(pa.Table.from_batches([batch])).select([n for n in wanted])
            pending.append(table)
            held += table.num_rows
            self.rows_read += table.num_rows
            while held >= self.chunk_rows:
                whole = pa.concat_tables(pending)
                cut = _cut(whole.column(self.id_field), self.chunk_rows)
                if cut == 0:
                    break  # one account larger than a chunk: keep reading it
                yield self._chunk(file, whole.slice(0, cut), start_row, table_type=whole.schema)
                pending, start_row, held = [whole.slice(cut)], start_row + cut, whole.num_rows - cut
        if held:
            whole = pa.concat_tables(pending)
            yield self._chunk(file, whole, start_row, table_type=whole.schema)

    def _chunk(self, file, table, start_row, table_type) -> Chunk:
        chunk = build_chunk(self.rule, table, str(file), start_row, self.ordinal, self.id_field, self.margin_mode,
                            self.seen)
        self.ordinal += chunk.accounts
        return chunk


def _batches(handle, columns, rows, size=BATCH_ROWS):
    """The file's record batches of ``size`` rows at most (of the row range ``rows``, sliced to it)."""
    if rows is None:
        yield from handle.iter_batches(batch_size=size, columns=columns)
        return
    start, end = rows
    offset = 0
    for group in range(handle.metadata.num_row_groups):
        size = handle.metadata.row_group(group).num_rows
        if offset + size > start and offset < end:
            at = offset
            for batch in handle.iter_batches(batch_size=size, columns=columns, row_groups=[group]):
                low, high = max(start - at, 0), min(end - at, batch.num_rows)
                if high > low:
                    yield batch.slice(low, high - low)
                at += batch.num_rows
        offset += size


def _flatten(table: pa.Table) -> pa.Table:
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table


def _codes(ids) -> np.ndarray:
    """An integer per row, equal where the account id is equal (-1: null)."""
    encoded = pc.dictionary_encode(ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids)
    return np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _cut(ids, rows: int) -> int:
    """Where a chunk of about ``rows`` rows of ``ids`` ends: the last account start at or before ``rows`` (the
    first one after it when a single account is longer; 0 when no account ends in ``ids``)."""
    codes = _codes(ids)
    starts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    if not len(starts):
        return 0
    before = starts[starts <= rows]
    return int(before[-1]) if len(before) else int(starts[0])


# -- one chunk -----------------------------------------------------------------------------------------------------


def build_chunk(rule, table: pa.Table, file: str, start_row: int, first: int, id_field: str, margin_mode,
                seen: set) -> Chunk:
    """The chunk of ``table`` (whole accounts; ``start_row``: its first row in ``file``)."""
    mapping = _mapping(rule, file)
    starts, account, ids = _accounts(table.column(id_field))
    errors = _id_errors(ids, starts, start_row, file, id_field, seen)
    rows = read_rows(mapping, table, margin_mode)
    flagged = np.zeros(len(ids), dtype=bool)
    np.logical_or.at(flagged, account, rows.flags | _duplicates(rows, account))
    kept = np.flatnonzero(~rows.flat)
    pools = _pools(rows, account, kept, ids, file, start_row, errors)
    columns = PositionColumns(
        {name: values[kept] for name, values in rows.fields.items()}, np.nan_to_num(rows.side[kept]),
        np.maximum(rows.symbol[kept], 0).astype(np.int32), tuple(rows.markets), kept - starts[account[kept]],
        pools.pool, rows.flags[kept] | flagged[account[kept]], None if rows.reported is None else rows.reported[kept],
        account[pools.first], np.maximum(rows.mode[pools.first], 0).astype(np.int8),
        np.where(rows.mode[pools.first] == 0, pools.settle[pools.first], -1), tuple(pools.settles), pools.wallet)
    chunk = Chunk(columns, list(range(first, first + len(ids))), ids, (start_row + starts).tolist(),
                  [file] * len(ids), errors, int(rows.flat.sum()), kind="rows", flagged=flagged,
                  id_type=table.schema.field(id_field).type)
    chunk.reader = _ExactReader(rule, table, file, start_row, starts, id_field, margin_mode, errors)
    return chunk


def _accounts(ids) -> tuple:
    """(first row of each account, the account of each row, each account's id): accounts are runs of one id."""
    codes = _codes(ids)
    change = codes[1:] != codes[:-1]
    starts = np.concatenate([[0], np.flatnonzero(change) + 1]).astype(np.int64) if len(codes) else \
        np.zeros(0, dtype=np.int64)
    account = np.concatenate([[0], np.cumsum(change)]).astype(np.int64) if len(codes) else np.zeros(0, np.int64)
    return starts, account, ids.take(pa.array(starts)).to_pylist() if len(codes) else []


def _duplicates(rows: Rows, account) -> np.ndarray:
    """Rows of two positions in one market and margin mode of one account (not a hedge pair: flagged already),
    which the exact reader refuses (MV613)."""
    keep = ~rows.flat
    key = (account * (len(rows.markets) + 1) + rows.symbol + 1) * 2 + np.maximum(rows.mode, 0)
    ordered = np.sort(key[keep])
    return np.isin(key, ordered[1:][ordered[1:] == ordered[:-1]]) & keep


@dataclass
class _Pools:
    pool: np.ndarray  # per kept row
    first: np.ndarray  # per pool: its first row
    settle: np.ndarray  # per row: code into settles (-1: none)
    settles: list
    wallet: np.ndarray  # per pool (NaN: none, or isolated)


def _pools(rows: Rows, account, kept, ids, file, start_row, errors) -> _Pools:
    """The margin pools of the kept rows, as the ccxt reader splits an export: an account's cross positions of one
    settlement currency, and its isolated positions; a cross pool's wallet, one number on all its rows (MV623)."""
    currencies = [settle_of(m) for m in rows.markets]
    settles = sorted({s for s in currencies if s})
    code = {s: i for i, s in enumerate(settles)}
    settle = np.array([code.get(s, -1) if s else -1 for s in currencies] + [-1], dtype=np.int32)[rows.symbol]
    cross = rows.mode == 0
    key = (account * 2 + np.maximum(rows.mode, 0)) * (len(settles) + 1) + np.where(cross, settle + 1, 0)
    pool, first_at = first_seen(key[kept])
    first = kept[first_at]
    wallet = np.full(len(first), np.nan)
    given = rows.numbers.get("walletBalance")
    if given is not None:
        low, high = np.full(len(first), np.inf), np.full(len(first), -np.inf)
        values = given[kept]
        present = ~np.isnan(values)
        np.minimum.at(low, pool[present], values[present])
        np.maximum.at(high, pool[present], values[present])
        for p in np.flatnonzero(np.isfinite(low) & (low != high) & cross[first]):
            a = int(account[first[p]])
            errors.setdefault(a, _row_error(
                file, start_row + int(first[p]), ids[a], "MV623", f"walletBalance differs between the rows of the "
                f"account's {settles[settle[first[p]]]} cross positions ({low[p]:g} and {high[p]:g})",
                "walletBalance", "the cross wallet of a settlement currency is one number: give it on every row"))
        wallet = np.where(np.isfinite(low) & cross[first], low, np.nan)
    return _Pools(pool, first, settle, settles, wallet)


def _id_errors(ids, starts, start_row, file, id_field, seen: set) -> dict:
    """Account index -> error, for a null id or an account whose rows are not together (its id met before, in
    this chunk or an earlier one); every good id joins ``seen``."""
    errors = {}
    fresh = set(ids)
    repeated = seen.intersection(fresh) if seen else set()
    if None in fresh or repeated or len(fresh) < len(ids):
        met = set(seen)
        for a, account_id in enumerate(ids):
            row = start_row + int(starts[a])
            if account_id is None:
                errors[a] = _row_error(file, row, None, "MV621", f"{id_field} is null: every row names its account",
                                       id_field)
            elif account_id in met:
                errors[a] = _row_error(file, row, account_id, "MV622", "the account's rows are not together: it "
                                       "appeared before this row", id_field, "sort the table by account id")
            met.add(account_id)
    fresh.discard(None)
    seen.update(fresh)
    return errors


def first_seen(keys) -> tuple:
    """(group per row, numbered in order of first appearance; the first row of each group) of equal ``keys``.
    A stable sort: the keys of a chunk are nearly sorted already (by account), which it finds quickly.

    >>> group, first = first_seen(np.array([7, 3, 7, 5, 3]))
    >>> group.tolist(), first.tolist()
    ([0, 1, 0, 2, 1], [0, 1, 3])
    """
    n = len(keys)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    new = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    group_sorted = np.cumsum(new) - 1
    first = order[new]  # the first row of each group (stable: the earliest)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    group = np.empty(n, dtype=np.int64)
    group[order] = rank[group_sorted]
    return group, np.sort(first)


# -- the exact reading of one account -----------------------------------------------------------------------------


class _ExactReader:
    """An account's rows as the ccxt export the exact reader reads (each row a Position dict, nested by its dotted
    names), problems located by row and account id."""

    def __init__(self, rule, table, file, start_row, starts, id_field, margin_mode, errors):
        self.rule, self.table, self.file, self.start_row = rule, table, file, start_row
        self.starts, self.id_field, self.margin_mode, self.errors = starts, id_field, margin_mode, errors

    def __call__(self, account: int):
        start = int(self.starts[account])
        end = int(self.starts[account + 1]) if account + 1 < len(self.starts) else self.table.num_rows
        rows = self.table.slice(start, end - start).to_pylist()
        account_id = rows[0][self.id_field]
        first = self.start_row + start
        positions, wallets = [], {}
        for offset, row in enumerate(rows):
            item = {}
            for name, value in row.items():
                if name == self.id_field:
                    continue
                if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
                    raise _row_error(self.file, first + offset, account_id, "MV602",
                                     f"{name} is {value}: not a number", name)
                if name == "walletBalance":
                    if value is not None and row.get("symbol"):
                        wallets.setdefault(settle_of(row["symbol"]), value)
                    continue
                _put(item, name.split("."), value)
            positions.append(item)
        data = {"positions": positions}
        if wallets:
            data["walletBalance"] = {currency: value for currency, value in wallets.items() if currency}
        located = _RowsLocated(self.file, first, account_id)
        try:
            return export_from_data(self.rule, data, {"positions": located}, margin_mode=self.margin_mode)
        except VerifierError as exc:
            raise exc from None


def _put(item: dict, path: list, value) -> None:
    for key in path[:-1]:
        item = item.setdefault(key, {})
    item[path[-1]] = value


class _RowsLocated:
    """Places in an account read from rows -> diagnostics naming the row (0-based, in its file) and account."""

    def __init__(self, file, first_row, account_id):
        self.file, self.first_row, self.account_id = file, first_row, account_id
        self.text, self.line, self.prefix = None, None, ()

    def diagnostic(self, code, message, path=(), hint=None) -> Diagnostic:
        path = tuple(path)
        if len(path) >= 2 and path[0] == "positions" and isinstance(path[1], int):
            row, rest = self.first_row + path[1], path[2:]
        else:
            row, rest = self.first_row, path[1:] if path[:1] == ("positions",) else path
        return Diagnostic(code, f"row {row}, account {self.account_id!r}: {message}", file=self.file,
                          json_path=json_path((row, *rest)), hint=hint)


def _row_error(file, row, account_id, code, message, column=None, hint=None) -> SpecError:
    who = f"row {row}" + (f", account {account_id!r}" if account_id is not None else "")
    return SpecError(f"{who}: {message}", [Diagnostic(code, f"{who}: {message}", file=str(file),
                                                      json_path=json_path((row, column) if column else (row,)),
                                                      hint=hint)], code=code)


def _file_error(path, code, message, hint) -> SpecError:
    return SpecError(message, [Diagnostic(code, message, file=str(path), hint=hint)], code=code)
