"""Exact evaluation of a rule's SymPy expressions without SymPy in the loop.

A definition's expression is walked once and turned into a flat program of steps;
evaluating it is then plain exact rational arithmetic, an order of magnitude faster
than ``expr.subs(...)``.  Nothing here reads text: the input is the SymPy tree the
safe formula parser already built.

Inputs and results are :class:`fractions.Fraction`; in between, the arithmetic runs
on GMP rationals (``gmpy2.mpq``), which are exact too and about ten times faster than
Fraction's pure-Python arithmetic: the simulator spends most of its time here.

An account is judged by a :class:`ColumnProgram`: the liquidation and margin-call
conditions, the margin level and the others-sums of every position at once, each step
one pass over the positions' GMP rationals (walking a program per position cost more
than its arithmetic).

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

A conditional expression (the formula language's ``x if c else y``, a SymPy ``Piecewise``) evaluates only the branch
its condition picks, so a branch that would divide by zero where it does not apply is never computed:

>>> g = compile_expr(sympy.Piecewise((a, sympy.Eq(b, 0)), (a / b, True)))
>>> g({a: Fraction(3), b: Fraction(0)}), g({a: Fraction(3), b: Fraction(2)})
(Fraction(3, 1), Fraction(3, 2))
"""

from __future__ import annotations

import math
import operator
from itertools import repeat
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


def compile_expr(expr, key=None, raw: bool = False):
    """A function ``values -> Fraction`` (values: SymPy symbol -> Fraction) for ``expr``.

    The expression is flattened into a list of steps, one per distinct subexpression (SymPy's canonical form
    makes repeated subtrees equal): a subexpression the expanded definitions repeat, such as a notional, is
    computed once per evaluation.  ``key(symbol)``, when given, is what ``values`` is indexed by instead of the
    symbol (a field name, a position in a list).  The function's ``symbols`` are the symbols it reads, in the
    order it reads them (the first one ``values`` lacks is the KeyError it raises).  ``raw=True`` leaves the
    result a GMP rational (for a caller that computes on with it).
    """
    builder = _Builder(lambda node: (_SYMBOL, node if key is None else key(node), node.name), key)
    builder.visit(expr)
    program = tuple(builder.steps)

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
            elif kind is _PIECE:
                for holds, value in step[1]:
                    if holds(values):
                        append(value(values))
                        break
                else:
                    raise ZeroDivisionError("no branch of a conditional expression applies")
            else:
                append(abs(out[step[1]]))
        return out[-1] if raw else as_fraction(out[-1])

    evaluate.symbols = tuple(node for node, i in builder.index.items() if program[i][0] is _SYMBOL)
    return evaluate


class _Builder:
    """Flattens SymPy expressions into steps, one per distinct subexpression; ``leaf(symbol)`` is a symbol's step.

    A step is a tuple: its kind, then its operands (indices of earlier steps) or its constant."""

    def __init__(self, leaf, key=None):
        self.steps, self.index, self.leaf, self.key = [], {}, leaf, key

    def add(self, node, step) -> int:
        self.index[node] = len(self.steps)
        self.steps.append(step)
        return self.index[node]

    def visit(self, node) -> int:
        if node in self.index:
            return self.index[node]
        if isinstance(node, sympy.Symbol):
            return self.add(node, self.leaf(node))
        if isinstance(node, sympy.Rational):
            step = (_CONSTANT, mpq(int(node.p), int(node.q)))
        elif isinstance(node, sympy.Add):
            step = (_ADD, tuple(self.visit(a) for a in node.args))
        elif isinstance(node, sympy.Mul):
            step = (_MUL, tuple(self.visit(a) for a in node.args))
        elif isinstance(node, sympy.Pow):
            if not isinstance(node.exp, sympy.Integer):
                raise CompileError(f"only integer powers are evaluated exactly, not {node}")
            step = (_POW, self.visit(node.base), int(node.exp))
        elif isinstance(node, (sympy.Min, sympy.Max)):
            step = (_MIN if isinstance(node, sympy.Min) else _MAX, tuple(self.visit(a) for a in node.args))
        elif isinstance(node, sympy.Abs):
            step = (_ABS, self.visit(node.args[0]))
        elif isinstance(node, sympy.Piecewise) and type(self) is _Builder:
            # each branch its own program, run only when its condition holds (a branch may divide by zero where
            # its condition excludes it); the column program has no branches and refuses it below
            step = (_PIECE, tuple((compile_relation(cond, self.key), compile_expr(value, self.key, raw=True))
                                  for value, cond in node.args))
        else:
            raise CompileError(f"cannot evaluate {type(node).__name__} exactly: {node}")
        return self.add(node, step)


