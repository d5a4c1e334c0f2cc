"""The margin call warns before liquidation: wherever a rule liquidates, its margin-call condition holds."""

from __future__ import annotations

from hypothesis import assume

from verifier.verify.properties._registry import register
from verifier.verify.properties._exact import Violation, derived, simulated
from verifier.verify.properties.boundary import neighbours
from verifier.verify.properties._examples import condition_entry


def _applies(rule, view):
    if "margin_call" not in view.conditions or "liquidation" not in view.conditions:
        return "the mode has no margin_call condition"
    return None


@register("case", _applies, path=("conditions", "margin_call"))
def margin_call_comes_before_liquidation(rule, case):
    """A margin call comes no later than liquidation: at the liquidation price, and just past it, the margin-call
    condition holds too (a user is warned before the position is taken)."""
    solution = derived(rule, case)
    assume(solution is not None and solution.price is not None and solution.price > 0)
    below, above = neighbours(solution.price)
    assume(below > 0)
    unsafe = [p for p in (below, solution.price, above) if simulated(rule, case, p)]
    assume(unsafe)
    for price in unsafe:
        if not simulated(rule, case, price, "margin_call"):
            raise Violation(f"at {price} the position is liquidated but its margin-call condition does not hold: "
                            "the liquidation comes first",
                            condition_entry(rule, case, "margin_call_comes_before_liquidation", price, True,
                                            "liquidated here, so the margin call must have been sent: it holds",
                                            condition="margin_call"))
