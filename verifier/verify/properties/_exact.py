"""The two independent evaluations a property compares, at one generated :class:`~verifier.verify.strategies.Case`.

* :func:`simulated` asks the *simulator's* compiled rule (``verifier.simulate``: the rule's primitive
  definitions and conditions as Fraction arithmetic, tiers picked from the basis at the price tested);
* :func:`derived` asks the *derivation* (``verifier.derive.solve_price``: the SymPy closed form, tier-consistent).

Neither knows about the other; a property states what must hold between them.
"""

from __future__ import annotations

from fractions import Fraction

from verifier.derive import solve_price
from verifier.errors import Disagreement, EvaluationError
from verifier.simulate import compiled_rule


class Violation(Disagreement, AssertionError):
    """A property does not hold: ``message`` says what, ``example`` is a ready-to-paste ``examples:`` entry,
    ``scenario`` the generated story (a model Scenario) that shows it, to run again with ``simulate``."""

    def __init__(self, message: str, example: dict | None = None, path: tuple = (), scenario=None):
        super().__init__(message)
        self.message = message
        self.example = example
        self.path = path  # where in the rule file the property points (for file:line)
        self.scenario = scenario


def sim_mode(rule, case):
    """The simulator's compiled mode for the case's date (the rule compiled once per date)."""
    return compiled_rule(rule, case.date).mode(case.mode)


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
        table = rule.tiers.table(case.market, case.date) if rule.tiers is not None else None
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
    """The derivation's tier-consistent price as a TierSolution, or None where the derivation says there is none
    for this input (:class:`~verifier.errors.EvaluationError`: no tier row holds it, no tier table or market).

    Anything else raised inside derive (a ``KeyError``, a ``ZeroDivisionError``, a ``DerivationError``) is a
    crash of the derivation, not an input to skip: it propagates, and the property's row is an error naming it.
    """
    values = case.values if values is None else values
    try:
        return solve_price(rule, case.mode, condition, values, market=case.market, date=case.date)
    except EvaluationError:
        return None


def role_of(rule, case, role: str):
    from verifier.verify.strategies import role as _role

    view = rule.mode(case.mode)
    return next((n for n in case.values if _role(rule, view, n) == role), None)
