"""The ranges a snapshot position's fields have whatever the exchange, without SymPy (the compiled snapshot check of
:mod:`verifier.read.account` reads them on the way to an evaluation that loads no SymPy); re-exported by
:mod:`verifier.model.snapshot`, the snapshot contract.

>>> range_problem("takerFeeRate", Fraction(1, 2000)), range_problem("maintenanceAmount", Fraction(-1))
(None, 'must be at least 0')
"""

from __future__ import annotations

from fractions import Fraction

FIELD_RANGES = {
    "maintenanceMarginPercentage": ((">", 0), ("<", 1)),
    "takerFeeRate": ((">=", 0), ("<", 1)),
    "maintenanceAmount": ((">=", 0),),
    "fundingRate": ((">", -1), ("<", 1)),
}
"""What a position's field is whatever the exchange (``(operator, bound)`` each): a maintenance rate is a fraction of
the notional between 0 and 1 (0 would never liquidate, 1 liquidates at once), a fee rate is below 1, a maintenance
amount (the bracket's deduction) is not negative, a funding rate is a fraction either way.  Both readers (snapshot and ccxt export) refuse a value outside."""


def range_problem(name: str, value: Fraction) -> str | None:
    """Why ``value`` cannot be field ``name`` (None when it can, or the field has no range).

    >>> range_problem("maintenanceMarginPercentage", Fraction(1)), range_problem("contracts", Fraction(-1))
    ('must be above 0 and below 1', None)
    """
    bounds = FIELD_RANGES.get(name, ())
    checks = {">": value.__gt__, ">=": value.__ge__, "<": value.__lt__}
    if all(checks[op](bound) for op, bound in bounds):
        return None
    words = {">": "above", ">=": "at least", "<": "below"}
    return "must be " + " and ".join(f"{words[op]} {bound}" for op, bound in bounds)
