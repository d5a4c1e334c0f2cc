"""ccxt's Position fields in columns, read as the rule's ``ccxt:`` mapping reads one export: each snapshot field
from its formula over unified fields and raw inputs, the margin mode, the side checked against the exchange's own,
the exchange's liquidation price.

The column form of :mod:`verifier.read.ccxt_export`, for a batch's Parquet rows (:mod:`verifier.read.position_table`):
whole columns at once, with NumPy and pyarrow.compute.  Where a row says something that reader would refuse or
explain (a value that is not a number, a side that disagrees, no margin mode), the row is flagged rather than
judged here: its account is then read by that reader from the row's values, which says what is wrong.

>>> import pyarrow as pa
>>> values, bad = numbers(pa.array(["1.5", "", None, "lots", " 2 "]))
>>> values.tolist(), bad.tolist()
([1.5, nan, nan, nan, 2.0], [False, False, False, True, False])
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from verifier.model.ccxt_mapping import CCXT_POSITION_NUMBERS
from verifier.model.column_formula import compile_columns
from verifier.model.position_columns import MARGIN_MODES
from verifier.model.snapshot import fields_of


@dataclass
class Rows:
    """What the rows of a chunk say, in columns (the rule's mapping applied)."""

    fields: dict  # snapshot field -> float64 (NaN: absent)
    side: np.ndarray  # 1, -1, NaN (not long or short)
    flat: np.ndarray  # bool: 0 contracts, skipped as evaluate skips them
    symbol: np.ndarray  # code into markets (-1: null)
    markets: list
    mode: np.ndarray  # 0 cross, 1 isolated, -1 unknown
    reported: np.ndarray | None
    numbers: dict  # the numeric columns read
    flags: np.ndarray  # bool: the exact reader must read the row


def read_rows(mapping, table, margin_mode) -> Rows:
    """Every row of ``table`` read under the rule's ``mapping`` (``margin_mode``: of rows that state none)."""
    n = table.num_rows
    flags = np.zeros(n, dtype=bool)
    values = {}
    inputs = {s.path.text for s in mapping.inputs.values()}
    for name in table.column_names:
        if name in CCXT_POSITION_NUMBERS or name in inputs or name == "walletBalance":
            values[name], bad = numbers(table.column(name))
            flags |= bad
    contracts = values["contracts"]
    flat = contracts == 0
    side_code = _index_in(_array(table.column("side")), ("long", "short")) if _is_text(table.column("side")) else \
        np.full(n, -1)
    side = np.where(side_code == 0, 1.0, np.where(side_code == 1, -1.0, np.nan))
    flags |= ~flat & (np.isnan(contracts) | (contracts < 0) | np.isnan(side))
    symbol, markets = _encode(table.column("symbol"))
    flags |= symbol < 0
    mode = _margin_modes(table, margin_mode, flags)
    flags |= _side_checks(mapping, table, side, values)
    fields = _mapped(mapping, table, values, mode, markets, symbol, flags)
    reported = _reported(mapping, table, flags)
    flags |= _own_values(mapping, table, values)
    if "hedged" in table.column_names:
        flags |= _bools(table.column("hedged"))  # a hedge pair: the exact path
    return Rows(fields, side, flat, symbol, markets, mode, reported, values, flags)


def numbers(column) -> tuple:
    """(float64 values, NaN where null or "", rows whose value is not a finite number)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    kind = array.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        values = np.asarray(array.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        present = np.asarray(array.is_valid().to_numpy(zero_copy_only=False))
        values = np.where(present, values, np.nan)
        return values, present & ~np.isfinite(values)
    if pa.types.is_null(kind):
        return np.full(len(array), np.nan), np.zeros(len(array), dtype=bool)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        trimmed = pc.utf8_trim_whitespace(array)
        blank = pc.equal(trimmed, "")
        cleaned = pc.if_else(blank, pa.scalar(None, type=trimmed.type), trimmed)
        try:
            values = np.asarray(cleaned.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
            present = np.asarray(cleaned.is_valid().to_numpy(zero_copy_only=False))
            values = np.where(present, values, np.nan)
            return values, present & ~np.isfinite(values)
        except pa.ArrowInvalid:
            return _parsed(cleaned.to_pylist())
    present = np.asarray(array.is_valid().to_numpy(zero_copy_only=False))
    return np.full(len(array), np.nan), present  # a bool, a list...: not a number


def _parsed(values) -> tuple:
    out, bad = np.full(len(values), np.nan), np.zeros(len(values), dtype=bool)
    for i, text in enumerate(values):
        if text is None:
            continue
        try:
            out[i] = float(Fraction(text))
        except (ValueError, ZeroDivisionError, OverflowError):
            bad[i] = True
    return out, bad


def _is_text(column) -> bool:
    return pa.types.is_string(column.type) or pa.types.is_large_string(column.type)


def _bools(column) -> np.ndarray:
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_boolean(array.type):
        return np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    return np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)  # not a bool: let exact say


def _encode(column) -> tuple:
    """(code per row, -1 where null or not text; the distinct values)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return np.full(len(array), -1, dtype=np.int64), []
    encoded = pc.dictionary_encode(array)
    return (np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64),
            encoded.dictionary.to_pylist())


def settle_of(symbol: str) -> str | None:
    """The settlement currency of ``BASE/QUOTE:SETTLE[-EXPIRY...]`` (as the ccxt export reader finds it)."""
    _, _, rest = symbol.partition(":")
    return rest.split("-")[0] or None


