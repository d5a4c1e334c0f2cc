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
    bound_problems, unsettled = _check_rows(doc, rows)
    problems.extend(bound_problems)
    continuity = data["continuity"]
    if "rate" in continuity:
        problems.extend(_check_continuity(doc, rows, continuity["rate"], continuity["amount"], columns, unsettled))
    effective = None
    if "effective" in data:
        try:
            effective = _dt.date.fromisoformat(data["effective"])
        except ValueError:
            problems.append(doc.diagnostic("MV402", f"{data['effective']!r} is not a calendar date", ("effective",)))
    try:
        basis_unit = parse_unit(data["basis"]["unit"])
    except UnitSyntaxError as exc:
        problems.append(doc.diagnostic(exc.code, str(exc), ("basis", "unit")))
        basis_unit = None
    if problems:
        return None, problems, raw
    table = TierTable(data["market"], bounds, effective, {"<basis>": basis_unit, **columns}, tuple(rows), str(path))
    return table, [], raw


def _check_rows(doc, rows) -> tuple[list[Diagnostic], set]:
    """The rows' bounds: caps above floors, no gaps, no overlaps, increasing; also the numbers of the rows whose
    floor is in question (continuity says nothing more about them: one root per mistake)."""
    out, bad_cap, unsettled = [], set(), set()
    for row in rows:
        if row.cap is not None and row.cap <= row.floor:
            bad_cap.add(row.number)
            out.append(doc.diagnostic("MV413", f"row {row.number}: cap {row.cap} is not above floor {row.floor}",
                                      ("rows", row.number - 1, "cap")))
    for before, after in zip(rows, rows[1:]):
        path = ("rows", after.number - 1, "floor")
        if before.number in bad_cap:
            continue  # the next floor cannot be judged against a cap already reported
        if after.floor != before.cap:
            unsettled.add(after.number)
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
    return out, unsettled


def _check_continuity(doc, rows, rate, amount, columns, unsettled=frozenset()) -> list[Diagnostic]:
    """Each row's maintenance amount is the previous row's, carried over the rate change at the row's floor.

    Each row is judged against the amount continuity gives from the *right* amount of the row before, so one
    mistyped amount is one problem (the rows after it are not reported again).
    """
    out = []
    for name in (rate, amount):
        if name not in columns:
            return [doc.diagnostic("MV417", f"continuity names column {name!r}, which is not declared",
                                   ("continuity",))]
    first = rows[0]
    carried = first.values.get(amount)  # the right amount of the row before, as continuity gives it
    if first.values.get(amount, 0) != 0 and first.floor == 0:
        carried = Fraction(0)
        out.append(doc.diagnostic("MV414", f"row 1 has {amount} {first.values[amount]}, but the first bracket's "
                                           "maintenance amount must be 0", ("rows", 0, amount),
                                  hint=f"write '{amount}: 0'"))
    for before, after in zip(rows, rows[1:]):
        if rate not in after.values or rate not in before.values or amount not in after.values \
                or carried is None:
            carried = after.values.get(amount)
            continue
        expected = after.floor * (after.values[rate] - before.values[rate]) + carried
        if after.values[amount] != expected and after.number not in unsettled:
            out.append(doc.diagnostic(
                "MV414", f"row {after.number}: {amount} is {_num(after.values[amount])} but continuity gives "
                         f"{_num(after.floor)} * ({_num(after.values[rate])} - {_num(before.values[rate])}) + "
                         f"{_num(carried)} = {_num(expected)}",
                ("rows", after.number - 1, amount),
                hint=f"write '{amount}: {_num(expected)}', or replace 'continuity' by "
                     "{exempt: <why the exchange's table is not continuous>}"))
        carried = after.values[amount] if after.number in unsettled else expected
    return out


def _num(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 30
        return format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")
