"""A rule's SymPy trees compiled once to straight-line exact rational code: the compiled evaluation's arithmetic.

:mod:`verifier.derive.exact` walks a tree into nested closures over :class:`~fractions.Fraction`; evaluating
thousands of positions, the closures' calls and Fraction's pure-Python arithmetic cost more than the arithmetic.
Here a tree becomes the text of one Python function of plain assignments, one a distinct subexpression (SymPy's
canonical trees make a repeated subexpression, a notional, equal: it is computed once), over GMP rationals
(:class:`gmpy2.mpq`: exact, an operation some tens of nanoseconds).  A :class:`Code` keeps only that text, its
constants and the names it reads, so it can be stored (pickled in the toolkit's cache, shipped with the package)
and loaded without SymPy; the text is compiled once a process.

Nothing of the rule's text reaches the generated code: inputs are read as ``v[n0]``, ``v[n1]``, ... and constants
are ``c0``, ``c1``, ... (both bound in the function's namespace, never printed into the text); the text holds only
those names, temporaries ``t0``, ``t1``, ..., arithmetic and comparison operators, and ``min``, ``max`` and
``abs``, the only names its namespace has (no builtins).  Generated code is trusted like the pickles of
:mod:`verifier.derive.cache`: it is written by this module into the toolkit's own cache or package.

The semantics are those of :mod:`verifier.derive.exact`: a missing input raises KeyError, a zero denominator
ZeroDivisionError; whatever this compiler does not take (a square root, a ``Piecewise``, a float) raises
:class:`NotCompilable`, and the caller keeps the reference path for it.

>>> import sympy
>>> from gmpy2 import mpq
>>> a, b = sympy.symbols("a b")
>>> code = compile_code((a + sympy.Rational(1, 2)) / b - a / b)
>>> code({"a": mpq(1), "b": mpq(3)})
mpq(1,6)
>>> print(code.source)
def f(v):
    t0 = v[n0]
    t1 = v[n1]
    t2 = c0 + t1
    t3 = t2 / t0
    t4 = t1 / t0
    t5 = t3 - t4
    return t5
>>> holds(compile_condition(sympy.Le(a, 2 * b)), {"a": mpq(2), "b": mpq(1)})
True
"""

from __future__ import annotations

import bisect
import re
from fractions import Fraction

from gmpy2 import mpq

from verifier.errors import DerivationError


class NotCompilable(DerivationError):
    """The expression has a form this compiler does not take: the caller keeps the reference path for it."""


