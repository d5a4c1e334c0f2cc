"""Display rounding: every mode the rule schema allows, on and off the half-tick."""

from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifier.model import Display
from verifier.model.numbers import fixed_text

CASES = {  # price -> expected at tick 0.01, per mode
    "half-up": {"1.005": "1.01", "1.015": "1.02", "1.004": "1.00", "1.0061": "1.01"},
    "half-even": {"1.005": "1.00", "1.015": "1.02", "1.004": "1.00", "1.0061": "1.01"},
    "down": {"1.005": "1.00", "1.019": "1.01", "1.01": "1.01"},
    "up": {"1.001": "1.01", "1.01": "1.01", "1.019": "1.02"},
    "toward-zero": {"1.019": "1.01", "-1.019": "-1.01", "1.01": "1.01"},
}


@pytest.mark.parametrize("mode", sorted(CASES))
def test_round_price(mode):
    display = Display(F("0.01"), mode)
    for price, expected in CASES[mode].items():
        assert display.round_price(F(price)) == F(expected), (mode, price)


def test_no_tick_leaves_the_price_exact():
    assert Display().round_price(F(1, 3)) == F(1, 3)
    assert Display().price_decimals is None and Display(F("0.5"), "down").price_decimals == 1


def by_fractions(display: Display, price: F) -> F:
    """round_price as first written, in Fraction arithmetic: the definition the integer version keeps."""
    units = price / display.price_tick
    floor = units.numerator // units.denominator
    rest = units - floor
    mode = display.price_rounding or "half-up"
    n = {"half-up": floor + (rest >= F(1, 2)),
         "half-even": floor + (rest > F(1, 2) or (rest == F(1, 2) and floor % 2 == 1)),
         "down": floor, "up": floor + (rest > 0), "toward-zero": floor + (rest > 0 and units < 0)}[mode]
    return n * display.price_tick


ticks = st.builds(lambda n, e: F(n, 10**e), st.sampled_from([1, 2, 5, 25]), st.integers(0, 8))
prices = st.one_of(st.fractions(), st.builds(F, st.integers(-10**12, 10**12), st.sampled_from([1, 2, 3, 10**4, 7])))


@given(ticks, st.sampled_from([None, *sorted(CASES)]), prices)
def test_rounding_in_integers_is_the_fraction_arithmetic(tick, mode, price):
    display = Display(tick, mode)
    rounded = by_fractions(display, price)
    assert display.round_price(price) == rounded
    assert display.price_text(price) == fixed_text(rounded, display.price_decimals)
