"""Exact evaluation of a rule's SymPy expressions without SymPy in the loop.

A definition's expression is walked once and turned into a flat program of steps;
evaluating it is then plain exact rational arithmetic, an order of magnitude faster
than ``expr.subs(...)``.  Nothing here reads text: the input is the SymPy tree the
safe formula parser already built.

Inputs and results are :class:`fractions.Fraction`; in between, the arithmetic runs
on GMP rationals (``gmpy2.mpq``), which are exact too and about ten times faster than
Fraction's pure-Python arithmetic: the simulator spends most of its time here.

A quotient whose denominator is zero is a *ratio with nothing at risk* (a margin
level with no liability): it evaluates to ``INFINITY`` (``+inf``, or ``-inf`` for a
negative numerator), which compares correctly with any Fraction.

>>> import sympy
>>> a, b = sympy.symbols("a b")
>>> f = compile_expr((a + 1) / b)
>>> f({a: Fraction(1, 2), b: Fraction(3)})
Fraction(1, 2)
>>> f({a: Fraction(1), b: Fraction(0)})
inf
>>> compile_expr(1 / b + a)({a: Fraction(1), b: Fraction(0)})  # an infinity in a sum: the same infinity
inf
>>> rel = compile_relation(sympy.Le(a, b))
>>> rel({a: Fraction(1), b: Fraction(1)})
True
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy
from gmpy2 import mpq

from verifier.errors import VerifierError

INFINITY = math.inf


class CompileError(VerifierError, ValueError):
    """The expression uses a construct the exact evaluator does not know: the rule cannot drive the simulator."""

    code = "MV713"


def _product(values):
    finite = _ONE
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
    """A function ``values -> Fraction`` (values: SymPy symbol -> Fraction) for ``expr``.

    The expression is flattened into a list of steps, one per distinct subexpression (SymPy's canonical form
    makes repeated subtrees equal): a subexpression the expanded definitions repeat, such as a notional, is
    computed once per evaluation.
    """
    steps, index = [], {}

    def visit(node) -> int:
        if node in index:
            return index[node]
        if isinstance(node, sympy.Symbol):
            step = (_SYMBOL, node, node.name)
        elif isinstance(node, sympy.Rational):
            step = (_CONSTANT, mpq(int(node.p), int(node.q)))
        elif isinstance(node, sympy.Add):
            step = (_ADD, tuple(visit(a) for a in node.args))
        elif isinstance(node, sympy.Mul):
            step = (_MUL, tuple(visit(a) for a in node.args))
        elif isinstance(node, sympy.Pow):
            if not isinstance(node.exp, sympy.Integer):
                raise CompileError(f"only integer powers are evaluated exactly, not {node}")
            step = (_POW, visit(node.base), int(node.exp))
        elif isinstance(node, (sympy.Min, sympy.Max)):
            step = (_MIN if isinstance(node, sympy.Min) else _MAX, tuple(visit(a) for a in node.args))
        elif isinstance(node, sympy.Abs):
            step = (_ABS, visit(node.args[0]))
        else:
            raise CompileError(f"cannot evaluate {type(node).__name__} exactly: {node}")
        index[node] = len(steps)
        steps.append(step)
        return index[node]

    visit(expr)
    program = tuple(steps)

    def evaluate(values):
        out = []
        append = out.append
        for step in program:
            kind = step[0]
            if kind is _SYMBOL:
                try:
                    append(values[step[1]])
                except KeyError:
                    raise KeyError(step[2]) from None
            elif kind is _CONSTANT:
                append(step[1])
            elif kind is _ADD:
                total = _ZERO  # an mpq: every sum is computed by GMP, whatever its terms' types
                for i in step[1]:
                    total += out[i]
                if type(total) is not mpq:  # an infinite term (GMP would make it a binary float): the infinity
                    total = _infinite_sum([out[i] for i in step[1]])
                append(total)
            elif kind is _MUL:
                append(_product([out[i] for i in step[1]]))
            elif kind is _POW:
                append(_power(out[step[1]], step[2]))
            elif kind is _MIN:
                append(min(out[i] for i in step[1]))
            elif kind is _MAX:
                append(max(out[i] for i in step[1]))
            else:
                append(abs(out[step[1]]))
        return _fraction(out[-1])

    return evaluate


_ZERO, _ONE = mpq(0), mpq(1)


def _infinite_sum(terms):
    """A sum with an infinite term (from a zero denominator) is that infinity (both signs: not a number)."""
    return sum(t for t in terms if isinstance(t, float))


def _fraction(value):
    """A GMP rational as the Fraction the rest of the code works with (infinities and Fractions unchanged)."""
    if type(value) is mpq:
        return Fraction(int(value.numerator), int(value.denominator))
    return value



_SYMBOL, _CONSTANT, _ADD, _MUL, _POW, _MIN, _MAX, _ABS = (object() for _ in range(8))


def _power(b, n: int):
    if isinstance(b, float):
        return 0 * b if n < 0 else b ** n  # noqa: exponent of an infinity
    if b == 0 and n < 0:
        return INFINITY
    return b ** n


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
