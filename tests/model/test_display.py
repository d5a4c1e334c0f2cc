"""Display rounding: every mode the rule schema allows, on and off the half-tick."""

from fractions import Fraction as F

import pytest

from verifier.model import Display

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
