"""Tier-table files: read, schema-check, and check the brackets themselves.

Checks the schema cannot express: rows increasing, no gaps, no overlaps, only the
last row unbounded, and the maintenance amount continuous across rows
(``cum_n = floor_n * (MMR_n - MMR_{n-1}) + cum_{n-1}``) unless the file says why not.
"""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction
from pathlib import Path

from verifier.errors import Diagnostic
from verifier.formula import UnitSyntaxError, parse_unit
from verifier.model.tiers import TierRow, TierTable
from verifier.read._schema import schema_diagnostics
from verifier.read._yaml import DocumentError, read_file
from verifier.read.tier_invariants import tier_table_problems
from verifier.read.today import today


def load_tier_table(path: Path) -> tuple[TierTable | None, list[Diagnostic], bytes]:
    """Read and check one tier file; returns the table (None if unusable), diagnostics and raw bytes."""
    try:
        doc = read_file(path)
    except DocumentError as exc:
        return None, exc.diagnostics, b""
    raw = doc.text.encode("utf-8")
    problems = schema_diagnostics(doc, "tiers")
    if problems:
        return None, problems, raw
    data = doc.data
    columns = {}
    for name, spec in data["columns"].items():
        try:
            columns[name] = parse_unit(spec["unit"])
        except UnitSyntaxError as exc:
            problems.append(doc.diagnostic(exc.code, str(exc), ("columns", name, "unit")))
    bounds = data["bounds"]
    rows = []
    for index, row in enumerate(data["rows"]):
        for column in columns:
            if column not in row:
                problems.append(doc.diagnostic("MV417", f"row {index + 1} has no value for column {column!r}",
                                               ("rows", index), hint="every row gives every declared column"))
        for key in row:
            if key not in columns and key not in ("floor", "cap"):
                problems.append(doc.diagnostic("MV417", f"row {index + 1} has undeclared column {key!r}",
                                               ("rows", index, key), hint="declare it under 'columns' with a unit",
                                               at_key=True))
        cap = row["cap"]
        rows.append(TierRow(index + 1, Fraction(row["floor"]), None if cap is None else Fraction(cap),
                            {k: Fraction(v) for k, v in row.items() if k not in ("floor", "cap")}))
    problems.extend(_check_rows(doc, rows))
    continuity = data["continuity"]
    if "rate" in continuity:
        problems.extend(_check_continuity(doc, rows, continuity["rate"], continuity["amount"], columns))
    problems.extend(_check_invariants(doc, data, rows))
    effective = None
    if "effective" in data:
        effective = _dated(doc, data["effective"], ("effective",), "MV406", problems)
    _dated(doc, data["source"]["retrieved"], ("source", "retrieved"), "MV405", problems)
    try:
        basis_unit = parse_unit(data["basis"]["unit"])
    except UnitSyntaxError as exc:
        problems.append(doc.diagnostic(exc.code, str(exc), ("basis", "unit")))
        basis_unit = None
    if problems:
        return None, problems, raw
    table = TierTable(data["market"], bounds, effective, {"<basis>": basis_unit, **columns}, tuple(rows), str(path),
                      continuity if "rate" in continuity else None)
    return table, [], raw


def _check_invariants(doc, data, rows) -> list[Diagnostic]:
    """The bracket invariants every table shares (:func:`verifier.read.tier_invariants.tier_table_problems`)."""
    roles = {spec.get("role"): name for name, spec in data["columns"].items() if spec.get("role")}
    rate = data["continuity"].get("rate") or roles.get("maintenance_rate")
    found = tier_table_problems([(row.number, row.values) for row in rows], rate=rate,
                                max_leverage=roles.get("max_leverage"))
    return [doc.diagnostic("MV419", message, ("rows", number - 1, column),
                           hint="check the row against the source; a rate is a fraction (0.5 % is 0.005)")
            for number, column, message in found]


def _dated(doc, text, path, code, problems):
    """The date ``text`` (None if unreadable); unreadable (MV402) or after today (MV405 retrieved, MV406
    effective) is reported."""
    try:
        day = _dt.date.fromisoformat(str(text))
    except ValueError:
        problems.append(doc.diagnostic("MV402", f"{text!r} is not a calendar date", path))
        return None
    if day > today():
        what = "retrieved" if code == "MV405" else "effective"
        problems.append(doc.diagnostic(code, f"{what} date {day.isoformat()} is after today ({today().isoformat()})",
                                       path, hint=FUTURE_HINTS[code]))
    return day


FUTURE_HINTS = {"MV405": "a page cannot have been read on a later day than today: check the year",
                "MV406": "undated evaluations use the latest value, so one not yet in force would answer for today; "
                         "check the year"}


def _check_rows(doc, rows) -> list[Diagnostic]:
    out = []
    for row in rows:
        if row.cap is not None and row.cap <= row.floor:
            out.append(doc.diagnostic("MV413", f"row {row.number}: cap {row.cap} is not above floor {row.floor}",
                                      ("rows", row.number - 1, "cap")))
    for before, after in zip(rows, rows[1:]):
        path = ("rows", after.number - 1, "floor")
        if before.cap is None:
            out.append(doc.diagnostic("MV415", f"row {before.number} is unbounded (cap: null) but is not the last row",
                                      ("rows", before.number - 1, "cap")))
        elif after.floor > before.cap:
            out.append(doc.diagnostic("MV411", f"gap between row {before.number} (cap {before.cap}) and row "
                                               f"{after.number} (floor {after.floor})", path,
                                      hint="each row's floor must equal the previous row's cap"))
        elif after.floor < before.cap:
            out.append(doc.diagnostic("MV412", f"row {after.number} (floor {after.floor}) overlaps row "
                                               f"{before.number} (cap {before.cap})", path,
                                      hint="each row's floor must equal the previous row's cap"))
        if after.floor <= before.floor:
            out.append(doc.diagnostic("MV413", f"rows are not in increasing order: row {after.number} floor "
                                               f"{after.floor} <= row {before.number} floor {before.floor}", path))
    return out


def _check_continuity(doc, rows, rate, amount, columns) -> list[Diagnostic]:
    out = []
    for name in (rate, amount):
        if name not in columns:
            return [doc.diagnostic("MV417", f"continuity names column {name!r}, which is not declared",
                                   ("continuity",))]
    first = rows[0]
    if first.values.get(amount, 0) != 0 and first.floor == 0:
        out.append(doc.diagnostic("MV414", f"row 1 has {amount} {first.values[amount]}, but the first bracket's "
                                           "maintenance amount must be 0", ("rows", 0, amount)))
    for before, after in zip(rows, rows[1:]):
        if rate not in after.values or rate not in before.values or amount not in after.values \
                or amount not in before.values:
            continue
        expected = after.floor * (after.values[rate] - before.values[rate]) + before.values[amount]
        if after.values[amount] != expected:
            out.append(doc.diagnostic(
                "MV414", f"row {after.number}: {amount} is {_num(after.values[amount])} but continuity gives "
                         f"{_num(after.floor)} * ({_num(after.values[rate])} - {_num(before.values[rate])}) + "
                         f"{_num(before.values[amount])} = {_num(expected)}",
                ("rows", after.number - 1, amount),
                hint="fix the amount, or replace 'continuity' by {exempt: <why the exchange's table is not continuous>}"))
    return out


def _num(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 30
        return format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")
