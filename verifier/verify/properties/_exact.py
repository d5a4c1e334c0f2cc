"""The two independent evaluations a property compares, at one generated :class:`~verifier.verify.strategies.Case`.

* :func:`simulated` asks the *simulator's* compiled rule (``verifier.simulate``: the rule's primitive
  definitions and conditions as Fraction arithmetic, tiers picked from the basis at the price tested);
* :func:`derived` asks the *derivation* (``verifier.derive.solve_price``: the SymPy closed form, tier-consistent).

Neither knows about the other; a property states what must hold between them.
"""

from __future__ import annotations

from fractions import Fraction

from verifier.derive import DerivationError, TierSolution, derive_rule, solve_price
from verifier.derive.tiers import entry_symbol
from verifier.model.evaluate import EvaluationError
from verifier.simulate import BindingError, SimRule
from verifier.simulate.compiled import CompileError, compile_expr, compile_relation


class Violation(AssertionError):
    """A property does not hold: ``message`` says what, ``example`` is a ready-to-paste ``examples:`` entry."""

    def __init__(self, message: str, example: dict | None = None, path: tuple = ()):
        super().__init__(message)
        self.message = message
        self.example = example
        self.path = path  # where in the rule file the property points (for file:line)


_SIM_RULES: dict = {}


def sim_mode(rule, case):
    """The simulator's compiled mode for the case's date (compiled once per rule and date)."""
    key = (id(rule), case.date)
    entry = _SIM_RULES.get(key)
    if entry is None or entry[0] is not rule:
        entry = (rule, SimRule(rule, case.date))
        _SIM_RULES[key] = entry
    return entry[1].mode(case.mode)


def point(rule, case, price: Fraction) -> dict:
    """SymPy symbol -> Fraction for the simulator: parameters, the case's inputs, the price, the tier row at it."""
    sim = sim_mode(rule, case)
    view = rule.mode(case.mode)
    values = dict(sim.params)
    for name, value in case.values.items():
        spec = view.symbols.get(name) or view.parameters.get(name)
        values[spec.sympy] = Fraction(value)
    values[view.symbols[rule.price].sympy] = Fraction(price)
    missing = [(s, c) for s, c in sim.tier_symbols if s not in values]
    if missing:
        table = rule.tiers.table(case.market) if rule.tiers is not None else None
        if table is None:
            raise EvaluationError(f"no tier table for market {case.market!r}")
        row = table.row_for(sim.tier_basis(values))
        if row is None:
            raise EvaluationError("no tier row holds the basis")
        for symbol, column in missing:
            values[symbol] = row.values[column]
    return values


def simulated(rule, case, price: Fraction, condition: str = "liquidation") -> bool:
    """Whether the simulator's compiled ``condition`` holds for the case at ``price``.

    A price where the rule has no tier row (outside every bracket) is not a valid state: the input is rejected.
    """
    sim = sim_mode(rule, case)
    try:
        return bool(sim.conditions[condition](point(rule, case, price)))
    except EvaluationError:
        from hypothesis import reject

        reject()


def simulated_definition(rule, case, price: Fraction, name: str):
    sim = sim_mode(rule, case)
    return sim.definitions[name](point(rule, case, price))


def derived(rule, case, condition: str = "liquidation", values: dict | None = None):
    """The derivation's tier-consistent price as a TierSolution, or None when it cannot give one here.

    The closed form's roots are evaluated as compiled Fraction arithmetic (exact, ~50x faster than SymPy
    substitution); roots the evaluator cannot compile exactly go through :func:`verifier.derive.solve_price`.
    """
    values = case.values if values is None else values
    try:
        fast = _compiled_form(rule, case.mode, condition)
        if fast is None:
            return solve_price(rule, case.mode, condition, values, market=case.market, date=case.date)
        return fast.solve(rule, case, values)
    except (DerivationError, EvaluationError, KeyError, ZeroDivisionError, BindingError):
        return None


_FORMS: dict = {}


def _compiled_form(rule, mode_name, condition):
    key = (id(rule), mode_name, condition)
    entry = _FORMS.get(key)
    if entry is None or entry[0] is not rule:
        try:
            form = derive_rule(rule).closed_form(mode_name, condition)
            entry = (rule, _FastForm(rule, mode_name, form))
        except CompileError:
            entry = (rule, None)
        _FORMS[key] = entry
    return entry[1]


class _FastForm:
    """A closed form's roots compiled to Fraction arithmetic, with derive's tier-consistency rule."""

    def __init__(self, rule, mode_name, form):
        view = rule.mode(mode_name)
        self.view, self.form = view, form
        self.target = view.symbols[form.solve_for].sympy
        self.roots = [compile_expr(r) for r in form.roots]
        self.conditions = [compile_relation(c) for c in form.conditions]  # in the plain variable: no assumptions
        self.excluded = [compile_expr(e) for e in form.excluded]
        self.basis = compile_expr(view.tier_basis.expr) if view.tier_basis is not None else None
        self.entry = entry_symbol(view, form.solve_for)

    def solve(self, rule, case, given):
        view = self.view
        values = {p.sympy: p.value_at(case.date) for p in view.parameters.values()}
        for name, value in given.items():
            spec = view.symbols.get(name) or view.parameters.get(name)
            values[spec.sympy] = Fraction(value)
        current = values.pop(self.target, None)
        missing = [n for n in view.tier_symbols if n not in given]
        reference = current if current is not None else (Fraction(given[self.entry]) if self.entry in given else None)
        if not missing or rule.tiers is None or self.basis is None:
            found = [p for p in (self._root(r, values) for r in self.roots) if p is not None]
            return TierSolution(_nearest(found, reference))
        table = rule.tiers.table(case.market)
        if table is None:
            raise EvaluationError("no tier table for this market")
        candidates = []
        for row in table.rows:
            row_values = dict(values)
            for name in missing:
                row_values[view.symbols[name].sympy] = row.values[view.tier_symbols[name]]
            for root in self.roots:
                price = self._root(root, row_values)
                if price is None:
                    continue
                basis = self.basis({**row_values, self.target: price})
                if not isinstance(basis, float) and row.contains(basis, table.bounds):
                    candidates.append((row.number, price))
        if not candidates:
            return TierSolution(None)
        price = _nearest([p for _, p in candidates], reference)
        return TierSolution(price, next(n for n, p in candidates if p == price), None, tuple(candidates))

    def _root(self, root, values):
        price = root(values)
        if isinstance(price, float):
            return None
        point = {**values, self.target: price, self.form.variable: price}
        if any(not isinstance(e(values), float) and e(values) == price for e in self.excluded):
            return None
        if not all(c(point) for c in self.conditions):
            return None
        return price


def _nearest(prices, reference):
    if not prices:
        return None
    if len(prices) == 1 or reference is None:
        return prices[0]
    return min(prices, key=lambda p: abs(p - reference))


def role_of(rule, case, role: str):
    from verifier.verify.strategies import role as _role

    view = rule.mode(case.mode)
    return next((n for n in case.values if _role(rule, view, n) == role), None)
