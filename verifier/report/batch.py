"""The ``batch`` report: its two tables (positions, margin pools) as Arrow tables or JSON lines, and its summary.

A table arrives as plain columns (NumPy arrays or lists, NaN where a number does not exist) and leaves as Arrow
with a fixed schema (null where NaN), so every chunk and every partition of one run writes the same columns.
:data:`POSITION_SCHEMA` and :data:`POOL_SCHEMA` are the output's documented columns (docs/how-to/batch.md); the
input's account-id column keeps its own type (text for JSON lines).

>>> import numpy as np, pyarrow as pa
>>> table = pools_table({"id": ["a"], "account": [0], "line": [1], "margin_mode": ["cross"], "settle": ["USDT"],
...     "wallet_balance": np.array([1000.0]), "equity": np.array([980.0]), "maintenance_margin": np.array([np.nan]),
...     "margin_ratio": np.array([0.01]), "status": ["normal"], "positions": [2], "exact": [False]}, pa.string())
>>> print(lines_text(table, "pool"), end="")
{"record": "pool", "id": "a", "account": 0, "line": 1, "margin_mode": "cross", "settle": "USDT", "wallet_balance": 1000.0, "equity": 980.0, "maintenance_margin": null, "margin_ratio": 0.01, "status": "normal", "positions": 2, "exact": false}
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from verifier.report.diagnostics import json_text
from verifier.report.numbers import decimal_text

FORMATS = ("text", "json")
"""The summary's formats (the tables go to the output file)."""

POSITION_SCHEMA = [
    ("account", pa.int64(), "the account's place in the input (0-based)"),
    ("line", pa.int64(), "JSON lines: the account's line; Parquet: 'row', the position's row (0-based)"),
    ("position", pa.int64(), "the position's place in its account's list of positions (0-based)"),
    ("symbol", pa.string(), "ccxt market symbol"),
    ("side", pa.string(), "long or short"),
    ("margin_mode", pa.string(), "cross or isolated: the pool it was evaluated in"),
    ("settle", pa.string(), "the settlement currency of its cross pool (null: isolated)"),
    ("mark_price", pa.float64(), "the rule's price symbol as read from the position"),
    ("liquidation_price", pa.float64(), "null: no price reaches the liquidation condition"),
    ("tier", pa.int32(), "the tier row at the mark (null: no tier table)"),
    ("liquidation_tier", pa.int32(), "the tier row at the liquidation price (null: no price, or no tier table)"),
    ("maintenance_margin", pa.float64(), "the rule's maintenance_margin at the mark"),
    ("margin_ratio", pa.float64(), "the rule's margin_ratio (or margin_level) of the position, or of its cross pool"),
    ("status", pa.string(), "normal, margin_call or liquidation: the rule's own conditions at the mark"),
    ("exact", pa.bool_(), "evaluated by the exact path (floats could not answer faithfully)"),
]
"""(column, type, meaning) of the positions table, after ``id``."""

RECONCILED_SCHEMA = [
    ("exchange_price", pa.float64(), "the exchange's own liquidation price, as the input gives it"),
    ("relative_difference", pa.float64(), "(ours - the exchange's) / the exchange's"),
    ("verdict", pa.string(), "as evaluate's: agree, disagree, both none, unchecked, not judged, ..."),
]
"""The positions table's extra columns when the input carries the exchange's liquidation prices."""

