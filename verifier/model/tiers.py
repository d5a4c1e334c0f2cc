"""Tier (bracket) tables: which maintenance rate and amount apply to a given notional, and what makes a table sound.

A table belongs to one market of a market catalog (:mod:`verifier.model.market`), in one dated version.
:func:`table_problems` states the invariants every table must meet; the reading stage reports them at the row and
column of the catalog file, ``import`` at the JSON path of the ccxt dump.

>>> t = TierTable("BTC/USDT:USDT", "[floor, cap)", None, {}, (
...     TierRow(1, Fraction(0), Fraction(50000), {"MMR": Fraction(4, 1000)}),
...     TierRow(2, Fraction(50000), None, {"MMR": Fraction(5, 1000)})), "t.yaml")
>>> t.row_for(Fraction(50000)).number
2
>>> t.row_for(Fraction(49999)).number
1
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from fractions import Fraction

from verifier.errors import EvaluationError


@dataclass(frozen=True)
class TierRow:
    """One bracket: ``floor``/``cap`` on the basis (``cap`` None = unbounded) and its column values."""

    number: int
    floor: Fraction
    cap: Fraction | None
    values: dict

    def contains(self, basis: Fraction, bounds: str) -> bool:
        if bounds == "[floor, cap)":
            return self.floor <= basis and (self.cap is None or basis < self.cap)
        return self.floor < basis and (self.cap is None or basis <= self.cap)


@dataclass(frozen=True)
class TierTable:
    """The brackets of one market in one version, with the bound convention they use.

    ``effective`` is the first date the table is known to be in force; ``file`` the catalog file it was read from.
    """

    market: str
    bounds: str
    effective: object
    columns: dict  # column name -> Unit ('<basis>' -> the basis's unit)
    rows: tuple
    file: str

    def row_for(self, basis: Fraction) -> TierRow | None:
        """The row whose interval holds ``basis``, or None when no row does."""
        for row in self.rows:
            if row.contains(basis, self.bounds):
                return row
        return None


@dataclass(frozen=True)
class TierProblem:
    """One broken invariant: a stable code, the row (0-based) and column it is in, the message and a hint."""

    code: str
    row: int
    column: str
    message: str
    hint: str | None = None


def table_problems(rows, *, rate: str | None = None, amount: str | None = None,
                   max_leverage: str | None = None) -> list[TierProblem]:
    """Every broken invariant of ``rows`` (:class:`TierRow`, in order).

    Rows: each cap above its floor (MV413), floors increasing (MV413), no gap (MV411) or overlap (MV412) between
    neighbours, only the last row unbounded (MV415).  With ``rate`` and ``amount`` columns: the first amount 0 and
    every later one continuous, ``amount_n = floor_n * (rate_n - rate_(n-1)) + amount_(n-1)`` (MV414); the rate
    never decreasing (MV805).  With a ``max_leverage`` column: the rate below the bracket's initial rate
    ``1 / max_leverage`` (MV806), or the position would be liquidated as it opens.

    >>> rows = [TierRow(1, Fraction(0), Fraction(10), {"r": Fraction(1, 100), "a": Fraction(0), "L": Fraction(50)}),
    ...         TierRow(2, Fraction(10), None, {"r": Fraction(1, 50), "a": Fraction(1, 5), "L": Fraction(60)})]
    >>> [p.code for p in table_problems(rows, rate="r", amount="a", max_leverage="L")]
    ['MV414', 'MV806']
    """
    out, unsettled = _bound_problems(rows)
    if rate and amount:
        out += _continuity_problems(rows, rate, amount, unsettled)
    if rate:
        for before, after in zip(rows, rows[1:]):
            if rate in before.values and rate in after.values and after.values[rate] < before.values[rate]:
                out.append(TierProblem("MV805", after.number - 1, rate,
                                       f"row {after.number}: {rate} {_num(after.values[rate])} is below row "
                                       f"{before.number}'s {_num(before.values[rate])}",
                                       "maintenance rates never fall as the bracket grows"))
    if rate and max_leverage:
        for row in rows:
            mmr, lev = row.values.get(rate), row.values.get(max_leverage)
            if mmr is not None and lev is not None and lev > 0 and not mmr < 1 / lev:
                out.append(TierProblem("MV806", row.number - 1, rate,
                                       f"row {row.number}: {rate} {_num(mmr)} is not below the initial rate "
                                       f"1/{_num(lev)} of its maximum leverage",
                                       "a position opened at the maximum leverage would be liquidated at once"))
    return out


def continuous_amounts(rows, rate: str) -> list[Fraction]:
    """The maintenance amount of each row that makes ``notional * rate - amount`` continuous: 0 in the first row,
    then ``amount_n = floor_n * (rate_n - rate_(n-1)) + amount_(n-1)``.  It equals charging each row's rate on the
    part of the notional inside that row (a gradient maintenance margin), for exchanges that publish the rates of
    their brackets but not the amounts (``derived: continuity`` in a catalog header).

    >>> rows = [TierRow(1, Fraction(0), Fraction(1000000), {"MMR": Fraction(4, 1000)}),
    ...         TierRow(2, Fraction(1000000), Fraction(2000000), {"MMR": Fraction(8, 1000)})]
    >>> continuous_amounts(rows, "MMR")
    [Fraction(0, 1), Fraction(4000, 1)]
    >>> Fraction(1200000) * Fraction(8, 1000) - 4000 == 1000000 * Fraction(4, 1000) + 200000 * Fraction(8, 1000)
    True
    """
    amounts: list[Fraction] = []
    for before, row in zip((None, *rows), rows):
        amounts.append(Fraction(0) if before is None else
                       row.floor * (row.values[rate] - before.values[rate]) + amounts[-1])
    return amounts


def _bound_problems(rows) -> tuple[list[TierProblem], set]:
    """The rows' bounds: caps above floors, no gaps, no overlaps, increasing; also the numbers of the rows whose
    floor is in question (continuity says nothing more about them: one root per mistake)."""
    out, bad_cap, unsettled = [], set(), set()
    for row in rows:
        if row.cap is not None and row.cap <= row.floor:
            bad_cap.add(row.number)
            out.append(TierProblem("MV413", row.number - 1, "cap",
                                   f"row {row.number}: cap {_num(row.cap)} is not above floor {_num(row.floor)}"))
    same = "each row's floor must equal the previous row's cap"
    for before, after in zip(rows, rows[1:]):
        index = after.number - 1
        if before.number in bad_cap:
            continue  # the next floor cannot be judged against a cap already reported
        if after.floor != before.cap:
            unsettled.add(after.number)
        if before.cap is None:
            out.append(TierProblem("MV415", before.number - 1, "cap",
                                   f"row {before.number} is unbounded (cap: null) but is not the last row"))
        elif after.floor > before.cap:
            out.append(TierProblem("MV411", index, "floor", f"gap between row {before.number} (cap "
                                   f"{_num(before.cap)}) and row {after.number} (floor {_num(after.floor)})", same))
        elif after.floor < before.cap:
            out.append(TierProblem("MV412", index, "floor", f"row {after.number} (floor {_num(after.floor)}) "
                                   f"overlaps row {before.number} (cap {_num(before.cap)})", same))
        if after.floor <= before.floor:
            out.append(TierProblem("MV413", index, "floor", f"rows are not in increasing order: row {after.number} "
                                   f"floor {_num(after.floor)} <= row {before.number} floor {_num(before.floor)}"))
    return out, unsettled


def _continuity_problems(rows, rate: str, amount: str, unsettled=frozenset()) -> list[TierProblem]:
    """Each row's maintenance amount is the previous row's, carried over the rate change at the row's floor.

    Each row is judged against the amount continuity gives from the *right* amount of the row before, so one
    mistyped amount is one problem (the rows after it are not reported again), and the hint says what to write.

    >>> rows = [TierRow(1, Fraction(0), Fraction(10), {"r": Fraction(1, 100), "a": Fraction(0)}),
    ...         TierRow(2, Fraction(10), Fraction(20), {"r": Fraction(2, 100), "a": Fraction(1)}),
    ...         TierRow(3, Fraction(20), None, {"r": Fraction(3, 100), "a": Fraction(3, 10)})]
    >>> [(p.row, p.hint.split(",")[0]) for p in _continuity_problems(rows, "r", "a")]
    [(1, "write 'a: 0.1'")]
    """
    out = []
    first = rows[0] if rows else None
    carried = first.values.get(amount) if first is not None else None  # the right amount of the row before
    if first is not None and first.floor == 0 and first.values.get(amount, 0) != 0:
        carried = Fraction(0)
        out.append(TierProblem("MV414", 0, amount, f"row 1 has {amount} {_num(first.values[amount])}, but the "
                                                   "first bracket's maintenance amount must be 0",
                               f"write '{amount}: 0'"))
    for before, after in zip(rows, rows[1:]):
        if not all(name in row.values for name in (rate, amount) for row in (before, after)) or carried is None:
            carried = after.values.get(amount)
            continue
        expected = after.floor * (after.values[rate] - before.values[rate]) + carried
        if after.values[amount] != expected and after.number not in unsettled:
            out.append(TierProblem(
                "MV414", after.number - 1, amount,
                f"row {after.number}: {amount} is {_num(after.values[amount])} but continuity gives "
                f"{_num(after.floor)} * ({_num(after.values[rate])} - {_num(before.values[rate])}) + "
                f"{_num(carried)} = {_num(expected)}",
                f"write '{amount}: {_num(expected)}', or declare the catalog's tiers without 'continuity' and say "
                "why in a note"))
        carried = after.values[amount] if after.number in unsettled else expected
    return out


def _num(value: Fraction) -> str:
    """A number in a message: its exact decimal when it has one (tier values do), else p/q.

    >>> _num(Fraction(13, 2000)), _num(Fraction(-3)), _num(Fraction(1, 3))
    ('0.0065', '-3', '1/3')
    """
    value = Fraction(value)
    for places in range(41):
        scaled = value * 10**places
        if scaled.denominator == 1:
            digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
            text = digits if places == 0 else f"{digits[:-places]}.{digits[-places:]}"
            return ("-" if value < 0 else "") + text
    return f"{value.numerator}/{value.denominator}"


@dataclass(frozen=True)
class TierSet:
    """The rule's tier machinery: the basis formula, and the tier tables of its market catalog.

    ``table(market, date)`` is the version in force on ``date`` (the latest when None); ``tables`` the latest
    version of every market that has one.  :meth:`lookup` raises a coded error saying what is missing.
    """

    basis_text: str
    basis_definition: str | None  # name of the definition used as basis, when it is a bare name
    catalog: object  # verifier.model.market.Catalog
    source: str | None

    @property
    def tables(self) -> dict:
        """market -> the latest :class:`TierTable` (markets without tiers are left out)."""
        return self.catalog.latest_tables()

    def table(self, market: str | None, date: _dt.date | None = None) -> TierTable | None:
        """The table of ``market`` in force on ``date``; None when there is none (or no market and several)."""
        if market is None:
            names = self.catalog.tiered_symbols()
            if len(names) != 1:
                return None
            market = names[0]
        found = self.catalog.market(market)
        version = found.tiers_at(date) if found is not None else None
        return version.table if version is not None else None

    def lookup(self, market: str | None, date: _dt.date | None = None) -> TierTable:
        """:meth:`table`, or an :class:`EvaluationError` saying why there is none (MV606 / MV607)."""
        table = self.table(market, date)
        if table is not None:
            return table
        if market is None:
            raise EvaluationError("name a market to pick a tier table: the catalog has "
                                  f"{len(self.catalog.tiered_symbols())} markets with tiers", code="MV606")
        found = self.catalog.market(market)
        if found is None or not found.tiers:
            raise EvaluationError(f"the market catalog {self.catalog.id} has no tier table for market {market!r}",
                                  code="MV606", hint=self.catalog.import_hint(market))
        first = found.tiers[0].provenance.effective.isoformat()
        raise EvaluationError(f"the tier table of {market} is known from {first} only, not on {date.isoformat()}",
                              code="MV607", hint=f"choose a date on or after {first}, or import older tiers")
