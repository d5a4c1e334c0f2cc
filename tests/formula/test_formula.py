"""The safe formula language and the unit algebra."""

import sympy
import pytest

from verifier.errors import FormulaError, VerifierError
from verifier.formula import BOOLEAN, DIMENSIONLESS, Term, UnitSyntaxError, parse_formula, parse_unit

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


@pytest.mark.parametrize("text,fragment,col,code", [
    ("WB + q", "cannot add quote and base", 0, "MV303"),
    ("WB <= MMR", "cannot compare quote and 1", 0, "MV303"),
    ("max(WB, q)", "pass to max()", 0, "MV303"),
    ("WB if P > 0 else q", "cannot choose between", 0, "MV303"),
    ("WB + Px", "unknown name 'Px'", 5, "MV302"),
    ("P^2 + P^2 + xx", "unknown name 'xx'", 12, "MV302"),
    ("wb", "did you mean", 0, "MV302"),
    ("foo(q)", "unknown function 'foo'", 0, "MV302"),
    ("q ** P", "whole-number literal", 5, "MV300"),
    ("q ** 17", "beyond", 5, "MV300"),
    ("WB / 0", "division by zero", 5, "MV300"),
    ("WB and q", "needs a condition", 0, "MV300"),
    ("'text'", "not allowed", 0, "MV300"),
    ("q.real", "attribute access", 0, "MV300"),
    ("WB +", "cannot read", 0, "MV300"),
    ("1 if WB else 0", "needs a condition", 5, "MV300"),
    ("max", "is a function", 0, "MV300"),
])
def test_rejections_name_the_problem_place_and_code(text, fragment, col, code):
    """The code is set where the error is raised (the reader never reads it back from the message)."""
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert fragment in str(info.value) or fragment in (info.value.hint or "")
    assert info.value.col == col
    assert info.value.code == code


@pytest.mark.parametrize("text", ["", "quote+base", "_x", "quote^9", "2", "quote/"])
def test_unreadable_units_raise_a_coded_error_under_the_root(text):
    with pytest.raises(UnitSyntaxError) as info:
        parse_unit(text)
    assert isinstance(info.value, VerifierError) and info.value.code == "MV301"


@pytest.mark.parametrize("text,unit", [("quote/base", "quote/base"), ("1", "1"), ("base*quote^-1", "base/quote"),
                                       ("contract*quote/(base*hour)", "contract*quote/(base*hour)")])
def test_units_parse_and_print(text, unit):
    assert str(parse_unit(text)) == unit
