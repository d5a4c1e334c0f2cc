"""Closed form against simulator: the derived liquidation price is exactly where the simulator starts liquidating."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume

from verifier.verify.properties._registry import register
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
    assume(solution is not None)
    if solution.price is None or solution.price <= 0:
        _no_price_means_no_boundary(rule, case)
        return
    price = solution.price
    below, above = neighbours(price)
    assume(below > 0)
    low, high = simulated(rule, case, below), simulated(rule, case, above)
    relation = rule.at(case.date).mode(case.mode).conditions["liquidation"].relation
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


def _no_price_means_no_boundary(rule, case):
    """Where the derivation finds no liquidation price, the simulator's status must not change with the price."""
    anchor = next((v for n, v in case.values.items() if rule.mode(case.mode).symbols[n].snapshot_formula(
        rule.mode(case.mode).account) == "entryPrice"), Fraction(1))
    grid = sorted({anchor * Fraction(10) ** k for k in range(-4, 5)} | {anchor * Fraction(k, 10) for k in range(1, 30)})
    status = {p: simulated(rule, case, p) for p in grid}
    if len(set(status.values())) > 1:
        points = sorted(status)
        for a, b in zip(points, points[1:]):
            if status[a] != status[b]:
                found = simulator_boundary(rule, case, (a + b) / 2)
                break
        expect, tolerance = (found[0], max(found[1], abs(found[0]) / 10**9)) if found else ((a + b) / 2, b - a)
        raise Violation(f"the derivation finds no liquidation price, but the simulator starts liquidating near {expect}",
                        example_entry(rule, case, "closed_form_agrees_with_simulator", {"liquidation_price": expect},
                                      tolerance, "the simulator's liquidation boundary at these inputs"))
