"""A SymPy expression evaluated over NumPy columns (float64): the one float compiler of the project's fast paths.

The tree is turned into small closures calling NumPy ufuncs (no ``lambdify``, no generated source, no text ever
evaluated).  A symbol is looked up in an environment (a dict of arrays or numbers) by ``key(symbol)``, its name by
default.  What the formula language writes compiles: numbers, + - * /, powers, ``min``, ``max``, ``abs``,
comparisons, ``and``/``or``/``not`` and ``if``-``else`` (a ``Piecewise``).  Anything else is a
:class:`ColumnFormulaError`, raised when compiling, never when evaluating.

A value that does not exist (a missing input, 0/0) is NaN; comparisons with NaN are false, which is why callers
that must tell "false" from "undecidable" test their inputs for NaN first.

>>> import numpy as np, sympy
>>> P, q, s = sympy.symbols("P q s")
>>> f = compile_columns(s * q * (P - 100))
>>> f({"P": np.array([110.0, 90.0]), "q": np.array([2.0, 2.0]), "s": np.array([1.0, -1.0])})
array([20., 20.])
>>> expr, hoisted = hoist(P * q + s * (P - 1) / q, {s})
>>> sorted(str(e) for _, e in hoisted)
['(P - 1)/q', 'P*q']
"""

from __future__ import annotations

import operator
from decimal import Decimal
from fractions import Fraction
from functools import reduce

import numpy as np
import sympy

from verifier.errors import FormulaError


class ColumnFormulaError(FormulaError):
    """An expression the column compiler cannot evaluate (a function outside the formula language); a project
    error like every other (MV300), which the fast paths catch to fall back to the exact path."""


def compile_columns(expr, key=None):
    """A closure ``env -> array`` computing ``expr``; ``key(symbol)`` is the environment key of a symbol."""
    key = key or (lambda symbol: symbol.name)
    if not isinstance(expr, sympy.Basic):  # a number (a parameter's value); never text: no sympify on rule input
        if isinstance(expr, str) or not isinstance(expr, (int, float, Fraction, Decimal)):
            raise TypeError(f"compile_columns takes a SymPy expression or a number, not {type(expr).__name__}")
        expr = sympy.Rational(str(Fraction(expr)))
    return _compile(expr, key)


def _compile(expr, key):
    if isinstance(expr, sympy.Symbol):
        name = key(expr)
        return lambda env: env[name]
    if expr is sympy.true or expr is sympy.false:
        value = bool(expr)
        return lambda env: value
    if expr.is_Number:
        if not expr.is_finite:
            raise ColumnFormulaError(f"the column compiler cannot evaluate {expr}")
        value = float(expr)
        return lambda env: value
    if isinstance(expr, sympy.Piecewise):
        branches = [(_compile(value, key), _compile(condition, key)) for value, condition in expr.args]
        return lambda env: _piecewise(branches, env)
    args = [_compile(arg, key) for arg in expr.args]
    if isinstance(expr, sympy.Add):
        return lambda env: reduce(operator.add, (a(env) for a in args))
    if isinstance(expr, sympy.Mul):
        return lambda env: reduce(operator.mul, (a(env) for a in args))
    if isinstance(expr, sympy.Pow):
        base, exponent = args
        if expr.exp == -1:
            return lambda env: 1.0 / base(env)
        if expr.exp == 2:
            return lambda env: np.square(base(env))
        return lambda env: np.power(base(env), exponent(env))
    if isinstance(expr, (sympy.Max, sympy.Min)):
        pick = np.maximum if isinstance(expr, sympy.Max) else np.minimum
        return lambda env: reduce(pick, (a(env) for a in args))
    if isinstance(expr, sympy.Abs):
        return lambda env: np.abs(args[0](env))
    if isinstance(expr, sympy.core.relational.Relational) and type(expr) in _COMPARE:
        compare, (lhs, rhs) = _COMPARE[type(expr)], args
        return lambda env: compare(lhs(env), rhs(env))
    if isinstance(expr, (sympy.And, sympy.Or)):
        join = np.logical_and if isinstance(expr, sympy.And) else np.logical_or
        return lambda env: reduce(join, (a(env) for a in args))
    if isinstance(expr, sympy.Not):
        return lambda env: np.logical_not(args[0](env))
    raise ColumnFormulaError(f"the column compiler cannot evaluate {type(expr).__name__} ({expr})")


_COMPARE = {sympy.StrictLessThan: np.less, sympy.LessThan: np.less_equal, sympy.StrictGreaterThan: np.greater,
            sympy.GreaterThan: np.greater_equal, sympy.Equality: np.equal, sympy.Unequality: np.not_equal}


def _piecewise(branches, env):
    """The first branch whose condition holds (NaN where none does), element by element."""
    out = None
    taken = None
    for value, condition in branches:
        holds = np.asarray(condition(env), dtype=bool)
        chosen = np.asarray(value(env), dtype=np.float64)
        if out is None:
            out = np.where(holds, chosen, np.nan)
            taken = holds
        else:
            pick = holds & ~taken
            out = np.where(pick, chosen, out)
            taken = taken | holds
    return out


def hoist(expr, varying) -> tuple:
    """``(expr', [(symbol, part)])``: every largest part of ``expr`` free of the symbols ``varying`` replaced by a
    new symbol, so that a loop that changes only ``varying`` computes each part once, before it.

    In a sum or a product the terms free of ``varying`` are hoisted together, as one part.
    """
    varying = set(varying)
    hoisted: list = []

    def walk(node):
        if node.is_Atom:
            return node
        if not (node.free_symbols & varying):
            return part(node)
        if isinstance(node, (sympy.Add, sympy.Mul)):
            fixed = [a for a in node.args if not a.is_Atom and not (a.free_symbols & varying)]
            moving = [walk(a) for a in node.args if a.is_Atom or a.free_symbols & varying]
            if fixed:
                moving.append(part(node.func(*fixed)))
            return node.func(*moving, evaluate=False)
        return node.func(*(walk(a) for a in node.args), evaluate=False)

    def part(node):
        symbol = sympy.Symbol(f"__hoisted{len(hoisted)}")
        hoisted.append((symbol, node))
        return symbol

    return walk(expr), hoisted
