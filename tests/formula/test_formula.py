"""The safe formula language and the unit algebra."""

import sympy
import pytest

from verifier.errors import FormulaError
from verifier.formula import BOOLEAN, DIMENSIONLESS, Term, parse_formula, parse_unit

P = sympy.Symbol("P", positive=True)
q = sympy.Symbol("q", positive=True)
WB = sympy.Symbol("WB", real=True)
MMR = sympy.Symbol("MMR", positive=True)
ENV = {"P": Term(P, parse_unit("quote/base")), "q": Term(q, parse_unit("base")),
       "WB": Term(WB, parse_unit("quote")), "MMR": Term(MMR, DIMENSIONLESS)}


def parse(text):
    return parse_formula(text, ENV)


def test_literals_are_exact_rationals():
    assert parse("0.1 * WB").expr == WB / 10
    assert parse("1e-8 * WB").expr == WB * sympy.Rational(1, 10**8)


def test_caret_is_power_and_precedence_is_arithmetic():
    assert parse("q * P^2 / P").expr == q * P
    assert str(parse("q * P^2 / P").unit) == "quote"


def test_units_combine():
    assert str(parse("q * P * MMR").unit) == "quote"
    assert parse("WB / (q * P)").unit == DIMENSIONLESS


def test_zero_literal_fits_any_unit():
    assert parse("WB <= 0").unit == BOOLEAN
    assert str(parse("max(WB, 0)").unit) == "quote"


def test_conditions_and_boolean_logic():
    f = parse("WB <= q * P * MMR and not WB < 0")
    assert f.is_condition


def test_if_expression_is_piecewise():
    f = parse("WB if WB > 0 else 0")
    assert isinstance(f.expr, sympy.Piecewise)


@pytest.mark.parametrize("text,fragment,col", [
    ("WB + q", "cannot add quote and base", 0),
    ("WB <= MMR", "cannot compare quote and 1", 0),
    ("max(WB, q)", "pass to max()", 0),
    ("WB + Px", "unknown name 'Px'", 5),
    ("P^2 + P^2 + xx", "unknown name 'xx'", 12),
    ("wb", "did you mean", 0),
    ("foo(q)", "unknown function 'foo'", 0),
    ("q ** P", "whole-number literal", 5),
    ("q ** 17", "beyond", 5),
    ("WB / 0", "division by zero", 5),
    ("WB and q", "needs a condition", 0),
    ("'text'", "not allowed", 0),
    ("q.real", "attribute access", 0),
    ("WB +", "cannot read", 0),
    ("1 if WB else 0", "needs a condition", 5),
])
def test_rejections_name_the_problem_and_place(text, fragment, col):
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert fragment in str(info.value) or fragment in (info.value.hint or "")
    assert info.value.col == col


@pytest.mark.parametrize("text,unit", [("quote/base", "quote/base"), ("1", "1"), ("base*quote^-1", "base/quote"),
                                       ("contract*quote/(base*hour)", "contract*quote/(base*hour)")])
def test_units_parse_and_print(text, unit):
    assert str(parse_unit(text)) == unit
