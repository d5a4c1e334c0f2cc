"""Units as products of named dimensions with integer powers.

Money in crypto margin comes in a few abstract currencies (``quote``, ``base``,
``contract``, ...), not physical units, so a small exact algebra is all we need.

>>> parse_unit("quote/base") * parse_unit("base")
Unit('quote')
>>> parse_unit("1") == DIMENSIONLESS
True
>>> str(parse_unit("quote*base^-1"))
'quote/base'
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass

from verifier.errors import VerifierError

MAX_UNIT_LENGTH = 100


@dataclass(frozen=True)
class Unit:
    """A unit: sorted ``(dimension, power)`` pairs; empty means dimensionless."""

    powers: tuple = ()

    @staticmethod
    def of(**powers: int) -> "Unit":
        return Unit(tuple(sorted((k, v) for k, v in powers.items() if v)))

    def _combine(self, other: "Unit", sign: int) -> "Unit":
        merged = dict(self.powers)
        for dim, power in other.powers:
            merged[dim] = merged.get(dim, 0) + sign * power
        return Unit.of(**merged)

    def __mul__(self, other: "Unit") -> "Unit":
        return self._combine(other, 1)

    def __truediv__(self, other: "Unit") -> "Unit":
        return self._combine(other, -1)

    def __pow__(self, exponent: int) -> "Unit":
        return Unit.of(**{dim: power * exponent for dim, power in self.powers})

    @property
    def dimensions(self) -> set[str]:
        return {dim for dim, _ in self.powers}

    def __str__(self) -> str:
        if not self.powers:
            return "1"

        def term(dim, power):
            return dim if power == 1 else f"{dim}^{power}"

        up = [term(d, p) for d, p in self.powers if p > 0]
        down = [term(d, -p) for d, p in self.powers if p < 0]
        text = "*".join(up) or "1"
        if down:
            text += "/" + ("/".join(down) if len(down) == 1 else "(" + "*".join(down) + ")")
        return text

    def __repr__(self) -> str:
        return f"Unit({str(self)!r})"


DIMENSIONLESS = Unit()


def parse_expression_tree(source: str) -> ast.Expression:
    """``ast.parse(source, mode="eval")`` without Python's own SyntaxWarnings (``1if``, ``2is``) on stderr:
    the caller reports problems in rule text itself, located, so a stray interpreter warning only confuses.
    Builds a tree; never executes anything."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(source, mode="eval")


class UnitSyntaxError(VerifierError, ValueError):
    """The unit text is not a product/quotient of dimension names (``MV301``)."""

    code = "MV301"


def parse_unit(text: str) -> Unit:
    """Parse ``"quote/base"``, ``"1"``, ``"contract*quote"``, ``"base^-1"``.

    Raises :class:`UnitSyntaxError` with a reason on anything else.
    """
    text = str(text).strip()
    if not text or len(text) > MAX_UNIT_LENGTH:
        raise UnitSyntaxError("a unit is a short text such as 'quote', 'quote/base' or '1'")
    try:
        tree = parse_expression_tree(text.replace("^", "**"))
    except SyntaxError:
        raise UnitSyntaxError(f"cannot read unit {text!r}") from None
    return _unit(tree.body, text)


def _unit(node, text) -> Unit:
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise UnitSyntaxError(f"unit names cannot start with '_' in {text!r}")
        return Unit.of(**{node.id: 1})
    if isinstance(node, ast.Constant) and node.value == 1 and type(node.value) is int:
        return DIMENSIONLESS
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _unit(node.left, text) * _unit(node.right, text)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _unit(node.left, text) / _unit(node.right, text)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        exponent = node.right
        negative = isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub)
        if negative:
            exponent = exponent.operand
        if isinstance(exponent, ast.Constant) and type(exponent.value) is int and exponent.value <= 4:
            return _unit(node.left, text) ** (-exponent.value if negative else exponent.value)
    raise UnitSyntaxError(f"cannot read unit {text!r}: use names joined by '*' and '/', powers as '^2', or '1'")
