"""The simulator evaluates the formula language's conditional expression (``x if c else y``) exactly, running only
the branch its condition picks: a branch that divides by zero where it does not apply is never computed."""

from fractions import Fraction

import sympy

from verifier.read import load_rule
from verifier.simulate.compiled import INFINITY, compile_expr
from verifier.verify.properties._exact import compiled_rule

a, b, c = sympy.symbols("a b c")


def test_only_the_chosen_branch_is_evaluated():
    f = compile_expr(sympy.Piecewise((a, sympy.Eq(b, 0)), (a / b, True)))
    assert f({a: Fraction(3), b: Fraction(0)}) == 3
    assert f({a: Fraction(3), b: Fraction(4)}) == Fraction(3, 4)


def test_conditions_combine_and_nest_and_read_keyed_values():
    expr = sympy.Piecewise((c, sympy.Or(sympy.Eq(b, 0), a <= 1)),
                           (sympy.Piecewise((1, a >= b), (c + (1 - c) * (a - 1) / (b - 1), True)), True))
    f = compile_expr(expr, key=lambda s: s.name)
    assert f({"a": Fraction(5), "b": Fraction(0), "c": Fraction(1, 5)}) == Fraction(1, 5)
    assert f({"a": Fraction(1, 2), "b": Fraction(2), "c": Fraction(1, 5)}) == Fraction(1, 5)
    assert f({"a": Fraction(3), "b": Fraction(2), "c": Fraction(1, 5)}) == 1
    assert f({"a": Fraction(3, 2), "b": Fraction(2), "c": Fraction(1, 5)}) == Fraction(3, 5)


def test_a_branch_inside_a_sum_keeps_the_zero_denominator_rule_elsewhere():
    f = compile_expr(sympy.Piecewise((a, a > 0), (-a, True)) + 1 / b)
    assert f({a: Fraction(-2), b: Fraction(0)}) == INFINITY
    assert f({a: Fraction(-2), b: Fraction(2)}) == Fraction(5, 2)


def test_dydx_open_interest_imf_is_evaluated_where_the_caps_are_zero():
    """dYdX's IMF_oi divides by (upper cap - lower cap), which is 0 for a market with no increase (BTC)."""
    sim = compiled_rule(load_rule("dydx/v4-perpetual"), None).mode("cross")
    rule = load_rule("dydx/v4-perpetual")
    view = rule.mode("cross")
    value = lambda **given: sim.definitions["IMF_oi"]({view.symbols[n].sympy: Fraction(v) for n, v in given.items()})
    assert value(IMF="0.05", OIL=0, OIU=0, ON=10**9) == Fraction(1, 20)
    assert value(IMF="0.2", OIL=1, OIU=2, ON="1.5") == Fraction(3, 5)
    assert value(IMF="0.2", OIL=1, OIU=2, ON=3) == 1