POOL_SCHEMA = [
    ("account", pa.int64(), "the account's place in the input (0-based)"),
    ("line", pa.int64(), "JSON lines: the account's line; Parquet: 'row', its first row (0-based)"),
    ("margin_mode", pa.string(), "cross or isolated"),
    ("settle", pa.string(), "a cross pool's settlement currency (null: the account's isolated positions)"),
    ("wallet_balance", pa.float64(), "a cross pool's wallet"),
    ("equity", pa.float64(), "cross: the wallet plus every position's upnl; isolated: the sum of the positions' equity"),
    ("maintenance_margin", pa.float64(), "the sum of the positions' maintenance_margin"),
    ("margin_ratio", pa.float64(), "a cross pool's margin_ratio (null for isolated positions: see each position)"),
    ("status", pa.string(), "the worst of its positions'"),
    ("positions", pa.int32(), "how many positions it holds"),
    ("exact", pa.bool_(), "evaluated by the exact path"),
]
"""(column, type, meaning) of the pools table (one row per margin pool of each account), after ``id``."""

REPLAY_SCHEMA = [
    ("first_liquidation_step", pa.int32(), "the first step of --price-path at which the pool is liquidated (0-based)"),
    ("first_liquidation", pa.string(), "that step's label (a time, when the path's labels are times)"),
]
"""The pools table's extra columns with ``--price-path``."""


def schema(columns, id_type, *, where: str = "line") -> pa.Schema:
    """The Arrow schema of a table of ``columns`` ((name, type, meaning) entries), ``id`` first."""
    fields = [pa.field("id", id_type)]
    for name, kind, _ in columns:
        fields.append(pa.field(where if name == "line" else name, kind))
    return pa.schema(fields)


def positions_table(columns: dict, id_type, *, reconciled: bool = False, where: str = "line") -> pa.Table:
    """The positions table of one chunk (``columns``: name -> values, numbers NaN where none)."""
    return _table(columns, POSITION_SCHEMA + (RECONCILED_SCHEMA if reconciled else []), id_type, where)


def pools_table(columns: dict, id_type, *, replayed: bool = False, where: str = "line") -> pa.Table:
    """The pools table of one chunk."""
    return _table(columns, POOL_SCHEMA + (REPLAY_SCHEMA if replayed else []), id_type, where)


def _table(columns, spec, id_type, where) -> pa.Table:
    target = schema(spec, id_type, where=where)
    arrays = [_array(columns["id"], id_type)]
    for name, kind, _ in spec:
        arrays.append(_array(columns[name], kind))
    return pa.Table.from_arrays(arrays, schema=target)


def _array(values, kind) -> pa.Array:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.cast(kind) if values.type != kind else values  # dictionary-coded text decoded here
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        mask = np.isnan(values)
        if pa.types.is_integer(kind):
            return pa.array(np.where(mask, 0, values).astype(np.int64), mask=mask).cast(kind)
        return pa.array(values, type=kind, mask=mask if mask.any() else None)
    return pa.array(values, type=kind)


def lines_text(table: pa.Table, record: str) -> str:
    """The table as JSON lines, each object tagged with its ``record`` kind (``position`` or ``pool``)."""
    names = table.column_names
    columns = [table.column(name).to_pylist() for name in names]
    head = json.dumps(record)
    out = []
    for values in zip(*columns):
        out.append('{"record": ' + head + ", " + ", ".join(
            f"{json.dumps(name)}: {json.dumps(value)}" for name, value in zip(names, values)) + "}\n")
    return "".join(out)


def progress_text(accounts: int, positions: int, bad: int, fraction) -> str:
    """The progress line (redrawn in place on a terminal's stderr)."""
    done = f"{fraction * 100:5.1f}% " if fraction is not None else ""
    return f"\r{done}{accounts:,} accounts, {positions:,} positions" + (f", {bad:,} bad" if bad else "")


# -- the summary --------------------------------------------------------------------------------------------------


