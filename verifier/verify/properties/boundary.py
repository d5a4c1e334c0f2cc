"""Closed form against simulator: the derived liquidation price is exactly where the simulator starts liquidating."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume

from verifier.verify.properties import register
from verifier.verify.properties._exact import Violation, derived, simulated
from verifier.verify.properties._examples import example_entry

EPSILON = Fraction(1, 10**12)


def _has_liquidation(rule, view):
    return None if "liquidation" in view.conditions else "the mode has no liquidation condition"


def neighbours(price: Fraction) -> tuple:
    step = max(abs(price) * EPSILON, Fraction(1, 10**30))
    return price - step, price + step


def simulator_boundary(rule, case, near: Fraction):
    """The simulator's own liquidation boundary near ``near`` (exact bisection), or None when it has none there."""
    grid = sorted({near * Fraction(k, 8) for k in range(1, 80)} | {near / 1000, near * 1000})
    status = [(p, simulated(rule, case, p)) for p in grid if p > 0]
    for (a, sa), (b, sb) in zip(status, status[1:]):
        if sa != sb:
            for _ in range(80):
                mid = (a + b) / 2
                if simulated(rule, case, mid) == sa:
                    a = mid
                else:
                    b = mid
            return (a + b) / 2, b - a
    return None


@register("case", _has_liquidation)
def closed_form_agrees_with_simulator(rule, case):
    """The derived liquidation price is the simulator's boundary: just on its unsafe side the simulator liquidates,
    just on its safe side it does not, and at the price itself it follows the rule's '<' or '<='."""
    solution = derived(rule, case)
    assume(solution is not None and solution.price is not None and solution.price > 0)
    price = solution.price
    below, above = neighbours(price)
    assume(below > 0)
    low, high = simulated(rule, case, below), simulated(rule, case, above)
    relation = rule.mode(case.mode).conditions["liquidation"].relation
    problem = None
    if low == high:
        problem = (f"the simulator {'liquidates' if low else 'does not liquidate'} on both sides of the derived "
                   f"liquidation price {price}")
    elif getattr(relation, "rel_op", None) in ("<=", ">=", "<", ">"):
        at = simulated(rule, case, price)
        inclusive = relation.rel_op in ("<=", ">=")
        if at != inclusive:
            problem = (f"at the derived liquidation price {price} the simulator {'liquidates' if at else 'does not'}, "
                       f"but the rule's condition uses '{relation.rel_op}'")
    if problem:
        found = simulator_boundary(rule, case, price)
        expect, tolerance = (found[0], max(found[1], abs(found[0]) / 10**9)) if found else (price, Fraction(0))
        raise Violation(problem, example_entry(rule, case, "closed_form_agrees_with_simulator",
                                               {"liquidation_price": expect}, tolerance,
                                               "the simulator's liquidation boundary at these inputs"))
