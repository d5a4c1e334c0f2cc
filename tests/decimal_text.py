"""A terminating Fraction as its exact decimal text, for the tests that write exports the way an exchange prints
them (shared by the unified per-position simulated tests)."""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction


def dec(value: Fraction) -> str:
    """A terminating Fraction as its exact decimal text; refuses one that does not terminate within 80 digits.

    >>> dec(Fraction(1, 8)), dec(Fraction(-25125, 1))
    ('0.125', '-25125')
    """
    with localcontext() as context:
        context.prec = 80
        text = str(Decimal(value.numerator) / Decimal(value.denominator))
    assert Fraction(text) == value, f"{value} has no exact decimal text within 80 digits"
    return text
