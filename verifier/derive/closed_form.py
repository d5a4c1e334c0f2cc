"""Solving one condition of one mode for its ``solve_for`` symbol: the general closed form.

Tier symbols stay symbolic here; :mod:`verifier.derive.tiers` substitutes each row.
The boundary of a condition such as ``equity <= maintenance_margin`` is its equality;
we solve ``lhs - rhs = 0`` with :func:`sympy.solveset` over the reals.

>>> from verifier.read import load_rule
>>> rule = load_rule("binance/usdm-perpetual")
>>> form = solve_condition(rule.mode("isolated"), rule.mode("isolated").conditions["liquidation"])
>>> form.expr
(-EP*q*s + WB + cum)/(q*(MMR - s))
>>> [str(c) for c in form.conditions]
['P > 0']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from verifier.errors import DerivationError
from verifier.model.evaluate import to_rational


@dataclass(frozen=True)
class ClosedForm:
    """The roots of one condition's boundary, with the conditions under which a root is valid.

    ``roots`` are SymPy expressions in the mode's symbols (tier symbols included);
    ``conditions`` are SymPy relationals that must hold at the root (``solve_for`` is
    written in them and is replaced by the root when checking); ``excluded`` are
    values the solver excluded.  ``conditions`` use :attr:`variable`, a plain real symbol of the same
    name (the rule's own symbol carries its domain as an assumption, which would make them trivially true).  No roots at all means "no liquidation price" for any input.
    """

    condition: str
    solve_for: str
    relation: object
    roots: tuple
    conditions: tuple = ()
    excluded: tuple = ()
    notes: tuple = field(default_factory=tuple)

    @property
    def variable(self):
        return sympy.Symbol(self.solve_for, real=True)

    @property
    def expr(self):
        """The (first) root; ``None`` when the boundary has no solution at all."""
        return self.roots[0] if self.roots else None


def solve_condition(mode, condition) -> ClosedForm:
    """Solve ``condition`` (a :class:`verifier.model.Condition`) of ``mode`` for its ``solve_for`` symbol.

    Raises :class:`DerivationError` when SymPy gives no closed form (the reason is in the message).
    """
    spec = mode.symbols[condition.solve_for]
    target = spec.sympy
    relation = condition.relation
    # Solve over a plain real symbol so the solver does not silently drop roots outside the
    # domain; the domain is stated instead as a validity condition on the root.
    x = sympy.Symbol(target.name, real=True)
    equation, constants = _constant_pieces(sympy.together((relation.lhs - relation.rhs).subs(target, x)), x)
    try:
        solution = sympy.solveset(equation, x, sympy.S.Reals)
    except (NotImplementedError, ValueError, TypeError) as exc:  # SymPy's ways of saying 'cannot'
        raise DerivationError(f"no closed form for {condition.name!r} in mode {mode.name!r}: {exc}") from None
    roots, excluded = _flatten(solution, mode, condition)
    roots = tuple(sympy.factor_terms(sympy.simplify(r.xreplace(constants).subs(x, target))) for r in roots)
    excluded = [e.xreplace(constants) for e in excluded]
    conditions = tuple(_domain_conditions(spec, x))
    return ClosedForm(condition.name, condition.solve_for, relation, roots, conditions,
                      tuple(e.subs(x, target) for e in excluded))


def _constant_pieces(equation, x):
    """``equation`` with every ``max``/``min``/``abs`` free of ``x`` replaced by a fresh real symbol, and the map back.

    Such a piece is a constant of the solve (a unified coin's positive equity ``max(A - D - I, 0)`` when its price
    moves); left in, solveset would try to split on its sign and give up on the other symbols.

    >>> A, x = sympy.symbols("A x", real=True)
    >>> eq, back = _constant_pieces(sympy.Max(A, 0) * x - 1, x)
    >>> sympy.solveset(eq, x, sympy.S.Reals).xreplace(back)
    Intersection({1/Max(0, A)}, Reals)
    """
    pieces = [p for p in equation.atoms(sympy.Max, sympy.Min, sympy.Abs) if not p.has(x)]
    constants = {p: sympy.Dummy(f"k{n}", real=True) for n, p in enumerate(pieces)}
    return equation.xreplace(constants), {symbol: piece for piece, symbol in constants.items()}


def _flatten(solution, mode, condition):
    """(roots, excluded values) from a solveset answer; refuses what is not a finite set of roots."""
    if solution is sympy.S.EmptySet:
        return [], []
    if isinstance(solution, sympy.FiniteSet):
        return list(solution.args), []
    if isinstance(solution, sympy.Intersection):
        finite = [a for a in solution.args if isinstance(a, (sympy.FiniteSet, sympy.Intersection, sympy.Complement))]
        others = [a for a in solution.args if a not in finite]
        if len(finite) == 1 and all(a == sympy.S.Reals for a in others):
            return _flatten(finite[0], mode, condition)
    if isinstance(solution, sympy.Complement):
        roots, excluded = _flatten(solution.args[0], mode, condition)
        removed, removed_excluded = _flatten(solution.args[1], mode, condition)
        return roots, excluded + removed + removed_excluded
    if isinstance(solution, sympy.Union):
        roots, excluded = [], []
        for part in solution.args:
            r, e = _flatten(part, mode, condition)
            roots += r
            excluded += e
        return roots, excluded
    raise DerivationError(f"no closed form for {condition.name!r} in mode {mode.name!r}: "
                          f"the solver answered {type(solution).__name__} ({solution})")


def _domain_conditions(spec, x):
    ops = {">": sympy.StrictGreaterThan, ">=": sympy.GreaterThan, "<": sympy.StrictLessThan,
           "<=": sympy.LessThan, "!=": sympy.Ne}
    for op, bound in spec.domain:
        yield ops[op](x, to_rational(bound))
