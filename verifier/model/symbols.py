"""Symbols and parameters: the named quantities a rule's formulas are written in.

>>> parse_domain("> 0 and <= 1")
(('>', Fraction(0, 1)), ('<=', Fraction(1, 1)))
>>> p = Parameter("theta", None, "liquidation threshold", "src", ((_d("2019-01-01"), Fraction(11, 10)),), None, None)
>>> p.value_at(_d("2020-05-05"))
Fraction(11, 10)
>>> p.value_at(_d("2000-01-01"))
Traceback (most recent call last):
...
verifier.errors.EvaluationError: parameter 'theta' has no value on 2000-01-01: its first effective date is 2019-01-01
>>> Parameter("x", None, "a switch", "src", ((None, Fraction(0)), (_d("2025-05-22"), Fraction(1))), None,
...           None).value_at(_d("2000-01-01"))
Fraction(0, 1)
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from verifier.errors import EvaluationError, SpecError
from verifier.formula import Unit

_DOMAIN_PART = re.compile(r"^\s*(>=|>|<=|<|!=)\s*(-?[0-9.]+)\s*$")


def _d(text: str) -> _dt.date:
    return _dt.date.fromisoformat(text)


class DomainSyntaxError(SpecError, ValueError):
    """A symbol's ``domain`` text is not comparisons joined by 'and' (``MV205``)."""

    code = "MV205"


def parse_domain(text: str | None) -> tuple:
    """Parse ``"> 0 and <= 1"`` into ``(("<op>", Fraction), ...)``; empty for no domain.

    Raises :class:`DomainSyntaxError` on anything else.
    """
    if not text:
        return ()
    parts = []
    for piece in text.split(" and "):
        match = _DOMAIN_PART.match(piece)
        if not match:
            raise DomainSyntaxError(f"cannot read domain part {piece.strip()!r}; write e.g. '> 0' or '>= 0 and < 1'")
        parts.append((match.group(1), Fraction(match.group(2))))
    return tuple(parts)


def in_domain(value: Fraction, domain: tuple) -> bool:
    """Whether ``value`` satisfies every part of a parsed domain."""
    checks = {">": value.__gt__, ">=": value.__ge__, "<": value.__lt__, "<=": value.__le__, "!=": value.__ne__}
    return all(checks[op](bound) for op, bound in domain)


def make_sympy_symbol(name: str, domain: tuple, one_of: tuple | None) -> sympy.Symbol:
    """A SymPy symbol carrying what the rule says about its sign (helps simplification and solving)."""
    assumptions = {"real": True}
    lows = [(op, bound) for op, bound in domain if op in (">", ">=")]
    if any(op == ">" and bound >= 0 or op == ">=" and bound > 0 for op, bound in lows):
        assumptions["positive"] = True
    elif any(op == ">=" and bound == 0 for op, bound in lows):
        assumptions["nonnegative"] = True
    if one_of:
        if all(Fraction(v).denominator == 1 for v in one_of):
            assumptions["integer"] = True
        if all(v != 0 for v in one_of):
            assumptions["nonzero"] = True
        if all(v > 0 for v in one_of):
            assumptions["positive"] = True
    return sympy.Symbol(name, **assumptions)


SYMBOL_ROLES = {
    "side": "+1 for a long, -1 for a short",
    "entry": "the position's entry price",
    "size": "the position's size (coins, contracts, lots or the quote face value)",
    "price": "a price other than the entry price, in the price symbol's unit",
    "leverage": "the leverage chosen for the position, from 1 to the maximum leverage",
    "max_leverage": "the market's maximum leverage; caps the leverage drawn with it",
    "rate": "a fraction such as a fee or maintenance margin rate (0 to 20 %)",
    "ratio": "a dimensionless number that is not a rate",
    "money": "an amount that is never negative (a balance, a margin, a sum of margins)",
    "signed_money": "an amount that may be negative (a PnL, a bracket's deduction)",
    "choice": "one of a listed set of values other than a side",
}
"""What a symbol is, for test generation: role -> meaning.  A symbol declares its ``role`` where its unit, domain,
``one_of``, ``others`` and snapshot reading cannot tell (the schema lists the same values)."""


@dataclass(frozen=True)
class SymbolSpec:
    """A declared symbol: unit, meaning, where its value comes from, and (optionally) its declared role."""

    name: str
    unit: Unit
    meaning: str
    domain: tuple = ()
    one_of: tuple | None = None
    from_tiers: str | None = None  # the tier column that supplies it, when it comes from tiers
    others: str | None = None  # the definition summed over the account's other positions
    snapshot: dict = field(default_factory=dict)  # account kind ('cross'/'isolated'/'*') -> formula text
    source: str | None = None
    sympy: object = None
    readings: dict = field(default_factory=dict)  # account kind -> the reading parsed over model.snapshot fields
    role: str | None = None  # one of SYMBOL_ROLES, when the rule declares it
    market: str | None = None  # the market-catalog field that supplies it when the position does not

    def snapshot_formula(self, account: str) -> str | None:
        """The snapshot reading for this account kind ('cross' or 'isolated'), as written, if any."""
        return self.snapshot.get(account) or self.snapshot.get("*")

    def reading(self, account: str):
        """The snapshot reading for this account kind as a SymPy expression over ``FIELD_SYMBOLS``, if any."""
        return self.readings.get(account) if account in self.readings else self.readings.get("*")


@dataclass(frozen=True)
class Parameter:
    """A constant with effective dates: ``values`` is ``((date, value), ...)`` in increasing date order.

    The first date may be None: the rule file wrote ``open`` (the first value held as far back as the rule
    answers, because the change is dated but the start of the earlier regime is not).  ``domain`` is what the
    value can plausibly be (parsed like a symbol's); every value is checked against it when the rule is read.
    """

    name: str
    unit: Unit | None
    meaning: str
    source: str
    values: tuple
    note: str | None
    sympy: object
    domain: tuple = ()

    def value_at(self, date: _dt.date | None = None) -> Fraction:
        """The value in force on ``date`` (the latest value when ``date`` is None).

        Raises :class:`~verifier.errors.EvaluationError` (``MV404``) when ``date`` is before the first effective
        date: the rule says nothing about that day, and guessing a value would change the answer.
        """
        if date is None:
            return self.values[-1][1]
        current = None
        for since, value in self.values:
            if since is None or since <= date:
                current = value
        if current is None:
            first = self.values[0][0].isoformat()
            raise EvaluationError(f"parameter {self.name!r} has no value on {date.isoformat()}: its first effective "
                                  f"date is {first}", code="MV404",
                                  hint=f"choose a date on or after {first}")
        return current
