"""The account-snapshot contract (verifier/schemas/account.schema.json): the ccxt field names a symbol's reading may use.

A rule symbol says how to read its value from a snapshot position (``snapshot: contracts * contractSize``).
The reading stage parses that reading once, over :data:`FIELD_SYMBOLS`, and stores the SymPy expression on the
symbol (:meth:`verifier.model.SymbolSpec.reading`); derive, simulate and docs evaluate it from there.

>>> from fractions import Fraction
>>> from verifier.model.snapshot import FIELD_SYMBOLS
>>> expr = FIELD_SYMBOLS["contracts"] * FIELD_SYMBOLS["contractSize"]
>>> sorted(fields_of(expr)), evaluate_reading(expr, {"contracts": Fraction(3), "contractSize": Fraction(1, 10)})
(['contractSize', 'contracts'], Fraction(3, 10))
>>> evaluate_reading(expr, {"contracts": Fraction(3)}) is None
True

Readings are evaluated for every position of an account (thousands in one file), so each is compiled once to
Fraction arithmetic (:func:`compile_reading`); what cannot be compiled is substituted by SymPy, exactly the same.
A compiled program keeps a reading as a :class:`PlainReading` (:func:`plain_reading`): the same arithmetic without
SymPy, so that reading a ccxt export under a shipped rule never imports it (SymPy is imported here only when a
SymPy reading is compiled or :data:`FIELD_SYMBOLS` is first asked for).
"""

from __future__ import annotations

from fractions import Fraction

from dataclasses import dataclass

from verifier.model.field_ranges import FIELD_RANGES, range_problem  # noqa: F401 - the snapshot contract's

SNAPSHOT_FIELDS = ("contracts", "contractSize", "entryPrice", "markPrice", "side", "collateral", "walletBalance",
                   "leverage", "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount", "total", "debt",
                   "interest", "price", "notional", "fundingRate", "maintenanceMargin")
"""ccxt unified field names a symbol's ``snapshot`` reading may use. ``side`` reads long as 1, short as -1.
``maintenanceMargin`` of a unified-margin coin: the maintenance margin of the positions settled in it (quote)."""



def __getattr__(name):
    """``FIELD_SYMBOLS``: the SymPy symbol standing for each field inside a parsed reading (made when first asked
    for: importing SymPy takes most of a second, and a compiled program's readings do without it)."""
    if name == "FIELD_SYMBOLS":
        import sympy

        symbols = globals()["FIELD_SYMBOLS"] = {field: sympy.Symbol(field) for field in SNAPSHOT_FIELDS}
        return symbols
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fields_of(expr) -> set[str]:
    """The field names a parsed reading uses."""
    if type(expr) is PlainReading:
        return set(expr.fields)
    return {symbol.name for symbol in expr.free_symbols}


def evaluate_reading(expr, fields: dict) -> Fraction | None:
    """The exact value of a parsed reading over ``fields`` (name -> number); None when a field it uses is absent.

    A division by zero (a leverage of 0 in ``collateral - notional / leverage``) is an :class:`EvaluationError`.
    """
    from verifier.errors import EvaluationError

    compiled = _COMPILED.get(expr)
    if compiled is None:
        compiled = _COMPILED[expr] = _compile_tree(expr.tree) if type(expr) is PlainReading else \
            compile_reading(expr)
    try:
        return compiled(fields)
    except KeyError:
        return None
    except ZeroDivisionError:
        raise EvaluationError(f"{expr} divides by zero at these values") from None


_COMPILED: dict = {}


def _as_fraction(value) -> Fraction:
    """``Fraction(value)``, without making a new one of a Fraction (a reader's numbers mostly are)."""
    return value if type(value) is Fraction else Fraction(value)


def compile_reading(expr):
    """``fields -> Fraction`` for a parsed reading (numbers, field names, + - * /, integer powers, abs, min, max).

    A field the reading uses and ``fields`` lacks raises KeyError.

    >>> import sympy
    >>> a, b = sympy.symbols("a b")
    >>> compile_reading(abs(a) / b - 1)({"a": Fraction(-3), "b": Fraction(2)})
    Fraction(1, 2)
    """
    import sympy

    if isinstance(expr, sympy.Symbol):
        name = expr.name
        return lambda fields: _as_fraction(fields[name])
    if isinstance(expr, sympy.Rational):
        constant = Fraction(int(expr.p), int(expr.q))
        return lambda fields: constant
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        parts = [compile_reading(arg) for arg in expr.args]
        if isinstance(expr, sympy.Add):
            return lambda fields: sum((part(fields) for part in parts), Fraction(0))
        return lambda fields: _product(part(fields) for part in parts)
    if isinstance(expr, sympy.Pow) and isinstance(expr.exp, sympy.Integer):
        base, exponent = compile_reading(expr.base), int(expr.exp)
        return lambda fields: base(fields) ** exponent
    if isinstance(expr, sympy.Abs):
        inner = compile_reading(expr.args[0])
        return lambda fields: abs(inner(fields))
    if isinstance(expr, (sympy.Min, sympy.Max)):
        parts = [compile_reading(arg) for arg in expr.args]
        pick = min if isinstance(expr, sympy.Min) else max
        return lambda fields: pick(part(fields) for part in parts)
    return lambda fields: _substituted(expr, fields)  # anything else: SymPy, exactly


