"""The invariants every bracket table must satisfy, whatever file it comes from (a tier file, a market catalog):
one function, :func:`tier_table_problems`, so that the two readers cannot drift apart.

* the maintenance rate never falls as the brackets grow (a larger position never needs a smaller share);
* where the table has a maximum-leverage column, each bracket's maintenance rate is below its initial rate
  1 / max leverage (a position opened at full leverage must not start out liquidatable).

Rows are ``(number, {column: Fraction})`` in bracket order; problems come back as ``(row number, column,
message)``: the caller places them in its own file (tier files: :mod:`verifier.read._tierfile`).

>>> from fractions import Fraction as F
>>> rows = [(1, {"MMR": F("0.004"), "lev": F(125)}), (2, {"MMR": F("0.003"), "lev": F(100)}),
...         (3, {"MMR": F("0.02"), "lev": F(50)})]
>>> for problem in tier_table_problems(rows, rate="MMR", max_leverage="lev"):
...     print(problem)
(2, 'MMR', 'the maintenance rate falls from 0.004 (row 1) to 0.003: a larger position may not need a smaller share')
(3, 'MMR', 'the maintenance rate 0.02 is not below the initial rate 1 / 50 = 0.02: a position opened at full leverage would start at its liquidation')
"""

from __future__ import annotations

from fractions import Fraction

from verifier.model.numbers import exact_text


def tier_table_problems(rows, *, rate: str | None, max_leverage: str | None = None) -> list:
    """(row number, column, message) for every broken invariant; ``rate``/``max_leverage``: the column names
    (None: the table has no such column, that invariant is not checked)."""
    out = []
    if rate is None:
        return out
    previous = None
    for number, values in rows:
        current = values.get(rate)
        if current is None:
            continue
        if previous is not None and current < previous[1]:
            out.append((number, rate, f"the maintenance rate falls from {exact_text(previous[1])} (row {previous[0]}) "
                                      f"to {exact_text(current)}: a larger position may not need a smaller share"))
        previous = (number, current)
        lev = values.get(max_leverage) if max_leverage else None
        if lev is not None and lev > 0 and current >= Fraction(1) / lev:
            out.append((number, rate, f"the maintenance rate {exact_text(current)} is not below the initial rate "
                                      f"1 / {exact_text(lev)} = {exact_text(Fraction(1) / lev)}: a position opened "
                                      "at full leverage would start at its liquidation"))
    return out
