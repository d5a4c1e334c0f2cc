"""The one way numbers become text: exact unless a rule or market says how to round.

It lives in the model so that every stage can write a number into a message (a refusal, an event, a
diagnostic) the same way; the report stage re-exports it (:mod:`verifier.report.numbers`).

Money and prices are :class:`~fractions.Fraction` values everywhere before this module.  A value whose
decimal expansion terminates is written exactly; one that does not (``1/3``) cannot be, so it is rounded
half-up at a stated number of places and :func:`is_exact` says so.  Rounding to a tick is the model's job
(:meth:`verifier.model.Display.round_price`); :func:`fixed_text` writes the rounded value with the tick's
decimals.

>>> decimal_text(Fraction(17, 16)), decimal_text(Fraction(-5, 2)), decimal_text(Fraction(7))
('1.0625', '-2.5', '7')
>>> decimal_text(Fraction(1, 3)), is_exact(Fraction(1, 3))
('0.333333333333333333', False)
>>> decimal_text(Fraction(1, 3), places=4), fixed_text(Fraction(5, 2), 2), fixed_text(Fraction(-1, 200), 2)
('0.3333', '2.50', '-0.01')
>>> approx_text(Fraction(1, 3)), approx_text(Fraction(1, 4)), fraction_text(Fraction(1, 3))
('~0.333333333333', '0.25', '1/3')
>>> exact_text(Fraction(1, 3)), exact_text(Fraction(1, 2**20))
('1/3', '0.00000095367431640625')
>>> grouped_text(Fraction(263168859, 10000)), grouped_text(Fraction(-10**6, 3), places=2)
('26,316.8859', '~-333,333.33')
"""

from __future__ import annotations

from fractions import Fraction

PLACES = 18
"""Decimal places of a value whose expansion does not terminate (Ethereum's wei scale; far below any tick)."""


_POWERS_OF_FIVE = {5 ** k: k for k in range(64)}
"""5**k -> k: the factors 5 of a report's denominators (10**18 at most, mostly) found by one look-up."""


def _terminating_places(value: Fraction) -> int | None:
    """How many decimals write ``value`` exactly, or None when its expansion does not terminate."""
    denominator, fives = value.denominator, 0
    twos = (denominator & -denominator).bit_length() - 1  # the factors 2 at once: the lowest set bit
    denominator >>= twos
    found = _POWERS_OF_FIVE.get(denominator)
    if found is not None:  # the common case: what is left is a power of 5 (1 included)
        return max(twos, found)
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    return max(twos, fives) if denominator == 1 else None


def is_exact(value, places: int | None = None) -> bool:
    """Whether :func:`decimal_text` writes ``value`` exactly (with at most ``places`` decimals, if given)."""
    digits = _terminating_places(Fraction(value))
    return digits is not None and (places is None or digits <= places)


def fixed_text(value, places: int) -> str:
    """``value`` rounded half-up (away from zero at the half) to exactly ``places`` decimals."""
    value = value if type(value) is Fraction else Fraction(value)
    numerator, denominator = value.numerator, value.denominator
    # int(|value| * 10**places + 1/2) in integers (Fraction arithmetic costs a report of many numbers dearly)
    integer = (2 * abs(numerator) * 10**places + denominator) // (2 * denominator)
    text = str(integer).rjust(places + 1, "0")
    text = text if places == 0 else text[:-places] + "." + text[-places:]
    return ("-" if numerator < 0 and integer else "") + text


def decimal_text(value, places: int | None = None) -> str | None:
    """The exact decimal of ``value`` when it has one within ``places`` (default :data:`PLACES`) decimals;
    otherwise ``value`` rounded half-up to that many places.  None stays None."""
    if value is None:
        return None
    value = value if type(value) is Fraction else Fraction(value)
    limit = PLACES if places is None else places
    numerator, denominator = value.numerator, value.denominator
    twos = (denominator & -denominator).bit_length() - 1  # _terminating_places, its common case written out
    fives = _POWERS_OF_FIVE.get(denominator >> twos)  # (a report writes some twenty numbers a position)
    digits = (twos if twos > fives else fives) if fives is not None else _terminating_places(value)
    if digits is not None and digits <= limit:  # exact: value * 10**digits is an integer, no rounding to do
        text = str(abs(numerator) * 10**digits // denominator)
        if digits:
            text = text.rjust(digits + 1, "0")
            text = text[:-digits] + "." + text[-digits:]
        return "-" + text if numerator < 0 else text
    text = fixed_text(value, limit)
    return text.rstrip("0").rstrip(".") if "." in text else text


def approx_text(value, places: int = 12) -> str:
    """For people: exact when it terminates within ``places`` decimals, else ``~`` and the rounded value."""
    value = Fraction(value)
    return decimal_text(value, places) if is_exact(value, places) else "~" + decimal_text(value, places)


def fraction_text(value) -> str:
    """``value`` as ``p/q`` (or an integer): exact for any rational, for programs that want no rounding."""
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def exact_text(value) -> str | None:
    """Never rounded: the whole decimal expansion when it terminates (however long), else ``p/q``.

    For logs and messages that must be exact (the simulator's events and refusals).  None stays None.
    """
    if value is None:
        return None
    value = Fraction(value)
    digits = _terminating_places(value)
    return fraction_text(value) if digits is None else fixed_text(value, digits)


def grouped_text(value, places: int = 8) -> str:
    """:func:`approx_text` with thousands separators in the integer part, for tables people read."""
    text = approx_text(value, places)
    mark, text = ("~", text[1:]) if text.startswith("~") else ("", text)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    integer, dot, decimals = text.partition(".")
    return f"{mark}{sign}{int(integer):,}{dot}{decimals}"
