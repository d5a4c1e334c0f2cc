"""A cross position's other positions, seen by the derivation: their profit helps, their requirement hurts.

Which way an ``others`` symbol must push is read from the definition it sums: a gain (``upnl``, ``asset_value``)
or a requirement (``maintenance_margin``, ``liability``, ``requirement``, ``closing_fee``, ``liquidation_fee``).
A unified coin's ``collateral_value`` is not counted here: with haircut tiers in USD and a zero-ratio top tier, a
coin that also owes has a second liquidation price far above the first, and one more unit of the others'
collateral can remove the first, which this property (one boundary per position) would read as a move the wrong
way; the properties of verify/properties/unified.py compare states at the same price instead.  Dropping a term (the
symbol unused by the liquidation condition, or a price that does not move) and flipping its sign are caught here;
counting it twice is caught by the stories (:mod:`~verifier.verify.properties.pooling`).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume

from verifier.verify.properties._registry import register
from verifier.verify.properties._exact import Violation, derived, simulated
from verifier.verify.properties._examples import condition_entry

GAINS = ("upnl", "asset_value")
REQUIREMENTS = ("maintenance_margin", "liability", "requirement", "closing_fee", "liquidation_fee")


def pushes(view) -> dict:
    """others symbol -> +1 (more of it is a gain to the position) or -1 (a requirement), for the sums it knows."""
    out = {}
    for name, definition in view.others.items():
        if definition in GAINS:
            out[name] = 1
        elif definition in REQUIREMENTS:
            out[name] = -1
    return out


def _applies(rule, view):
    if view.account != "cross":
        return "other positions count in cross accounts"
    if "liquidation" not in view.conditions:
        return "the mode has no liquidation condition"
    if not pushes(view):
        return "the mode sums no gain or requirement of the other positions"
    return None


def safe_reference(rule, case, price):
    """A price on the safe side of ``price`` (where the simulator does not liquidate), or None."""
    for factor in (Fraction(7, 8), Fraction(9, 8)):
        point = price * factor
        if not simulated(rule, case, point) and simulated(rule, case, price + (price - point)):
            return point
    return None


@register("case", _applies)
def other_positions_move_cross_liquidation_the_right_way(rule, case):
    """More profit in the other cross positions moves the liquidation price away from the safe side (or removes
    it), and more of their requirement (maintenance margin, liabilities) moves it nearer: a cross position is
    backed by what the others gain and burdened by what they need."""
    view = rule.at(case.date).mode(case.mode)
    used = {s.name for s in view.conditions["liquidation"].relation.free_symbols}
    for name, sign in pushes(view).items():
        if name not in used:
            what = "profit" if sign > 0 else "requirement"
            raise Violation(f"the liquidation condition ignores {name}, the other positions' {what} "
                            f"({view.others[name]} summed over them)", path=("conditions", "liquidation"))
    a = derived(rule, case)
    assume(a is not None and a.price is not None and a.price > 0)
    reference = safe_reference(rule, case, a.price)
    assume(reference is not None)
    toward_safety = 1 if reference > a.price else -1
    for name, sign in pushes(view).items():
        assume(name in case.values)
        value = case.values[name]
        delta = abs(value) / 2 + Fraction(1, 1000) * (abs(value) or 1)
        changed = case.with_values(**{name: value + delta})
        b = derived(rule, changed)
        if sign > 0:
            if b is None or b.price is None or b.price <= 0 or (b.price - a.price) * toward_safety < 0:
                continue  # moved away from the safe side, or no liquidation price any more
            raise Violation(f"{delta} more profit in the other positions ({name}) moves the liquidation price "
                            f"toward the safe side or not at all: {a.price} -> {b.price}",
                            condition_entry(rule, changed, "other_positions_move_cross_liquidation_the_right_way",
                                            a.price, False, f"at {a.price}, the liquidation price before {name} "
                                            f"grew by {delta}, the position is not liquidated with the others' "
                                            "profit"))
        else:
            assume(b is not None and b.price is not None and b.price > 0)
            if (b.price - a.price) * toward_safety > 0:
                continue  # nearer the safe side (or past it: liquidated there now)
            raise Violation(f"{delta} more requirement of the other positions ({name}) moves the liquidation price "
                            f"away or not at all: {a.price} -> {b.price}",
                            condition_entry(rule, changed, "other_positions_move_cross_liquidation_the_right_way",
                                            a.price, True, f"at {a.price}, the liquidation price before {name} "
                                            f"grew by {delta}, the position is liquidated"))
