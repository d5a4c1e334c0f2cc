"""SymPy trees written as JavaScript over exact rationals, for the rule pages' calculators.

The twin of :mod:`verifier.derive.exact`: the same tree shapes with the same meaning (a missing symbol, a zero
denominator and a Piecewise with no piece that applies all throw), written as source instead of closures.  The
runtime is ``verifier/docs/static/mv-exact.js`` (``Q``: rationals as BigInt numerator and denominator).  The
generated source is a small language and nothing else: ``Q.<operation>(...)`` calls, ``Q.v(v, "name")`` lookups,
``Q.n(3n, 2n)`` constants, ``c ? a : b`` for Piecewise, ``&&``, ``||`` and ``!``; :func:`problems` checks a
generated file against that allow-list (the tests run it on every calculator the site ships).  No rule text is
copied: names are checked identifiers, numbers are integers.

>>> import sympy
>>> a, b = sympy.symbols("a b")
>>> js_value((a + sympy.Rational(1, 2)) / b)
'Q.mul(Q.pow(Q.v(v, "b"), -1n), Q.add(Q.n(1n, 2n), Q.v(v, "a")))'
>>> js_condition(sympy.And(sympy.Le(a, 2 * b), sympy.Gt(a, 0)))
'(Q.gt(Q.v(v, "a"), Q.n(0n, 1n)) && Q.le(Q.v(v, "a"), Q.mul(Q.n(2n, 1n), Q.v(v, "b"))))'
>>> problems('(v) => Q.add(Q.v(v, "a"), Q.n(1n, 1n))'), problems('(v) => fetch("x")')
([], ["not allowed: 'fetch' at 7"])
"""

from __future__ import annotations

import re

import sympy

from verifier.derive.exact import NotCompilable

OPERATIONS = ("n", "v", "add", "mul", "pow", "min", "max", "abs", "none", "lt", "le", "gt", "ge", "eq", "ne")
"""The runtime's operations the generated code may call (``Q.<name>``)."""

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

_COMPARE = {sympy.Lt: "lt", sympy.Le: "le", sympy.Gt: "gt", sympy.Ge: "ge", sympy.Eq: "eq", sympy.Ne: "ne"}


def _name(symbol) -> str:
    if not NAME.match(symbol.name):
        raise NotCompilable(f"symbol name {symbol.name!r} is not an identifier")
    return f'Q.v(v, "{symbol.name}")'


def _call(operation: str, parts) -> str:
    return f"Q.{operation}(" + ", ".join(parts) + ")"


def js_value(expr) -> str:
    """JavaScript for ``expr`` (a SymPy expression) over the values ``v`` (symbol name -> rational)."""
    if isinstance(expr, sympy.Symbol):
        return _name(expr)
    if isinstance(expr, sympy.Rational):
        return f"Q.n({int(expr.p)}n, {int(expr.q)}n)"
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        return _call("add" if isinstance(expr, sympy.Add) else "mul", [js_value(arg) for arg in expr.args])
    if isinstance(expr, sympy.Pow) and isinstance(expr.exp, sympy.Integer):
        return f"Q.pow({js_value(expr.base)}, {int(expr.exp)}n)"
    if isinstance(expr, (sympy.Min, sympy.Max)):
        return _call("min" if isinstance(expr, sympy.Min) else "max", [js_value(arg) for arg in expr.args])
    if isinstance(expr, sympy.Abs):
        return _call("abs", [js_value(expr.args[0])])
    if isinstance(expr, sympy.Piecewise):
        text = "Q.none()"  # no piece applies: undefined here, as derive.exact says
        for value, condition in reversed(expr.args):
            text = f"({js_condition(condition)} ? {js_value(value)} : {text})"
        return text
    raise NotCompilable(f"cannot write {type(expr).__name__} as JavaScript")


def js_condition(relation) -> str:
    """JavaScript for a relational (or and/or/not of relationals), true or false."""
    if relation is sympy.true or relation is sympy.false:
        return "true" if relation is sympy.true else "false"
    for kind, operation in _COMPARE.items():
        if isinstance(relation, kind):
            return _call(operation, [js_value(relation.lhs), js_value(relation.rhs)])
    if isinstance(relation, (sympy.And, sympy.Or)):
        joiner = " && " if isinstance(relation, sympy.And) else " || "
        return "(" + joiner.join(js_condition(arg) for arg in relation.args) + ")"
    if isinstance(relation, sympy.Not):
        return f"!{js_condition(relation.args[0])}"
    raise NotCompilable(f"cannot write {type(relation).__name__} as JavaScript")


def js_function(body: str) -> str:
    """A generated function of the values ``v``."""
    return f"(v) => {body}"


_TOKEN = re.compile(r"""\s+|Q\.(?P<op>[A-Za-z]+)\(|(?P<number>-?[0-9]+n)|"(?P<string>[A-Za-z_][A-Za-z0-9_]*)"|"""
                    r"""\(v\) =>|\bv\b|\btrue\b|\bfalse\b|null|&&|\|\||[(),?:!\[\]{}]""")


def problems(source: str) -> list[str]:
    """What in ``source`` (generated code) is outside the allow-list: empty when all of it is allowed.

    Allowed: ``(v) =>``, ``Q.<op>(`` for the :data:`OPERATIONS`, ``v``, BigInt literals, quoted identifiers (names
    and object keys), ``true``/``false``/``null``, ``&& || ! ? :`` and brackets.
    """
    out, position = [], 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            word = re.match(r"[A-Za-z_$][A-Za-z0-9_$]*|.", source[position:], re.S).group(0)
            out.append(f"not allowed: {word!r} at {position}")
            position += len(word)
            continue
        if match.group("op") is not None and match.group("op") not in OPERATIONS:
            out.append(f"not allowed: Q.{match.group('op')} at {position}")
        position = match.end()
    return out
