"""Parameters: constants with effective dates (a value in force from each date on), each with its source."""

from __future__ import annotations

from fractions import Fraction

import sympy

from verifier.model.numbers import exact_text
from verifier.model.symbols import DomainSyntaxError, Parameter, in_domain, parse_domain
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
        domain = _domain(ctx, spec, path, values)
        positive = all(v > 0 for _, v in values)
        out[name] = Parameter(name, unit, spec.get("meaning", name), spec["source"], tuple(values),
                              spec.get("note"), sympy.Symbol(name, real=True, positive=positive or None), domain)
    return out


def _domain(ctx: RuleContext, spec: dict, path: tuple, values: list) -> tuple:
    """The parameter's declared domain; every value outside it is reported (MV407): a rate of 0.5 written for
    0.005 is a typo the domain catches."""
    try:
        domain = parse_domain(spec.get("domain"))
    except DomainSyntaxError as exc:
        ctx.error(exc.code, str(exc), path + ("domain",))
        return ()
    for since, value in values:
        if not in_domain(value, domain):
            key = "open" if since is None else since.isoformat()
            ctx.error("MV407", f"value {exact_text(value)} is outside the parameter's domain {spec['domain']!r}",
                      path + ("values", key), hint="check the decimal point and the unit (a rate of 0.5 % is 0.005)")
    return domain


def _dated_values(ctx: RuleContext, raw: dict, path: tuple) -> list:
    """[(date, value)] in the order written; dates must be real and increasing; the first may be 'open' (None)."""
    values, previous = [], None
    for index, (day, value) in enumerate(raw.items()):
        if day == "open":
            if index:
                ctx.error("MV403", "only the first value can be 'open' (in force as far back as the rule answers)",
                          path + (day,), at_key=True)
                continue
            values.append((None, Fraction(value)))
            continue
        date = ctx.date(day, path + (day,), at_key=True)
        if date is None:
            continue
        if previous is not None and date <= previous:
            ctx.error("MV403", f"effective date {day} is not after {previous.isoformat()}", path + (day,),
                      hint="list effective dates in increasing order", at_key=True)
        previous = date
        values.append((date, Fraction(value)))
    return values