def _margin_modes(table, default, flags) -> np.ndarray:
    """Per row: 0 cross, 1 isolated, -1 unknown (flagged: the exact reader says why: MV601, MV611, MV612)."""
    n = table.num_rows
    default_code = MARGIN_MODES.index(default) if default in MARGIN_MODES else -1
    stated = np.full(n, -1, dtype=np.int64)
    given = np.zeros(n, dtype=bool)
    if "marginMode" in table.column_names:
        column = _array(table.column("marginMode"))
        given = _valid(column)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            stated = _index_in(column, MARGIN_MODES)
        flags |= given & (stated < 0)
    from_flag = np.full(n, -1, dtype=np.int64)
    if "isolated" in table.column_names:
        column = _array(table.column("isolated"))
        known = _valid(column)
        if pa.types.is_boolean(column.type):
            value = np.asarray(column.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
            from_flag = np.where(known, value.astype(np.int64), -1)
        else:
            flags |= known
    flags |= given & (from_flag >= 0) & (stated != from_flag)
    code = np.where(given, stated, np.where(from_flag >= 0, from_flag, default_code))
    flags |= code < 0
    return code


def _side_checks(mapping, table, side, values) -> np.ndarray:
    """Rows whose exchange fields disagree with the unified side (the exact reader explains, MV611)."""
    n = table.num_rows
    bad = np.zeros(n, dtype=bool)
    for check in mapping.side_checks:
        applies = np.ones(n, dtype=bool)
        if check.when is not None:
            path, value = check.when
            if path.text not in table.column_names:
                continue
            applies &= _index_in(_as_text(table.column(path.text)), (value,)) == 0
        if check.path.text not in table.column_names:
            continue
        if check.signed:
            size = values.get(check.path.text)
            if size is None:
                size, unreadable = numbers(table.column(check.path.text))
                bad |= applies & unreadable
            says = np.sign(size)
            bad |= applies & ~np.isnan(size) & (says != 0) & (says != side)
        else:
            raw = _as_text(table.column(check.path.text))
            present = _valid(raw)
            neither = _index_in(raw, check.neither) >= 0
            says = np.where(_index_in(raw, check.long) >= 0, 1.0,
                            np.where(_index_in(raw, check.short) >= 0, -1.0, np.nan))
            bad |= applies & present & ~neither & (says != side)
    return bad


def _array(column) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _valid(array) -> np.ndarray:
    return np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _index_in(array, values) -> np.ndarray:
    """Per row: the index of its value in ``values`` (-1: none of them, or null)."""
    if not values:
        return np.full(len(array), -1, dtype=np.int64)
    found = pc.index_in(array, value_set=pa.array(list(values), type=array.type))
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _as_text(column) -> pa.Array:
    """A column as text, each value as ``str()`` writes it (the exact reader compares raw values so)."""
    array = _array(column)
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return array
    return pa.array([None if v is None else str(v) for v in array.to_pylist()], type=pa.string())


def _mapped(mapping, table, values, mode, markets, symbol_codes, flags) -> dict:
    """The snapshot fields the rule's mapping reads from each row (NaN where a field it uses is absent)."""
    n = table.num_rows
    env = {name: values[name] for name in CCXT_POSITION_NUMBERS if name in values}
    for name, spec in mapping.inputs.items():
        if spec.path.text in values:
            env[name] = values[spec.path.text]
    currency = np.array([settle_of(m) for m in markets] + [None], dtype=object)[symbol_codes]
    out = {}
    with np.errstate(all="ignore"):
        for target, reading in mapping.position.items():
            value = np.full(n, np.nan)
            for code, margin_mode in enumerate(MARGIN_MODES):
                for settle in (set(currency) if reading.settle else {None}):
                    formula = reading.formula(margin_mode, settle)
                    if formula is None:
                        continue
                    rows = mode == code
                    if reading.settle:
                        rows &= currency == settle
                    used = fields_of(formula[1])
                    if not rows.any() or not used <= set(env):
                        continue
                    present = np.logical_and.reduce([~np.isnan(env[f]) for f in used]) if used else np.ones(n, bool)
                    result = np.broadcast_to(np.asarray(compile_columns(formula[1])(env), dtype=np.float64), (n,))
                    flags |= rows & present & ~np.isfinite(result)
                    value = np.where(rows & present, result, value)
            out[target] = value
    return out


def _reported(mapping, table, flags):
    """The exchange's liquidation price (NaN: none; 0, "" and the rule's sentinels say none), or None when the table
    has no such column."""
    name = mapping.reported.path.text if mapping.reported is not None else "liquidationPrice"
    if name not in table.column_names:
        return None
    values, bad = numbers(table.column(name))
    flags |= bad
    none = np.isin(values, [float(v) for v in mapping.reported_none]) if mapping.reported_none else False
    return np.where((values > 0) & ~none, values, np.nan)


def _own_values(mapping, table, values) -> np.ndarray:
    """Rows that name the tier their exchange puts them in (the section's ``market:`` naming the tier table's cap),
    which the evaluation uses before the row their value falls in: the exact reader reads them, as evaluate does."""
    n = table.num_rows
    flags = np.zeros(n, dtype=bool)
    readings = [mapping.tier] if mapping.tier is not None else []
    paths = {name: spec.path.text for name, spec in mapping.inputs.items() if spec.path is not None}
    for reading in readings:
        for _, expr in reading.formulas.values():
            for name in fields_of(expr):
                column = values.get(paths.get(name, name))
                if column is not None:
                    flags |= ~np.isnan(column)
                elif paths.get(name) in table.column_names or name in table.column_names:
                    flags |= np.ones(n, dtype=bool)  # present but not read as numbers here: let the exact path judge
    return flags