def summary_data(result) -> dict:
    """The run in numbers (what JSON shows; the text says the same)."""
    sample = result.sample
    return {
        "input": result.input, "output": result.output, "engine": result.engine, "rule": result.rule,
        "date": result.on.isoformat(), "accounts": result.accounts, "positions": result.positions,
        "pools": result.pools, "flatSkipped": result.flat, "exactPath": result.exact_accounts,
        "statuses": dict(sorted(result.statuses.items())),
        "badAccounts": {"count": len(result.bad) + result.bad_unlisted, "byCode": dict(sorted(result.bad_codes.items())),
                        "first": [{"account": b.ordinal, "id": b.id, "where": b.where, "file": b.file,
                                   "code": b.error.code, "message": b.error.render()} for b in result.bad]},
        "reconciliation": dict(sorted(result.verdicts.items())), "failed": result.failed,
        "checkSample": None if sample is None else {
            "asked": sample.asked, "checked": sample.checked, "relativeTolerance": sample.tolerance,
            "worstRelativeDifference": sample.worst, "disagreements": [
                {"account": d.ordinal, "id": d.id, "what": d.what, "float": d.value, "exact": _exact_text(d.exact)}
                for d in sample.disagreements]},
        "replay": None if result.replay is None else {
            "path": result.replay.label, "steps": result.replay.steps, "liquidatedPools": result.replay.liquidated},
        "stale": [{"symbol": s, "part": p, "days": d} for s, p, d in sorted(result.stale)],
        "warnings": [w.to_json() for w in getattr(result, "warnings", ())],
        "partitions": result.partitions, "workers": result.workers,
        "seconds": round(result.seconds, 3),
    }


def _exact_text(value):
    """An exact value as a decimal (a Fraction), else as it is (a status, a step, None)."""
    from fractions import Fraction

    return decimal_text(value, 12) if isinstance(value, Fraction) else value


def render_summary(result, fmt: str) -> str:
    """The summary in ``fmt`` (text or json)."""
    data = summary_data(result)
    if fmt == "json":
        return json_text(data)
    lines = [f"batch {data['rule']} on {data['date']} ({data['engine']}): {data['accounts']:,} accounts, "
             f"{data['positions']:,} positions in {data['pools']:,} margin pools -> {data['output']}"]
    statuses = ", ".join(f"{name} {count:,}" for name, count in data["statuses"].items()) or "none"
    lines.append(f"  pools by status: {statuses}")
    if data["exactPath"]:
        lines.append(f"  evaluated by the exact path: {data['exactPath']:,} accounts (floats could not answer "
                     "them faithfully)")
    if data["flatSkipped"]:
        lines.append(f"  flat positions skipped: {data['flatSkipped']:,}")
    bad = data["badAccounts"]
    if bad["count"]:
        codes = ", ".join(f"{code} {count:,}" for code, count in bad["byCode"].items())
        lines.append(f"  bad accounts skipped: {bad['count']:,} ({codes}); the first:")
        lines.extend(f"    {item['message']}" for item in bad["first"][:10])
    if data["reconciliation"]:
        verdicts = ", ".join(f"{name} {count:,}" for name, count in data["reconciliation"].items())
        lines.append(f"  against the exchange's prices: {verdicts}")
    if data["replay"]:
        replay = data["replay"]
        lines.append(f"  price path {replay['path']!r} ({replay['steps']} steps): {replay['liquidatedPools']:,} pools "
                     "liquidated on the way")
    sample = data["checkSample"]
    if sample is not None:
        verdict = "agree" if not sample["disagreements"] else f"{len(sample['disagreements'])} disagreements"
        lines.append(f"  exact re-pricing of {sample['checked']} of {sample['asked']} sampled accounts: {verdict} "
                     f"(tolerance {sample['relativeTolerance']:g} relative; worst {sample['worstRelativeDifference']:.3g})")
        lines.extend(f"    account {d['id'] if d['id'] is not None else d['account']}: {d['what']} float "
                     f"{d['float']} exact {d['exact']}" for d in sample["disagreements"][:10])
    if data["stale"]:
        lines.append(f"  market data older than the rule's threshold: {len(data['stale'])} (symbol, part)")
    if data["partitions"]:
        lines.append(f"  {data['partitions']} partitions on {data['workers']} workers")
    return "\n".join(lines) + "\n"