def _product(values) -> Fraction:
    out = Fraction(1)
    for value in values:
        out *= value
    return out


def _substituted(expr, fields: dict) -> Fraction:
    import sympy

    from verifier.model.evaluate import to_fraction, to_rational

    missing = fields_of(expr) - set(fields)
    if missing:
        raise KeyError(sorted(missing)[0])
    value = expr.xreplace({__getattr__("FIELD_SYMBOLS").get(name, sympy.Symbol(name)): to_rational(value)
                           for name, value in fields.items()})
    if value.has(sympy.zoo, sympy.nan):
        raise ZeroDivisionError(str(expr))
    return to_fraction(value)


# ------------------------------------------------------------------------------------------------ without SymPy


@dataclass(frozen=True)
class PlainReading:
    """A parsed reading without SymPy, as a compiled program keeps it: ``tree`` is ``("field", name)``,
    ``("number", numerator, denominator)``, or ``(operation, *operands)`` with operation ``add``, ``mul``, ``abs``,
    ``min``, ``max`` or ``pow`` (an integer exponent last); ``text`` is how the SymPy expression prints (what a
    message names it by).  :func:`evaluate_reading` computes it as :func:`compile_reading` computes the SymPy
    expression: the same operations in the same order.

    >>> import sympy
    >>> a, b = sympy.symbols("a b")
    >>> plain = plain_reading(abs(a) / b - 1)
    >>> str(plain), sorted(fields_of(plain)), evaluate_reading(plain, {"a": Fraction(-3), "b": Fraction(2)})
    ('-1 + Abs(a)/b', ['a', 'b'], Fraction(1, 2))
    >>> evaluate_reading(plain, {"a": Fraction(-3)}) is None
    True
    """

    text: str
    tree: tuple
    fields: frozenset

    def __str__(self) -> str:
        return self.text

    def __hash__(self) -> int:
        return hash(self.text)  # a str caches its hash: a reading is looked up for every field of every position


_OPERATIONS = {"Add": "add", "Mul": "mul", "Abs": "abs", "Min": "min", "Max": "max"}


def plain_reading(expr) -> PlainReading | None:
    """The :class:`PlainReading` of a SymPy reading; None when it uses anything :func:`compile_reading` would hand
    to SymPy."""
    tree = _tree(expr)
    return None if tree is None else PlainReading(str(expr), tree, frozenset(fields_of(expr)))


def _tree(expr):
    import sympy

    if isinstance(expr, sympy.Symbol):
        return ("field", expr.name)
    if isinstance(expr, sympy.Rational):
        return ("number", int(expr.p), int(expr.q))
    if isinstance(expr, sympy.Pow) and isinstance(expr.exp, sympy.Integer):
        base = _tree(expr.base)
        return None if base is None else ("pow", base, int(expr.exp))
    operation = _OPERATIONS.get(type(expr).__name__)
    if operation is None or not isinstance(expr, (sympy.Add, sympy.Mul, sympy.Abs, sympy.Min, sympy.Max)):
        return None
    parts = tuple(_tree(arg) for arg in expr.args)
    return None if None in parts else (operation, *parts)


def _compile_tree(tree):
    """``fields -> Fraction`` for a :class:`PlainReading`'s tree (what :func:`compile_reading` builds)."""
    kind = tree[0]
    if kind == "field":
        name = tree[1]
        return lambda fields: _as_fraction(fields[name])
    if kind == "number":
        constant = Fraction(tree[1], tree[2])
        return lambda fields: constant
    if kind == "pow":
        base, exponent = _compile_tree(tree[1]), tree[2]
        return lambda fields: base(fields) ** exponent
    parts = [_compile_tree(part) for part in tree[1:]]
    if kind == "add":
        return lambda fields: sum((part(fields) for part in parts), Fraction(0))
    if kind == "mul":
        return lambda fields: _product(part(fields) for part in parts)
    if kind == "abs":
        return lambda fields: abs(parts[0](fields))
    pick = min if kind == "min" else max
    return lambda fields: pick(part(fields) for part in parts)
