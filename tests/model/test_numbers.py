"""The model's number texts (model/numbers.py) against the plain Fraction arithmetic they are defined by: rounding
half-up (away from zero at the half) to a number of places, written with exactly that many decimals."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from verifier.model.numbers import decimal_text, fixed_text


def by_fractions(value: Fraction, places: int) -> str:
    """fixed_text as first written, in Fraction arithmetic: the definition the integer version keeps."""
    integer = int(abs(value) * 10**places + Fraction(1, 2))
    text = str(integer).rjust(places + 1, "0")
    text = text if places == 0 else text[:-places] + "." + text[-places:]
    return ("-" if value < 0 and integer else "") + text


values = st.one_of(st.fractions(), st.integers(-10**30, 10**30).map(Fraction),
                   st.builds(Fraction, st.integers(-10**9, 10**9), st.sampled_from([2, 3, 8, 200, 10**6, 7 * 10**4])))


@given(values, st.integers(0, 20))
def test_fixed_text_rounds_as_the_fraction_arithmetic_does(value, places):
    assert fixed_text(value, places) == by_fractions(value, places)


@given(values)
def test_other_kinds_of_numbers_read_as_their_fraction(value):
    assert fixed_text(value.numerator, 3) == by_fractions(Fraction(value.numerator), 3)
    decimal = Decimal(value.numerator) / Decimal(8)
    assert decimal_text(decimal) == decimal_text(Fraction(decimal))


def test_halves_round_away_from_zero():
    assert [fixed_text(Fraction(n, 2), 0) for n in (-3, -1, 1, 3)] == ["-2", "-1", "1", "2"]
    assert fixed_text(Fraction(-1, 1000), 2) == "0.00" and fixed_text(Fraction(-5, 1000), 2) == "-0.01"


@given(st.integers(-10**30, 10**30), st.integers(0, 90), st.integers(0, 40), st.sampled_from([1, 3, 7, 11, 49]))
def test_a_value_is_written_with_as_many_decimals_as_its_denominator_needs(numerator, twos, fives, other):
    """decimal_text writes a terminating value exactly (its decimals: the larger count of 2s and 5s in its
    denominator, found here by division) and rounds any other to 18 places."""
    value = Fraction(numerator, 2**twos * 5**fives * other)
    denominator, needed = value.denominator, 0
    for prime in (2, 5):
        count = 0
        while denominator % prime == 0:
            denominator, count = denominator // prime, count + 1
        needed = max(needed, count)
    if denominator == 1 and needed <= 18:
        assert decimal_text(value) == fixed_text(value, needed)
    else:
        rounded = fixed_text(value, 18)
        assert decimal_text(value) == rounded.rstrip("0").rstrip(".")


@given(values, st.one_of(st.none(), st.integers(0, 20)))
def test_decimal_text_is_the_fixed_text_at_its_places(value, places):
    """An exact value is written at its own decimals (the integer shortcut), any other rounded at the limit."""
    text = decimal_text(value, places)
    limit = 18 if places is None else places
    digits = next((d for d in range(limit + 1) if (value * 10**d).denominator == 1), None)
    if digits is not None:
        assert text == by_fractions(value, digits)
    else:
        rounded = by_fractions(value, limit)
        assert text == (rounded.rstrip("0").rstrip(".") if "." in rounded else rounded)


def _places_by_division(value: Fraction):
    """How many decimals write ``value`` exactly, by dividing out every 2 and 5 (the definition the look-up of
    powers of five in model/numbers.py keeps)."""
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    return max(twos, fives) if denominator == 1 else None


@given(st.integers(-10**40, 10**40), st.integers(0, 80), st.integers(0, 80), st.sampled_from([1, 1, 3, 7, 9, 21]))
def test_terminating_places_are_those_of_dividing_out_twos_and_fives(numerator, twos, fives, other):
    from verifier.model.numbers import _terminating_places

    value = Fraction(numerator, 2**twos * 5**fives * other)
    assert _terminating_places(value) == _places_by_division(value)