_SAFE_TEXT = re.compile(r"^[A-Za-z0-9_ \n()\[\]{}+\-*/<>=!:,.]*$")
_SAFE_WORDS = {"def", "f", "v", "rows", "return", "for", "in", "if", "not", "and", "or", "is", "None", "out",
               "append", "number", "floor", "cap", "closed", "min", "max", "abs", "else", "pass", "True", "try",
               "except", "ZeroDivisionError", "len", "key", "lambda", "M", "F", "S", "W", "L", "H", "z",
               "fields", "get", "row_for", "row_values", "table", "elif", "leverage_limit", "contiguous",
               "row_at", "near", "tables", "table_for"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_GENERATED = re.compile(r"^[a-z][0-9]+$")


def checked_source(source: str) -> str:
    """``source`` if it holds only what this module generates (the words above, numbered names, operators),
    else :class:`ValueError`: a defence in depth for text read back from a cache.

    >>> checked_source("def f(v):\\n    t0 = v[n0]\\n    return t0")[:9]
    'def f(v):'
    >>> checked_source("def f(v):\\n    return __import__")
    Traceback (most recent call last):
    ...
    ValueError: not generated code: '__import__'
    """
    if not _SAFE_TEXT.match(source):
        raise ValueError("not generated code: unexpected characters")
    for word in _WORD.findall(source):
        if word not in _SAFE_WORDS and not _GENERATED.match(word):
            raise ValueError(f"not generated code: {word!r}")
    return source


class Code:
    """Generated exact code: ``source`` (the text of ``def f(...)``), ``constants`` ((p, q) pairs bound to
    ``c0``, ``c1``, ...) and ``names`` (the input names bound to ``n0``, ``n1``, ...).  Calling it compiles the
    text once (per object) and runs it."""

    __slots__ = ("source", "constants", "names", "screen", "_function", "_near")

    def __init__(self, source: str, constants: tuple, names: tuple, screen=None):
        self.source, self.constants, self.names = source, tuple(constants), tuple(names)
        self.screen = screen  # a solver's row screen as (Code of (g, d), tier names, key names): see RowIndex
        self._function = self._near = None

    def __reduce__(self):
        return Code, (self.source, self.constants, self.names, self.screen)

    def __eq__(self, other):
        return isinstance(other, Code) and (self.source, self.constants, self.names, self.screen) == (
            other.source, other.constants, other.names, other.screen)

    def __hash__(self):
        return hash((self.source, self.constants, self.names))

    @property
    def near(self):
        """The :class:`RowIndex` of a solver whose row screen has the indexed shape (built on first use), else
        None."""
        if self._near is None and self.screen is not None:
            self._near = RowIndex(*self.screen)
        return self._near

    def __repr__(self):
        return f"Code({len(self.source.splitlines())} lines, reads {', '.join(self.names) or 'nothing'})"

    @property
    def function(self):
        """The compiled function (built on first use)."""
        if self._function is None:
            namespace = {"__builtins__": {}, "min": min, "max": max, "abs": abs, "len": len,
                         "ZeroDivisionError": ZeroDivisionError,
                         "near": self.near.find if self.near is not None else None}
            namespace.update((f"c{i}", mpq(p, q)) for i, (p, q) in enumerate(self.constants))
            namespace.update((f"n{i}", name) for i, name in enumerate(self.names))
            exec(compile(checked_source(self.source), "<rational code>", "exec"), namespace)  # noqa: S102 - see the module docstring
            self._function = namespace["f"]
        return self._function

    def __call__(self, *args):
        return self.function(*args)


_TOKEN = re.compile(r"v\[n(\d+)\]|\b([tcrp])(\d+)\b|\b(out|number|floor|cap|rows|closed|near)\b")


def inline(code: Code, inputs: dict, fresh, constant) -> tuple:
    """The body of ``code`` as lines of another generated function, and the expression of its result.

    ``inputs`` maps each name the code reads (and, for a solver, ``rows`` and ``closed``) to the expression that
    holds it there; ``fresh()`` gives an unused local name; ``constant((p, q))`` the name of a constant there.  Only
    this module's own text is rewritten (its temporaries, constants, loop variables), so the lines are as safe as
    the code they come from (the composed function's text is checked again when it is compiled).

    A solver's call of its :class:`RowIndex` (``near``) is written out when ``inputs`` also maps ``indexes`` (a
    mapping of key values to built indexes, kept by the caller for these ``rows`` and ``closed``: a market's table)
    and ``index`` (the :meth:`RowIndex.index` of the code's own ``near``) and ``bisect`` (:func:`bisect.bisect_left`)
    to names: one look-up of the key and one bisection in the composed function instead of a call that builds and
    hashes the key with the rows' identity (:func:`_near_lines`)."""
    names: dict = {}

    def rename(match):
        if match.group(1) is not None:
            return inputs[code.names[int(match.group(1))]]
        if match.group(2) == "c":
            return constant(code.constants[int(match.group(3))])
        word = match.group(0)
        if word in ("rows", "closed", "near"):
            return inputs[word]
        if word not in names:
            names[word] = fresh()
        return names[word]

    lines = code.source.splitlines()
    body = []
    for line in lines[1:-1]:
        read = _READ.match(line)
        if read and _NAME.match(inputs[code.names[int(read.group(2))]]):  # an input in a local: used as it is
            names[read.group(1)] = inputs[code.names[int(read.group(2))]]
            continue
        near = _NEAR.match(line) if "indexes" in inputs else None
        if near:
            body += _near_lines(*(_TOKEN.sub(rename, part) for part in near.groups()), inputs, fresh)
            continue
        body.append(_TOKEN.sub(rename, line[4:]))
    return body, _TOKEN.sub(rename, lines[-1].strip()[len("return "):])


_READ = re.compile(r"^    (t\d+) = v\[n(\d+)\]$")
_NEAR = re.compile(r"^    (t\d+) = near\(rows, closed, (\S+), (\((?:\S+, )+\))\)$")  # the solver's RowIndex call


def _near_lines(selected: str, x: str, key: str, inputs: dict, fresh) -> list:
    """``selected = near(rows, closed, x, key)`` written out (:func:`inline`): the built index of ``key`` from the
    caller's ``indexes`` (found or made there by :meth:`RowIndex.index`; a one-value key is kept by its value),
    ``x`` bisected in its points, the rows at that point or in that gap -- what :meth:`RowIndex.find` returns, the
    same tuples -- or every row where the table is not indexed (``index`` gave ``()``).

    >>> print("\\n".join(_near_lines("z1", "z2", "(S, )", {"indexes": "z3", "index": "g1", "bisect": "g2",
    ...     "rows": "z4", "closed": "z5"}, iter(["z6", "z7", "z8"]).__next__)))
    z6 = z3.get(S)
    if z6 is None:
        z6 = g1(z3, S, z4, z5, (S, ))
    if z6:
        z7 = z6[0]
        z8 = g2(z7, z2)
        z1 = z6[1][z8] if z8 < len(z7) and z7[z8] == z2 else z6[2][z8]
    else:
        z1 = z4
    """
    found, points, at = fresh(), fresh(), fresh()
    one = key[1:-3] if key.count(", ") == 1 else key  # (S, ) -> S
    indexes, rows, closed = inputs["indexes"], inputs["rows"], inputs["closed"]
    return [f"{found} = {indexes}.get({one})",
            f"if {found} is None:",
            f"    {found} = {inputs['index']}({indexes}, {one}, {rows}, {closed}, {key})",
            f"if {found}:",
            f"    {points} = {found}[0]",
            f"    {at} = {inputs['bisect']}({points}, {x})",
            f"    {selected} = {found}[1][{at}] if {at} < len({points}) and {points}[{at}] == {x} else "
            f"{found}[2][{at}]",
            "else:",
            f"    {selected} = {rows}"]
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# ------------------------------------------------------------------------------------------------ compiling (SymPy)


class _Builder:
    """Emits one assignment a distinct subexpression into the block of its stage.

    ``stage(symbol name)`` says where an input comes from: 0 read from ``v`` at the top, anything else a name the
    caller binds (a loop variable: ``bound[name]``); a node's stage is the highest of its children's, and its
    assignment goes into that stage's block, so what does not depend on a loop is computed once before it.
    """

    def __init__(self, stage=None, bound=None):
        self.stage_of = stage or (lambda name: 0)
        self.bound = bound or {}
        self.blocks: dict = {}
        self.memo: dict = {}
        self.constants: list = []
        self.names: list = []
        self.count = 0
        self.scope = {}  # stage -> its chain of scopes, outermost first (a price stage is per root; a row's check
        # of one root nests inside the row): a value is emitted into the innermost, found in any of them

    def fresh(self) -> str:
        self.count += 1
        return f"t{self.count - 1}"

    def chain(self, stage) -> tuple:
        return self.scope.get(stage, (stage,))

    def emit(self, stage, text) -> str:
        name = self.fresh()
        self.blocks.setdefault(self.chain(stage)[-1], []).append(f"{name} = {text}")
        return name

    def remembered(self, stage, key):
        for scope in reversed(self.chain(stage)):
            if (scope, key) in self.memo:
                return self.memo[scope, key]
        return None

    def remember(self, stage, key, found):
        self.memo[self.chain(stage)[-1], key] = found
        return found

    def constant(self, value: Fraction) -> str:
        pair = (value.numerator, value.denominator)
        if pair not in self.constants:
            self.constants.append(pair)
        return f"c{self.constants.index(pair)}"

    def visit(self, expr) -> tuple:
        """(name of the value, stage) of ``expr``."""
        import sympy

        if isinstance(expr, sympy.Symbol):
            stage = self.stage_of(expr.name)
            found = self.remembered(stage, expr.name)
            if found is not None:
                return found
            if stage == 0:
                if expr.name not in self.names:
                    self.names.append(expr.name)
                found = (self.emit(0, f"v[n{self.names.index(expr.name)}]"), 0)
            else:
                found = (self.bound[expr.name], stage)
            return self.remember(stage, expr.name, found)
        if isinstance(expr, sympy.Rational):
            return self.constant(Fraction(int(expr.p), int(expr.q))), -1
        text, stage = self._node(expr)
        found = self.remembered(stage, expr)
        if found is not None:
            return found
        return self.remember(stage, expr, (self.emit(stage, text), stage))

    def _node(self, expr) -> tuple:
        """(the text computing ``expr`` from its children's names, its stage); the children are emitted first."""
        import sympy

        if isinstance(expr, sympy.Add):
            hoisted = self._hoisted(expr)
            if hoisted is not None:
                return hoisted
            text, stage = "", 0
            # the terms added first and the negated ones subtracted after (``b - a``, not ``-a + b``: one operation
            # fewer, the same exact sum); otherwise in SymPy's order
            signed = [(isinstance(arg, sympy.Mul) and arg.args[0] == sympy.S.NegativeOne, arg) for arg in expr.args]
            for negated, arg in sorted(signed, key=lambda pair: pair[0]):
                name, part = self.visit(sympy.Mul(*arg.args[1:]) if negated else arg)
                stage = max(stage, part)
                text += (" - " if negated else " + ") + name if text else ("-" if negated else "") + name
            return text, stage
        if isinstance(expr, sympy.Mul):
            top, under, stage = [], [], 0
            for arg in expr.args:
                if isinstance(arg, sympy.Pow) and isinstance(arg.exp, sympy.Integer) and int(arg.exp) < 0:
                    name, part = self.visit(arg.base ** -int(arg.exp))
                    under.append(name)
                else:
                    name, part = self.visit(arg)
                    top.append(name)
                stage = max(stage, part)
            text = " * ".join(top) if top else self.constant(Fraction(1))
            if under:  # dividing: the same exact value, and the same ZeroDivisionError, as the reciprocal's product
                text += " / " + (under[0] if len(under) == 1 else "(" + " * ".join(under) + ")")
            return text, stage
        if isinstance(expr, sympy.Pow) and isinstance(expr.exp, sympy.Integer):
            exponent = int(expr.exp)
            base, stage = self.visit(expr.base)
            if exponent >= 0:
                return f"{base} ** {exponent}", stage
            return f"{self.constant(Fraction(1))} / ({base} ** {-exponent})", stage
        if isinstance(expr, (sympy.Min, sympy.Max)):
            parts = [self.visit(arg) for arg in expr.args]
            function = "min" if isinstance(expr, sympy.Min) else "max"
            return f"{function}({', '.join(name for name, _ in parts)})", max(s for _, s in parts)
        if isinstance(expr, sympy.Abs):
            name, stage = self.visit(expr.args[0])
            return f"abs({name})", stage
        raise NotCompilable(f"cannot compile {type(expr).__name__}")

    def _hoisted(self, expr):
        """An Add of a loop's stage whose terms include two or more of an earlier stage (constants included): those
        terms summed once as their own Add (in their stage's block, before the loop), the loop adding only its own
        terms to that sum -- the same exact value (rational addition is associative), fewer operations a row.
        None when there is nothing to hoist."""
        import sympy

        staged = [(arg, self._stage(arg)) for arg in expr.args]
        top = max(stage for _, stage in staged)
        early = [arg for arg, stage in staged if stage < top]
        if top <= 0 or len(early) < 2:
            return None
        late = [arg for arg, stage in staged if stage == top]
        return self._node(sympy.Add(sympy.Add(*early), *late, evaluate=False))

    def _stage(self, expr) -> int:
        """The stage ``expr`` is computed in (the highest of its symbols'; a number: -1), without emitting it."""
        symbols = [s.name for s in expr.free_symbols]
        return max((self.stage_of(name) for name in symbols), default=-1)

    def source(self, arguments: str, body: list, result: str) -> str:
        lines = [f"def f({arguments}):"] + [f"    {line}" for line in body] + [f"    return {result}"]
        return "\n".join(lines)


def compile_code(expr) -> Code:
    """``v -> mpq`` for ``expr``: ``v`` maps symbol names to GMP rationals (or Fractions, or ints)."""
    builder = _Builder()
    result, _ = builder.visit(expr)
    body = builder.blocks.get(0, [])
    return Code(builder.source("v", body, result), builder.constants, builder.names)


def compile_many(exprs) -> Code:
    """``v -> (value, ...)`` for several expressions at once, every subexpression they share computed once."""
    builder = _Builder()
    results = [builder.visit(expr)[0] for expr in exprs]
    body = builder.blocks.get(0, [])
    return Code(builder.source("v", body, "(" + "".join(r + ", " for r in results) + ")"), builder.constants,
                builder.names)


def inline_available(code: Code, inputs: dict, fresh, constant) -> tuple:
    """:func:`inline` of a straight-line code whose inputs may be missing (``inputs`` has the ones there): the
    lines that can be computed, and the expression of each of its results (None: it needs a missing input) -- what
    evaluating each result alone would give, a missing input being its KeyError."""
    missing = {f"v[n{i}]" for i, name in enumerate(code.names) if name not in inputs}
    lines = code.source.splitlines()
    kept, lost = [], set()
    for line in lines[1:-1]:
        target, _, expression = line.strip().partition(" = ")
        refs = set(re.findall(r"v\[n\d+\]|\bt\d+\b", expression))
        if refs & missing or refs & lost:
            lost.add(target)
        else:
            kept.append(line)
    results = [item.strip() for item in lines[-1].strip()[len("return ("):-1].split(",") if item.strip()]
    present = {n: e for n, e in inputs.items()}
    partial = Code("\n".join([lines[0], *kept, "    return (" + "".join(
        (r if r not in lost else "None") + ", " for r in results) + ")"]), code.constants, code.names)
    body, result = inline(partial, {**{n: "None" for n in code.names}, **present}, fresh, constant)
    outputs = [None if item.strip() == "None" else item.strip() for item in result[1:-1].split(",") if item.strip()]
    return body, outputs


_COMPARE = {"StrictLessThan": "<", "LessThan": "<=", "StrictGreaterThan": ">", "GreaterThan": ">=",
            "Equality": "==", "Unequality": "!="}


def compile_relation(relation) -> Code:
    """``v -> bool`` for one relational (both sides compiled together)."""
    operator = _COMPARE.get(type(relation).__name__)
    if operator is None:
        raise NotCompilable(f"cannot compile {type(relation).__name__}")
    builder = _Builder()
    left, _ = builder.visit(relation.lhs)
    right, _ = builder.visit(relation.rhs)
    body = builder.blocks.get(0, [])
    return Code(builder.source("v", body, f"{left} {operator} {right}"), builder.constants, builder.names)


def compile_condition(relation) -> tuple:
    """A condition as a tree: ``("relation", Code)``, ``("and" | "or", parts)``, ``("not", part)`` or
    ``("constant", bool)``; :func:`holds` evaluates it with the short-circuits of :mod:`verifier.derive.exact`."""
    import sympy

    if relation is sympy.true or relation is sympy.false:
        return ("constant", bool(relation))
    if isinstance(relation, (sympy.And, sympy.Or)):
        return ("and" if isinstance(relation, sympy.And) else "or",
                tuple(compile_condition(arg) for arg in relation.args))
    if isinstance(relation, sympy.Not):
        return ("not", compile_condition(relation.args[0]))
    return ("relation", compile_relation(relation))


def holds(tree, values) -> bool:
    """A compiled condition at ``values``."""
    kind = tree[0]
    if kind == "relation":
        return tree[1](values)
    if kind == "and":
        return all(holds(part, values) for part in tree[1])
    if kind == "or":
        return any(holds(part, values) for part in tree[1])
    if kind == "not":
        return not holds(tree[1], values)
    return tree[1]


def condition_names(tree) -> frozenset:
    """The input names a compiled condition reads."""
    if tree[0] == "relation":
        return frozenset(tree[1].names)
    if tree[0] in ("and", "or"):
        return frozenset().union(*(condition_names(part) for part in tree[1]))
    if tree[0] == "not":
        return condition_names(tree[1])
    return frozenset()


def compile_solver(roots, excluded, conditions, basis, target: str, tiers: tuple) -> Code:
    """The tier-consistent roots of a closed form, as one function.

    With ``tiers`` (the names of the tier symbols the table supplies, in the order a row gives them) the function
    is ``f(v, rows, closed)``: ``rows`` are ``(number, floor, cap, value, ...)`` tuples and ``closed`` says whether
    a row holds its floor (``[floor, cap)``) or its cap (``(floor, cap]``); it returns ``[(row number, price),
    ...]`` of every root valid in its row and whose ``basis`` at the root lies in that row, rows in order and roots
    in order within a row (the order :func:`verifier.derive.tiers.solve_form` finds them in).  Without ``tiers``
    it is ``f(v)`` returning ``[price, ...]`` of the valid roots.

    A root is valid as in :func:`verifier.derive.tiers._root`: not one of ``excluded`` (each evaluated with the
    row's values), and every one of ``conditions`` holds at the root (``target`` set to it).  Whatever does not
    depend on the row is computed once, before the rows.  A row is first tested by the basis at the root as one
    rational function of the row (``cancel(basis(root))``: where the root is defined, the same value, often without
    its divisions), and the root solved only in a row that holds it; the root's own basis is then tested again,
    unless the basis is a polynomial: then, the root computed, the basis at it is defined and is the screen's value
    (``cancel`` keeps the value wherever the expression it cancels is defined), which the row holds already.
    With one root whose screen has the shape :func:`_indexed_screen` decides, the loop visits only the rows its
    :class:`RowIndex` finds by bisection (``near``, bound in the function's namespace), the rows whose screen can
    hold: the same list.  ``conditions`` must be relationals.
    """
    import sympy

    for condition in conditions:
        if type(condition).__name__ not in _COMPARE:
            raise NotCompilable("a validity condition that is not one comparison")
    row_names = {name: f"r{i}" for i, name in enumerate(tiers)}
    builder = _Builder(lambda name: 2 if name == target else 1 if name in row_names else 0, dict(row_names))
    found = []
    for index, root in enumerate(roots):
        if any(symbol.name == target for symbol in root.free_symbols):
            raise NotCompilable(f"a root that still holds {target}")
        screen = None
        if tiers:  # the basis at the root, as a function of the row only: a row it is not in holds no candidate
            at_root = basis.xreplace({s: root for s in basis.free_symbols if s.name == target})
            screen = builder.visit(sympy.cancel(at_root))[0]
            builder.scope[1] = (1, ("root", index))
        price, _ = builder.visit(root)
        builder.scope[2] = (("price", index),)
        price_var = f"p{index}"
        builder.bound[target] = price_var
        builder.remember(2, target, (price_var, 2))
        excluded_names = [builder.visit(e)[0] for e in excluded]
        checks = []
        for condition in conditions:
            left, _ = builder.visit(condition.lhs)
            right, _ = builder.visit(condition.rhs)
            checks.append(f"{left} {_COMPARE[type(condition).__name__]} {right}")
        # a polynomial basis: its value at the root is the screen's, which the row holds (above)
        level = builder.visit(basis)[0] if tiers and not basis.is_polynomial(*basis.free_symbols) else None
        found.append((price, price_var, excluded_names, checks, level, screen, index))
        builder.scope.pop(1, None)
    if not tiers:
        body = list(builder.blocks.get(0, [])) + ["out = []"]
        for price, price_var, excluded_names, checks, _, _, index in found:
            body += _root_block(price, price_var, excluded_names, checks, builder.blocks.get(("price", index), []),
                                f"out.append({price_var})")
        return Code(builder.source("v", body, "out"), builder.constants, builder.names)
    # the loop written twice, once a bound convention (``closed`` is the table's: one test a position, not two a
    # row), the same lines but for the row's bounds
    indexed = None
    if len(found) == 1:  # one root: its screen decides which rows the loop visits
        at_root = basis.xreplace({s: roots[0] for s in basis.free_symbols if s.name == target})
        indexed, index_of = _indexed_screen(builder, sympy.cancel(at_root), row_names) or (None, None)
    selected = "rows"
    body = list(builder.blocks.get(0, []))
    if indexed:
        selected = builder.fresh()
        body.append(f"{selected} = near(rows, closed, {indexed[0]}, {indexed[1]})")
    loop = f"for number, floor, cap{''.join(', ' + r for r in row_names.values())} in {selected}:"
    body += ["out = []"]
    for convention in (True, False):
        inner = list(builder.blocks.get(1, []))
        for price, price_var, excluded_names, checks, level, screen, index in found:
            inner.append(f"if {_contains(screen, convention)}:")
            lines = list(builder.blocks.get(("root", index), []))
            lines += _root_block(price, price_var, excluded_names,
                                 checks + ([_contains(level, convention)] if level is not None else []),
                                 builder.blocks.get(("price", index), []), f"out.append((number, {price_var}))")
            inner += [f"    {line}" for line in lines]
        body += ["if closed:" if convention else "else:", f"    {loop}"] + [f"        {line}" for line in inner]
    return Code(builder.source("v, rows, closed", body, "out"), builder.constants, builder.names,
                index_of if indexed else None)


def _indexed_screen(builder, screen_expr, row_names: dict):
    """``(x, key)`` -- the names of the position scalar and of the key values, emitted before the rows -- and the
    :attr:`Code.screen` of a row screen of the indexed shape, else None (the solver keeps its plain loop).

    The shape, decided here from the expression: ``screen = (X + G) / D`` with ``X`` a polynomial of the position's
    inputs alone and ``G``, ``D`` polynomials of the row's values and of *key* inputs, and every division of the
    screen's own tree by a factor of ``D`` (so the loop's screen divides by zero exactly where ``D`` is 0).  For
    one key value and a row with ``D != 0`` the screen is affine in ``X`` with a non-zero slope, so each of its two
    bound tests changes truth only where ``X`` crosses ``floor * D - G`` or ``cap * D - G``; see :class:`RowIndex`.
    """
    import sympy

    rows = set(row_names)
    names = lambda e: {s.name for s in e.free_symbols}  # noqa: E731
    numerator, denominator = sympy.fraction(screen_expr)
    divisors = sympy.Integer(1)
    for node in sympy.preorder_traversal(screen_expr):
        if isinstance(node, sympy.Pow) and node.exp.is_Integer and node.exp < 0:
            divisors *= node.base ** -node.exp
    if sympy.expand(divisors - denominator) != 0 or not names(denominator) & rows:
        return None
    terms = sympy.Add.make_args(sympy.expand(numerator))
    x = sympy.Add(*[t for t in terms if not names(t) & rows])
    g = sympy.Add(*[t for t in terms if names(t) & rows])
    if not x.free_symbols or not x.is_polynomial(*x.free_symbols) or not g.is_polynomial(*g.free_symbols) \
            or not denominator.is_polynomial(*denominator.free_symbols):
        return None
    keys = tuple(sorted((names(g) | names(denominator)) - rows))
    code = compile_many([g, denominator])
    x_name = builder.visit(x)[0]
    key_names = [builder.visit(sympy.Symbol(k))[0] for k in keys]
    return (x_name, "(" + "".join(k + ", " for k in key_names) + ")"), (code, tuple(row_names), keys)


class RowIndex:
    """The rows of a table a solver's screen can hold, found by bisection instead of screening every row.

    Called ``near(rows, closed, x, key)`` with the solver's ``rows`` and ``closed``, the position scalar ``x`` and
    the key values (:func:`_indexed_screen`); returns the rows, in table order, whose screen may hold -- every row
    whose screen holds is among them -- or ``rows`` itself where it does not index (a row with ``D = 0`` at this
    key: the loop then meets the zero denominator as before; more than ``LIMIT`` keys for one table).

    Why it is the loop's answer: for one key and row ``i`` with ``d_i = D != 0`` and ``g_i = G``, the screen is
    ``(x + g_i) / d_i``, affine in ``x`` with a non-zero slope, so ``floor_i <= screen`` (or ``<``) and ``screen
    < cap_i`` (or ``<=``) each change truth only at ``x = floor_i * d_i - g_i`` or ``cap_i * d_i - g_i``.
    Between two consecutive such points of the whole table (and beyond the first and the last) no row's answer
    changes; each point and each open gap between them is screened once, exactly, at the point or at a rational
    inside the gap, with the loop's own test (built once per table, bound convention and key).  A position's
    ``x`` is bisected to its point or gap and gets that list.  A row left out fails the loop's screen, and a row
    failing the screen does nothing else in the loop (no root solved, nothing appended, no division by zero since
    ``d_i != 0``), so the loop over the list returns the loop over all rows' list.
    ``tests/derive/test_row_index.py`` holds both equal at every point, inside every gap and at extremes.
    """

    LIMIT = 16

    def __init__(self, code, tier_names: tuple, key_names: tuple):
        self.code, self.tier_names, self.key_names = code, tier_names, key_names
        self.tables: dict = {}  # id(rows) -> (rows, {(closed, key): (points, at points, in gaps) or None})
        self.find = self._finder()

    def __call__(self, rows, closed, x, key):
        return self.find(rows, closed, x, key)

    def _finder(self):
        """``find``: one dict look-up a position in the common case (a plain function: cheaper to call)."""
        found, tables, limit, build, search = {}, self.tables, self.LIMIT, self.build, bisect.bisect_left

        def find(rows, closed, x, key):
            entry = found.get((id(rows), closed, key))
            if entry is None or entry[0] is not rows:
                known = tables.get(id(rows))
                if known is None or known[0] is not rows:
                    known = tables[id(rows)] = (rows, {})
                if len(known[1]) >= limit and (closed, key) not in known[1]:
                    return rows
                if (closed, key) not in known[1]:
                    known[1][closed, key] = build(rows, closed, key)
                entry = found[id(rows), closed, key] = (rows, known[1][closed, key])
            built = entry[1]
            if built is None:
                return rows
            points = built[0]
            index = search(points, x)
            if index < len(points) and points[index] == x:
                return built[1][index]
            return built[2][index]

        return find

    def index(self, indexes: dict, kept, rows, closed, key):
        """The built index of ``rows`` (a table's, with its ``closed``) at ``key`` -- (points, rows at each, rows in
        each gap), what :meth:`find` bisects, kept with :meth:`find`'s -- or ``()`` where :meth:`find` returns every
        row (a zero ``D`` at ``key``; ``LIMIT`` keys indexed for these rows already); kept in the caller's
        ``indexes`` (of these ``rows`` and ``closed`` only) under ``kept`` while it holds fewer than ``LIMIT``.  For
        the code that bisects it itself (:func:`_near_lines`)."""
        known = self.tables.get(id(rows))
        if known is None or known[0] is not rows:
            known = self.tables[id(rows)] = (rows, {})
        if (closed, key) in known[1]:
            built = known[1][closed, key]
        elif len(known[1]) >= self.LIMIT:
            built = None
        else:
            built = known[1][closed, key] = self.build(rows, closed, key)
        built = built or ()
        if len(indexes) < self.LIMIT:
            indexes[kept] = built
        return built

    def build(self, rows, closed, key):
        """(sorted points, rows at each, rows in each gap: before the first, between each two, after the last),
        or None when a row's ``D`` is 0 at ``key``."""
        values = dict(zip(self.key_names, key))
        lines = []
        for row in rows:
            values.update(zip(self.tier_names, row[3:]))
            g, d = self.code(values)
            if d == 0:
                return None
            lines.append((row, g, d))
        points = sorted({bound * d - g for row, g, d in lines for bound in row[1:3] if bound is not None})

        def holding(x):
            found = []
            for row, g, d in lines:
                level, floor, cap = (x + g) / d, row[1], row[2]
                if (floor <= level and (cap is None or level < cap)) if closed else \
                        (floor < level and (cap is None or level <= cap)):
                    found.append(row)
            return tuple(found)

        if not points:
            return [], (), (holding(mpq(0)),)
        inside = [points[0] - 1] + [(a + b) / 2 for a, b in zip(points, points[1:])] + [points[-1] + 1]
        return points, tuple(holding(p) for p in points), tuple(holding(p) for p in inside)


def _contains(level: str, closed: bool) -> str:
    """Whether the row holds ``level``, by its bound convention: ``[floor, cap)`` when ``closed``, else
    ``(floor, cap]``."""
    if closed:
        return f"floor <= {level} and (cap is None or {level} < cap)"
    return f"floor < {level} and (cap is None or {level} <= cap)"


def _root_block(price, price_var, excluded_names, checks, price_lines, action) -> list:
    """The lines judging one root: bound to its name, not excluded, its conditions hold -> ``action``."""
    lines = [f"{price_var} = {price}"]
    guard = " or ".join(f"{price_var} == {e}" for e in excluded_names)
    inner = list(price_lines)
    test = " and ".join(f"({check})" for check in checks) or "True"
    inner.append(f"if {test}:")
    inner.append(f"    {action}")
    if guard:
        lines.append(f"if not ({guard}):")
        lines += [f"    {line}" for line in inner]
    else:
        lines += inner
    return lines