_ZERO, _ONE = mpq(0), mpq(1)


def _infinite_sum(terms):
    """A sum with an infinite term (from a zero denominator) is that infinity (both signs: not a number)."""
    return sum(t for t in terms if isinstance(t, float))


def as_fraction(value):
    """A GMP rational as the Fraction the rest of the code works with (infinities and Fractions unchanged)."""
    if type(value) is mpq:
        return Fraction(int(value.numerator), int(value.denominator))
    return value



_SYMBOL, _CONSTANT, _ADD, _MUL, _POW, _MIN, _MAX, _ABS, _PIECE = (object() for _ in range(9))


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


def compile_relation(relation, key=None):
    """A function ``values -> bool`` for a SymPy relational (or And/Or of them); ``key`` as for
    :func:`compile_expr`."""
    if isinstance(relation, sympy.And):
        parts = [compile_relation(a, key) for a in relation.args]
        return lambda values: all(p(values) for p in parts)
    if isinstance(relation, sympy.Or):
        parts = [compile_relation(a, key) for a in relation.args]
        return lambda values: any(p(values) for p in parts)
    if relation is sympy.true or relation is sympy.false:
        return lambda values, _v=bool(relation): _v
    op = OPERATORS.get(getattr(relation, "rel_op", None))
    if op is None:
        raise CompileError(f"cannot evaluate condition {relation}")
    lhs, rhs = compile_expr(relation.lhs, key), compile_expr(relation.rhs, key)
    return lambda values: op(lhs(values), rhs(values))


def relation_sides(relation):
    """``(lhs, rhs)`` compiled, for showing how close a condition is (lhs / rhs)."""
    return compile_expr(relation.lhs), compile_expr(relation.rhs)


