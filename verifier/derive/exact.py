"""Exact, fast evaluation of derived closed forms: SymPy trees compiled once to Fraction arithmetic.

Substituting into a SymPy expression costs milliseconds; a compiled closed form costs microseconds with the
same exact result. The derivation owns this evaluator and never borrows the simulator's, so comparing the
closed form with the simulator compares two independent computations. Anything it cannot compile, or a value
it cannot compute (a zero denominator SymPy might cancel), is left to the SymPy path by the caller.

>>> import sympy
>>> from fractions import Fraction
>>> a, b = sympy.symbols("a b")
>>> compile_fraction((a + sympy.Rational(1, 2)) / b)({a: Fraction(1), b: Fraction(3)})
Fraction(1, 2)
>>> compile_condition(sympy.Le(a, 2 * b))({a: Fraction(2), b: Fraction(1)})
True
"""

from __future__ import annotations

import operator
from fractions import Fraction
from functools import reduce

import sympy
from gmpy2 import mpq

from verifier.errors import DerivationError


class NotCompilable(DerivationError):
    """The expression uses something this evaluator does not handle (e.g. a square root): the caller falls back
    to SymPy, which stays the reference."""


def compile_fraction(expr, number=Fraction):
    """``values -> Fraction`` for ``expr``; ``values`` maps SymPy symbols to Fractions.

    At call time a missing symbol raises KeyError and a zero denominator ZeroDivisionError.  ``number=float``
    compiles the same tree to float arithmetic (an estimate only, for pre-filtering; never an answer);
    ``number=gmpy2.mpq`` to GMP rationals, the same exact values about ten times faster than Fraction's (each input
    read as one: a Fraction or an int given is converted, and the result is an mpq).

    >>> a, b = sympy.symbols("a b")
    >>> compile_fraction((a + sympy.Rational(1, 2)) / b, mpq)({a: Fraction(1), b: 3})
    mpq(1,2)
    """
    if isinstance(expr, sympy.Symbol):
        if number is mpq:
            return lambda values: as_mpq(values[expr])
        return lambda values: values[expr]
    if isinstance(expr, sympy.Rational):
        constant = number(Fraction(int(expr.p), int(expr.q)))
        return lambda values: constant
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        parts = [compile_fraction(arg, number) for arg in expr.args]
        combine = operator.add if isinstance(expr, sympy.Add) else operator.mul
        return _combined(combine, parts)
    if isinstance(expr, sympy.Pow) and isinstance(expr.exp, sympy.Integer):
        base, exponent = compile_fraction(expr.base, number), int(expr.exp)
        return lambda values: base(values) ** exponent
    if isinstance(expr, (sympy.Min, sympy.Max)):
        parts = [compile_fraction(arg, number) for arg in expr.args]
        pick = min if isinstance(expr, sympy.Min) else max
        return lambda values: pick(part(values) for part in parts)
    if isinstance(expr, sympy.Abs):
        inner = compile_fraction(expr.args[0], number)
        return lambda values: abs(inner(values))
    if isinstance(expr, sympy.Piecewise):
        pieces = [(compile_fraction(value, number), compile_condition(cond, number)) for value, cond in expr.args]

        def piecewise(values):
            for value, cond in pieces:
                if cond(values):
                    return value(values)
            raise ZeroDivisionError("no piece applies")  # undefined here: the caller uses SymPy

        return piecewise
    raise NotCompilable(f"cannot compile {type(expr).__name__}")


def as_mpq(value):
    """An exact input as a GMP rational: an mpq as it is, a Fraction (even one whose parts are GMP integers) or an
    int converted exactly; anything else is a TypeError, as Fraction arithmetic would raise."""
    kind = type(value)
    if kind is mpq:
        return value
    if kind is Fraction:
        return mpq(value._numerator, value._denominator)  # (its own parts: the properties cost more)
    try:
        return mpq(value.numerator, value.denominator)
    except AttributeError:
        raise TypeError(f"not an exact number: {value!r}") from None


_new = object.__new__


def as_fraction(value):
    """The Fraction of a value compiled over GMP rationals (an mpq: in lowest terms, its denominator positive),
    made without the constructor's normalising; anything else as it is.

    >>> as_fraction(mpq(-6, 4)), as_fraction(None)
    (Fraction(-3, 2), None)
    """
    if type(value) is not mpq:
        return value
    made = _new(Fraction)
    made._numerator, made._denominator = int(value.numerator), int(value.denominator)
    return made


def _combined(combine, parts):
    """``part1 op part2 op ...`` in the order given; two and three parts (most of a closed form) without reduce's
    generator, which costs as much as the arithmetic."""
    if len(parts) == 2:
        first, second = parts
        return lambda values: combine(first(values), second(values))
    if len(parts) == 3:
        first, second, third = parts
        return lambda values: combine(combine(first(values), second(values)), third(values))
    return lambda values: reduce(combine, (part(values) for part in parts))


_COMPARE = {sympy.Lt: operator.lt, sympy.Le: operator.le, sympy.Gt: operator.gt, sympy.Ge: operator.ge,
            sympy.Eq: operator.eq, sympy.Ne: operator.ne}


def compile_condition(relation, number=Fraction):
    """``values -> bool`` for a relational (or and/or/not of relationals); ``number``: as :func:`compile_fraction`
    (its constants' type: ``gmpy2.mpq`` compiles the same exact comparison over GMP rationals)."""
    if relation is sympy.true or relation is sympy.false:
        truth = bool(relation)
        return lambda values: truth
    for kind, compare in _COMPARE.items():
        if isinstance(relation, kind):
            left, right = compile_fraction(relation.lhs, number), compile_fraction(relation.rhs, number)
            return lambda values: compare(left(values), right(values))
    if isinstance(relation, (sympy.And, sympy.Or)):
        parts = [compile_condition(arg, number) for arg in relation.args]
        combine = all if isinstance(relation, sympy.And) else any
        return lambda values: combine(part(values) for part in parts)
    if isinstance(relation, sympy.Not):
        inner = compile_condition(relation.args[0], number)
        return lambda values: not inner(values)
    raise NotCompilable(f"cannot compile {type(relation).__name__}")


def compiled_or_none(compiler, expr):
    """``compiler(expr)``, or None when the expression has a form the compiler does not take (the callers then
    keep the exact SymPy path for it)."""
    try:
        return compiler(expr)
    except NotCompilable:
        return None
