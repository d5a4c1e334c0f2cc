"""Parameters: constants with effective dates (a value in force from each date on), each with its source."""

from __future__ import annotations

from fractions import Fraction

import sympy

from verifier.model.symbols import Parameter
from verifier.read.rule.context import RuleContext


def read_parameters(ctx: RuleContext, raw: dict, prefix: tuple) -> dict:
    """The parameters declared under ``prefix`` (``parameters`` or a mode's): name -> Parameter.

    A parameter none of whose dates can be read is left out (its dates are reported).
    """
    out = {}
    for name, spec in raw.items():
        path = prefix + (name,)
        ctx.check_source(spec["source"], path + ("source",))
        unit = ctx.unit_of(spec["unit"], path + ("unit",)) if "unit" in spec else None
        values = _dated_values(ctx, spec["values"], path + ("values",))
        if not values:
            continue
        positive = all(v > 0 for _, v in values)
        out[name] = Parameter(name, unit, spec.get("meaning", name), spec["source"], tuple(values),
                              spec.get("note"), sympy.Symbol(name, real=True, positive=positive or None))
    return out


def _dated_values(ctx: RuleContext, raw: dict, path: tuple) -> list:
    """[(date, value)] in the order written; dates must be real and increasing."""
    values, previous = [], None
    for day, value in raw.items():
        date = ctx.date(day, path + (day,), at_key=True)
        if date is None:
            continue
        if previous is not None and date <= previous:
            ctx.error("MV403", f"effective date {day} is not after {previous.isoformat()}", path + (day,),
                      hint="list effective dates in increasing order", at_key=True)
        previous = date
        values.append((date, Fraction(value)))
    return values
