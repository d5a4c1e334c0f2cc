"""Exact evaluation of a rule's SymPy expressions without SymPy in the loop.

A definition's expression is walked once and turned into a tree of small Python
closures over :class:`fractions.Fraction`; evaluating it is then plain Fraction
arithmetic, an order of magnitude faster than ``expr.subs(...)``.  Nothing here
reads text: the input is the SymPy tree the safe formula parser already built.

A quotient whose denominator is zero is a *ratio with nothing at risk* (a margin
level with no liability): it evaluates to ``INFINITY`` (``+inf``, or ``-inf`` for a
negative numerator), which compares correctly with any Fraction.

>>> import sympy

from verifier.errors import VerifierError
>>> a, b = sympy.symbols("a b")
>>> f = compile_expr((a + 1) / b)
>>> f({a: Fraction(1, 2), b: Fraction(3)})
Fraction(1, 2)
>>> f({a: Fraction(1), b: Fraction(0)})
inf
>>> rel = compile_relation(sympy.Le(a, b))
>>> rel({a: Fraction(1), b: Fraction(1)})
True
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy

from verifier.errors import VerifierError

INFINITY = math.inf


class CompileError(VerifierError, ValueError):
    """The expression uses a construct the exact evaluator does not know: the rule cannot drive the simulator."""

    code = "MV713"


def _product(values):
    finite = Fraction(1)
    sign, infinite = 1, False
    for v in values:
        if isinstance(v, float):  # +-inf from a zero denominator
            infinite = True
            sign *= 1 if v > 0 else -1
        else:
            finite *= v
    if not infinite:
        return finite
    if finite == 0:
        return INFINITY  # 0/0: nothing held, nothing owed: nothing at risk
    return sign * (1 if finite > 0 else -1) * INFINITY


def compile_expr(expr):
    """A function ``values -> Fraction`` (values: SymPy symbol -> Fraction) for ``expr``."""
    if isinstance(expr, sympy.Symbol):
        def symbol(values, _s=expr):
            try:
                return values[_s]
            except KeyError:
                raise KeyError(_s.name) from None
        return symbol
    if isinstance(expr, sympy.Rational):
        constant = Fraction(int(expr.p), int(expr.q))
        return lambda values: constant
    if isinstance(expr, sympy.Add):
        parts = [compile_expr(a) for a in expr.args]
        return lambda values: sum((p(values) for p in parts), Fraction(0))
    if isinstance(expr, sympy.Mul):
        parts = [compile_expr(a) for a in expr.args]
        return lambda values: _product([p(values) for p in parts])
    if isinstance(expr, sympy.Pow):
        if not (isinstance(expr.exp, sympy.Integer)):
            raise CompileError(f"only integer powers are evaluated exactly, not {expr}")
        base, n = compile_expr(expr.base), int(expr.exp)

        def power(values):
            b = base(values)
            if isinstance(b, float):
                return 0 * b if n < 0 else b ** n  # noqa: exponent of an infinity
            if b == 0 and n < 0:
                return INFINITY
            return b ** n
        return power
    if isinstance(expr, (sympy.Min, sympy.Max)):
        parts = [compile_expr(a) for a in expr.args]
        pick = min if isinstance(expr, sympy.Min) else max
        return lambda values: pick(p(values) for p in parts)
    if isinstance(expr, sympy.Abs):
        inner = compile_expr(expr.args[0])
        return lambda values: abs(inner(values))
    raise CompileError(f"cannot evaluate {type(expr).__name__} exactly: {expr}")


OPERATORS = {
    "<=": lambda a, b: a <= b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b, ">": lambda a, b: a > b,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


def compile_relation(relation):
    """A function ``values -> bool`` for a SymPy relational (or And/Or of them)."""
    if isinstance(relation, sympy.And):
        parts = [compile_relation(a) for a in relation.args]
        return lambda values: all(p(values) for p in parts)
    if isinstance(relation, sympy.Or):
        parts = [compile_relation(a) for a in relation.args]
        return lambda values: any(p(values) for p in parts)
    if relation is sympy.true or relation is sympy.false:
        return lambda values, _v=bool(relation): _v
    op = OPERATORS.get(getattr(relation, "rel_op", None))
    if op is None:
        raise CompileError(f"cannot evaluate condition {relation}")
    lhs, rhs = compile_expr(relation.lhs), compile_expr(relation.rhs)
    return lambda values: op(lhs(values), rhs(values))


def relation_sides(relation):
    """``(lhs, rhs)`` compiled, for showing how close a condition is (lhs / rhs)."""
    return compile_expr(relation.lhs), compile_expr(relation.rhs)
