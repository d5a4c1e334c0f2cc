"""Strategies from rules: valid, exact, and leaning toward the places bugs live."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipped import SHIPPED_RULES
from verifier.model import in_domain
from verifier.read import load_rule
from verifier.verify.strategies import Case, from_rule, inputs_of

@pytest.mark.parametrize("rule_id", SHIPPED_RULES)
def test_from_rule_gives_exact_values_in_every_domain(rule_id):
    rule = load_rule(rule_id)
    for mode in rule.modes:
        view = rule.mode(mode)

        @settings(max_examples=30, derandomize=True, database=None, deadline=None)
        @given(from_rule(rule, mode))
        def check(case):
            assert isinstance(case, Case) and case.mode == mode
            for name, value in case.values.items():
                assert isinstance(value, Fraction), (name, value)
                assert in_domain(value, view.symbols[name].domain), (name, value)
                if view.symbols[name].one_of:
                    assert value in view.symbols[name].one_of

        check()


@pytest.mark.parametrize("rule_id", SHIPPED_RULES)
def test_every_input_is_drawn_inside_its_domain_never_left_out(rule_id):
    """A drawn value outside its symbol's domain is not dropped from the case (the properties would then evaluate
    the rule without it): a rate is drawn inside the domain, e.g. dYdX's MMF, which must be above 0."""
    rule = load_rule(rule_id)
    for mode in rule.modes:
        view = rule.mode(mode)
        names = set(inputs_of(rule, view))

        @settings(max_examples=30, derandomize=True, database=None, deadline=None)
        @given(from_rule(rule, mode))
        def check(case):
            assert set(case.values) == names, (mode, sorted(names - set(case.values)))

        check()


def test_tier_symbols_are_left_to_the_table_and_price_is_never_an_input():
    rule = load_rule("binance/usdm-perpetual")
    names = inputs_of(rule, rule.mode("isolated"))
    assert "MMR" not in names and "cum" not in names and "P" not in names
    assert {"EP", "q", "s", "WB"} <= set(names)


def test_draws_reach_tiny_and_huge_prices_and_tier_floors():
    rule = load_rule("binance/usdm-perpetual")
    seen = {"tiny": False, "huge": False, "floor": False}

    @settings(max_examples=300, derandomize=True, database=None, deadline=None)
    @given(from_rule(rule, "isolated"))
    def check(case):
        seen["tiny"] |= case.values["EP"] < Fraction(1, 10**6)
        seen["huge"] |= case.values["EP"] > 10**5
        seen["floor"] |= bool(case.notes)

    check()
    assert all(seen.values()), seen


def test_unknown_mode_is_refused_up_front():
    rule = load_rule("okx/linear-swap")
    with pytest.raises(KeyError):
        from_rule(rule, "portfolio")


def test_strategy_is_a_hypothesis_strategy():
    rule = load_rule("okx/linear-swap")
    assert isinstance(from_rule(rule, "cross"), st.SearchStrategy)