class ColumnProgram:
    """Expressions and relations evaluated for every position of an account at once, exactly.

    The values come as *rows*, one list of GMP rationals per position indexed by ``slots`` (symbol -> index;
    see :func:`exact`); each step computes its subexpression for every position in one pass, on GMP
    rationals, so the cost of walking the program is paid once per account rather than once per position, and
    an account's definitions, conditions and margin level share their subexpressions.  ``constants`` are symbols
    with one value for every position (the mode's parameters).  ``others`` lists ``(symbol, definition)`` pairs: the
    symbol is the sum of the definition over the *other* positions of the same pool (an account's positions
    settled in one asset), each others-symbol seeing only the ones listed before it.

    Calling it with ``rows`` and ``pools`` (one pool key per position, or None when they share one) gives the
    outputs' columns: mpq values for expressions, bools for relations.  It takes rows that have every value it
    reads (:attr:`inputs`), all finite; it gives None where a denominator is zero (the caller then evaluates
    position by position, which says what that means for the account).

    >>> a, b, s = sympy.symbols("a b s")
    >>> program = ColumnProgram([a / b + s, sympy.Le(s, a)], {a: 0, b: 1}, others=[(s, a)])
    >>> lhs, holds = program([[mpq(1), mpq(2)], [mpq(3), mpq(4)]], None)
    >>> [as_fraction(v) for v in lhs], holds
    ([Fraction(7, 2), Fraction(7, 4)], [False, True])
    >>> program([[mpq(1), mpq(0)], [mpq(3), mpq(4)]], None) is None
    True
    """

    def __init__(self, outputs, slots: dict, constants: dict | None = None, others=()):
        constants = constants or {}

        def leaf(node):
            if node in constants:
                return (_CONSTANT, mpq(Fraction(constants[node])))
            if node in others_of:
                raise CompileError(f"{node.name} is summed over the other positions after the definitions it is "
                                   "read by")
            if node in slots:
                return (_INPUT, slots[node], node.name)
            return (_MISSING, node.name)

        others_of = {symbol for symbol, _ in others}
        builder = _ColumnBuilder(leaf)
        for symbol, definition in others:  # in order: each sees the ones before it
            builder.add(symbol, (_OTHERS, builder.visit(definition)))
            others_of.discard(symbol)
        self.outputs = [self._relation(builder, o) if isinstance(o, _RELATIONS) else builder.visit(o) for o in outputs]
        self.steps = tuple(builder.steps)
        self.inputs = frozenset(step[1] for step in self.steps if step[0] is _INPUT)
        """The slots the program reads: a row must have a value in each."""

    @staticmethod
    def _relation(builder, relation) -> int:
        if relation is sympy.true or relation is sympy.false:
            return builder.add(relation, (_TRUTH, bool(relation)))
        if isinstance(relation, (sympy.And, sympy.Or)):
            parts = tuple(ColumnProgram._relation(builder, a) for a in relation.args)
            return builder.add(relation, (_ALL if isinstance(relation, sympy.And) else _ANY, parts))
        compare = COMPARE.get(getattr(relation, "rel_op", None))
        if compare is None:
            raise CompileError(f"cannot evaluate condition {relation}")
        return builder.add(relation, (_COMPARE, compare, builder.visit(relation.lhs), builder.visit(relation.rhs)))

    def __call__(self, rows, pools):
        n = len(rows)
        columns = list(zip(*rows))
        out = []
        append = out.append
        try:
            for step in self.steps:
                kind = step[0]
                if kind is _INPUT:
                    append(columns[step[1]])
                elif kind is _MUL or kind is _ADD:
                    combine, operands = mul if kind is _MUL else add, step[1]
                    column = list(map(combine, out[operands[0]], out[operands[1]]))
                    for i in operands[2:]:
                        column = list(map(combine, column, out[i]))
                    append(column)
                elif kind is _CONSTANT:
                    append([step[1]] * n)
                elif kind is _DIV:
                    append(list(map(truediv, out[step[1]], out[step[2]])))  # a zero denominator: ZeroDivisionError
                elif kind is _POW:
                    append(list(map(pow, out[step[1]], repeat(step[2], n))))  # 0 ** -n: ZeroDivisionError
                elif kind is _OTHERS:
                    append(_others(out[step[1]], pools))
                elif kind is _COMPARE:
                    append(list(map(step[1], out[step[2]], out[step[3]])))
                elif kind is _MIN or kind is _MAX:
                    append(list(map(min if kind is _MIN else max, *(out[i] for i in step[1]))))
                elif kind is _ABS:
                    append(list(map(abs, out[step[1]])))
                elif kind is _ALL or kind is _ANY:
                    append(list(map(all if kind is _ALL else any, zip(*(out[i] for i in step[1])))))
                elif kind is _TRUTH:
                    append([step[1]] * n)
                else:
                    raise KeyError(step[1])
        except (KeyError, ZeroDivisionError):
            return None
        return [out[i] for i in self.outputs]


class _ColumnBuilder(_Builder):
    """A product with one reciprocal factor is a division: one operation per position instead of two."""

    def visit(self, node) -> int:
        if node in self.index or not isinstance(node, sympy.Mul):
            return super().visit(node)
        denominators = [a for a in node.args if isinstance(a, sympy.Pow) and a.exp == -1]
        if len(denominators) != 1:
            return super().visit(node)
        numerator = sympy.Mul(*(a for a in node.args if a is not denominators[0]), evaluate=False)
        return self.add(node, (_DIV, self.visit(numerator), self.visit(denominators[0].base)))


def _others(column, pools):
    """Each position's sum over the other positions of its pool."""
    if pools is None:
        return list(map(sub, repeat(sum(column, _ZERO)), column))
    totals: dict = {}
    for pool, v in zip(pools, column):
        totals[pool] = totals.get(pool, _ZERO) + v
    return [totals[pool] - v for pool, v in zip(pools, column)]


def exact(value):
    """A number of the simulator's state (a Fraction, an int) as a GMP rational; the state holds exact numbers
    only: a float is refused.

    >>> exact(Fraction(3, 4)), exact(2)
    (mpq(3,4), mpq(2,1))
    """
    if isinstance(value, float):
        raise TypeError(f"the simulator's numbers are exact, not {value!r}")
    return mpq(value)


COMPARE = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt, "==": operator.eq,
           "!=": operator.ne}
"""A relation's operator as the function a column of comparisons maps (the same comparisons as OPERATORS)."""

_RELATIONS = (sympy.core.relational.Relational, sympy.And, sympy.Or, sympy.logic.boolalg.BooleanAtom)
_INPUT, _OTHERS, _COMPARE, _ALL, _ANY, _TRUTH, _MISSING, _DIV = (object() for _ in range(8))
add, mul, sub, truediv = operator.add, operator.mul, operator.sub, operator.truediv
