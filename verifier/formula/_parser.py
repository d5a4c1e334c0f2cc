"""The safe formula language: Python-like text -> SymPy, through an allow-list over ``ast``.

Rule text is never given to ``eval``, ``exec``, ``sympify``, ``parse_expr`` or
``lambdify``: those run code.  We parse with :func:`ast.parse` (which only
builds a tree), refuse every node type not listed below, and build SymPy
objects ourselves.  Numbers are exact (``0.1`` is ``1/10``), names must be
declared, units are checked on the way up.

Allowed: numbers; declared names; ``+ - * / **`` (``^`` means ``**``);
parentheses; ``< <= > >= ==``; ``and``, ``or``, ``not``; ``x if cond else y``;
the functions in :mod:`verifier.formula._functions`.

>>> import sympy
>>> from verifier.formula._units import parse_unit
>>> P, q = sympy.Symbol("P", positive=True), sympy.Symbol("q", positive=True)
>>> env = {"P": Term(P, parse_unit("quote/base")), "q": Term(q, parse_unit("base"))}
>>> f = parse_formula("q * P * 0.1", env)
>>> f.expr, str(f.unit)
(P*q/10, 'quote')
>>> parse_formula("q + P", env)
Traceback (most recent call last):
...
verifier.errors.FormulaError: cannot add base and quote/base: 'q' is in base, 'P' is in quote/base
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from verifier.errors import FormulaError
from verifier.formula._functions import FUNCTIONS
from verifier.formula._units import DIMENSIONLESS, Unit, parse_expression_tree

MAX_LENGTH = 1000
"""Longest formula text accepted (the longest published exchange formula is ~200 characters)."""

MAX_DEPTH = 30
"""Deepest nesting of parentheses or operators accepted."""

MAX_EXPONENT = 16
"""Largest absolute integer exponent accepted in ``x ** n``."""

MAX_LITERAL_DIGITS = 40
"""Longest number literal accepted (digits), so no literal builds a huge integer."""

ANY = Unit((("*", 0),))
"""The unit of the literal 0: it can be added to or compared with anything."""

BOOLEAN = Unit((("<boolean>", 1),))
"""The 'unit' of a condition; only ``and``/``or``/``not`` and ``if`` take it."""

_NUMBER = re.compile(r"^([0-9][0-9_]*)?(\.[0-9_]*)?([eE][-+]?[0-9]+)?$")


@dataclass(frozen=True)
class Term:
    """What a name means inside a formula: a SymPy expression and its unit."""

    expr: object
    unit: Unit


@dataclass
class Formula:
    """A parsed formula: the SymPy expression, its unit, and the names it used."""

    text: str
    expr: object
    unit: Unit
    names: set = field(default_factory=set)

    @property
    def is_condition(self) -> bool:
        return self.unit == BOOLEAN


SYNTAX = "MV300"
"""Not in the formula language: syntax, a construct not allowed, too long or too deep, division by zero."""

UNKNOWN = "MV302"
"""A name or function the formula may not use (not declared, not in the list)."""

UNIT_MISMATCH = "MV303"
"""Values in different units added, subtracted, compared, chosen between or passed to one function."""


def _Located(message, node=None, hint=None, col=None, code=SYNTAX) -> FormulaError:
    """A :class:`FormulaError` with ``code``, placed at ``node`` (or at ``col``) in the formula text."""
    if col is None:
        col = getattr(node, "col_offset", 0) if node is not None else 0
    return FormulaError(message, col=col, hint=hint, code=code)


def parse_formula(text: str, env: dict, *, what: str = "formula") -> Formula:
    """Parse ``text`` with the names in ``env`` (name -> :class:`Term`).

    Raises :class:`FormulaError` whose ``col`` attribute is the 0-based offset of the
    problem inside ``text`` and whose ``hint`` may suggest a fix.
    """
    if not isinstance(text, str):
        raise _Located(f"a {what} must be text, not {type(text).__name__}", col=0)
    if len(text) > MAX_LENGTH:
        raise _Located(f"{what} is {len(text)} characters long; the limit is {MAX_LENGTH}", col=0,
                       hint="split it into named definitions")
    if "\n" in text.strip() or "\r" in text:
        raise _Located(f"a {what} must be on one line", col=0)
    _check_paren_depth(text)
    source = text.strip().replace("^", "**")
    try:
        tree = parse_expression_tree(source)
    except SyntaxError as exc:
        raise _Located(f"cannot read {what}: {exc.msg}", col=max((exc.offset or 1) - 1, 0)) from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise _Located(f"cannot read {what}: {exc}", col=0) from None
    builder = _Builder(source, env)
    try:
        expr, unit = builder.build(tree.body, 0)
    except FormulaError as exc:
        exc.col = _original_column(text, exc.col)
        raise
    return Formula(text, expr, unit, builder.names)


def _original_column(text: str, col: int) -> int:
    """Map a column in the parsed source back to ``text``: each '^' became two characters."""
    offset = len(text) - len(text.lstrip())
    shift = 0
    for char in text.strip():
        if col <= 0:
            break
        col -= 2 if char == "^" else 1
        shift += 1
    return offset + shift


def _check_paren_depth(text: str) -> None:
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise _Located(f"parentheses are nested more than {MAX_DEPTH} deep", col=index)
        elif char == ")":
            depth -= 1


_COMPARE = {ast.Lt: sympy.Lt, ast.LtE: sympy.Le, ast.Gt: sympy.Gt, ast.GtE: sympy.Ge, ast.Eq: sympy.Eq}
_NODE_NAMES = {
    ast.Attribute: "attribute access ('.')", ast.Subscript: "indexing ('[]')", ast.Lambda: "lambda",
    ast.ListComp: "a comprehension", ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension", ast.Starred: "'*' unpacking", ast.NamedExpr: "':=' assignment",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.JoinedStr: "f-strings",
    ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict", ast.Set: "a set",
}


class _Builder:
    def __init__(self, source: str, env: dict):
        self.source = source
        self.env = env
        self.names: set = set()

    def build(self, node, depth):
        if depth > MAX_DEPTH:
            raise _Located(f"formula is nested more than {MAX_DEPTH} levels deep", node)
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            what = _NODE_NAMES.get(type(node), type(node).__name__)
            raise _Located(f"{what} is not allowed in formulas", node,
                           hint="formulas use numbers, declared names, + - * / ** ( ) comparisons, and/or, "
                                + ", ".join(sorted(FUNCTIONS)))
        return method(node, depth + 1)

    # -- leaves -------------------------------------------------------------
    def _Constant(self, node, depth):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Located(f"{type(value).__name__} literal {value!r} is not allowed in formulas", node,
                           hint="formulas work on numbers only")
        text = ast.get_source_segment(self.source, node) or repr(value)
        digits = sum(ch.isdigit() for ch in text)
        if digits > MAX_LITERAL_DIGITS or not _NUMBER.match(text) or "e" in text.lower() and abs(
                int(re.split("[eE]", text)[1])) > 100:
            raise _Located(f"number {text!r} is too long or not a plain decimal", node)
        exact = Fraction(text.replace("_", ""))
        expr = sympy.Rational(exact.numerator, exact.denominator)
        return expr, (ANY if exact == 0 else DIMENSIONLESS)

    def _Name(self, node, depth):
        name = node.id
        if name.startswith("_"):
            raise _Located(f"names starting with '_' are not allowed ({name!r})", node)
        if name in FUNCTIONS:
            raise _Located(f"{name!r} is a function: call it as {name}(...)", node)
        term = self.env.get(name)
        if term is None:
            close = difflib.get_close_matches(name, list(self.env), n=3, cutoff=0.6)
            if not close:
                close = [known for known in self.env if known.lower() == name.lower()]
            hint = ("did you mean " + " or ".join(repr(c) for c in close) + "?") if close else \
                "declare it under 'symbols' (with a unit) or 'definitions'"
            raise _Located(f"unknown name {name!r}", node, hint=hint, code=UNKNOWN)
        self.names.add(name)
        return term.expr, term.unit

    # -- arithmetic ---------------------------------------------------------
    def _UnaryOp(self, node, depth):
        expr, unit = self.build(node.operand, depth)
        if isinstance(node.op, ast.USub):
            self._need_number(unit, node, "'-'")
            return -expr, unit
        if isinstance(node.op, ast.UAdd):
            self._need_number(unit, node, "'+'")
            return expr, unit
        if isinstance(node.op, ast.Not):
            self._need_condition(unit, node, "'not'")
            return sympy.Not(expr), BOOLEAN
        raise _Located("'~' is not allowed in formulas", node)

    def _BinOp(self, node, depth):
        op = node.op
        if isinstance(op, (ast.Pow, ast.BitXor)):
            return self._power(node, depth)
        left, lunit = self.build(node.left, depth)
        right, runit = self.build(node.right, depth)
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}.get(type(op))
        if symbol is None:
            raise _Located(f"operator {type(op).__name__} is not allowed in formulas", node,
                           hint="use + - * / ** only")
        self._need_number(lunit, node.left, f"'{symbol}'")
        self._need_number(runit, node.right, f"'{symbol}'")
        if symbol in "+-":
            unit = self._same_unit(lunit, runit, node, "add" if symbol == "+" else "subtract")
            return (left + right if symbol == "+" else left - right), unit
        if symbol == "*":
            return left * right, (ANY if ANY in (lunit, runit) else lunit * runit)
        if right == 0:
            raise _Located("division by zero", node.right)
        return left / right, (ANY if lunit == ANY else lunit / (DIMENSIONLESS if runit == ANY else runit))

    def _power(self, node, depth):
        base, unit = self.build(node.left, depth)
        self._need_number(unit, node.left, "'**'")
        exponent = node.right
        negative = isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub)
        literal = exponent.operand if negative else exponent
        if not (isinstance(literal, ast.Constant) and type(literal.value) is int):
            raise _Located("an exponent must be a whole-number literal such as 2 or -1", node.right,
                           hint="write 1/x instead of x**-1 if you like; computed exponents are not allowed")
        power = -literal.value if negative else literal.value
        if abs(power) > MAX_EXPONENT:
            raise _Located(f"exponent {power} is beyond ±{MAX_EXPONENT}", node.right)
        if power < 0 and base == 0:
            raise _Located("division by zero", node)
        return base ** power, (unit if unit == ANY else unit ** power)

    # -- conditions ---------------------------------------------------------
    def _Compare(self, node, depth):
        operands = [node.left, *node.comparators]
        built = [self.build(item, depth) for item in operands]
        parts = []
        for index, op in enumerate(node.ops):
            constructor = _COMPARE.get(type(op))
            if constructor is None:
                raise _Located(f"comparison {type(op).__name__} is not allowed", node,
                               hint="use <, <=, >, >= or ==")
            (left, lunit), (right, runit) = built[index], built[index + 1]
            self._need_number(lunit, operands[index], "a comparison")
            self._need_number(runit, operands[index + 1], "a comparison")
            self._same_unit(lunit, runit, node, "compare")
            parts.append(constructor(left, right, evaluate=False))
        return (parts[0] if len(parts) == 1 else sympy.And(*parts, evaluate=False)), BOOLEAN

    def _BoolOp(self, node, depth):
        values = []
        for item in node.values:
            expr, unit = self.build(item, depth)
            self._need_condition(unit, item, "'and'/'or'")
            values.append(expr)
        constructor = sympy.And if isinstance(node.op, ast.And) else sympy.Or
        return constructor(*values, evaluate=False), BOOLEAN

    def _IfExp(self, node, depth):
        test, tunit = self.build(node.test, depth)
        self._need_condition(tunit, node.test, "'if'")
        body, bunit = self.build(node.body, depth)
        orelse, ounit = self.build(node.orelse, depth)
        unit = self._same_unit(bunit, ounit, node, "choose between")
        return sympy.Piecewise((body, test), (orelse, True)), unit

    def _Call(self, node, depth):
        if not isinstance(node.func, ast.Name):
            raise _Located("only the listed functions may be called", node,
                           hint="allowed: " + ", ".join(sorted(FUNCTIONS)))
        name = node.func.id
        spec = FUNCTIONS.get(name)
        if spec is None:
            close = difflib.get_close_matches(name, list(FUNCTIONS), n=1)
            raise _Located(f"unknown function {name!r}", node, code=UNKNOWN,
                           hint=f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(sorted(FUNCTIONS)))
        constructor, least, most, _doc = spec
        if node.keywords:
            raise _Located(f"{name}() takes no keyword arguments", node)
        if not least <= len(node.args) <= most:
            raise _Located(f"{name}() takes {least} to {most} arguments, not {len(node.args)}", node)
        args = [self.build(arg, depth) for arg in node.args]
        unit = args[0][1]
        for arg, (_, arg_unit) in zip(node.args, args):
            self._need_number(arg_unit, arg, f"{name}()")
            unit = self._same_unit(unit, arg_unit, node, f"pass to {name}()")
        return constructor(*(expr for expr, _ in args)), unit

    # -- unit rules ---------------------------------------------------------
    def _same_unit(self, left: Unit, right: Unit, node, verb: str) -> Unit:
        if left == ANY:
            return right
        if right == ANY or left == right:
            return left
        lhs = ast.get_source_segment(self.source, getattr(node, "left", node)) or "?"
        rhs_node = getattr(node, "right", None) or (getattr(node, "comparators", None) or [node])[0]
        rhs = ast.get_source_segment(self.source, rhs_node) or "?"
        if isinstance(node, (ast.Call, ast.IfExp)):
            raise _Located(f"cannot {verb} values in {left} and {right}", node, code=UNIT_MISMATCH)
        raise _Located(f"cannot {verb} {left} and {right}: {lhs!r} is in {left}, {rhs!r} is in {right}", node,
                       hint="check each symbol's unit; a rate needs multiplying by a notional", code=UNIT_MISMATCH)

    @staticmethod
    def _need_number(unit: Unit, node, where: str) -> None:
        if unit == BOOLEAN:
            raise _Located(f"a condition cannot be used in {where}", node)

    @staticmethod
    def _need_condition(unit: Unit, node, where: str) -> None:
        if unit != BOOLEAN:
            raise _Located(f"{where} needs a condition such as 'x <= y'", node)
