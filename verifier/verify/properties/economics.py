"""Economic orderings and monotonicity of the liquidation price (one position, exact)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume

from verifier.verify.properties._registry import register
from verifier.verify.properties._exact import Violation, derived, role_of, simulated, simulated_definition
from verifier.verify.properties._examples import condition_entry
from verifier.verify.strategies import inputs_of, role


def _roles(rule, view):
    return {role(rule, view, n) for n in inputs_of(rule, view)}


def _ordering_applies(rule, view):
    if "bankruptcy" not in view.conditions or "liquidation" not in view.conditions:
        return "the mode has no bankruptcy condition"
    if not {"side", "entry"} <= _roles(rule, view):
        return "the position has no side and entry price"
    if "maintenance_margin" not in view.definitions:
        return "the mode defines no maintenance_margin"
    return None


def _safe_at_entry(rule, case, entry):
    return not simulated(rule, case, case.values[entry])


@register("case", _ordering_applies)
def bankruptcy_liquidation_entry_ordered(rule, case):
    """For a long, bankruptcy price <= liquidation price <= entry price (mirrored for a short) whenever the
    maintenance margin is positive: liquidation comes before the collateral is gone, on the losing side."""
    entry, side = role_of(rule, case, "entry"), role_of(rule, case, "side")
    liq = derived(rule, case)
    assume(liq is not None and liq.price is not None and liq.price > 0)
    assume(_safe_at_entry(rule, case, entry))
    assume(simulated_definition(rule, case, liq.price, "maintenance_margin") > 0)
    s, ep, lp = case.values[side], case.values[entry], liq.price
    bank = derived(rule, case, "bankruptcy")
    bp = bank.price if bank is not None else None
    problem = at = None
    if s > 0 and lp > ep or s < 0 and lp < ep:
        problem, at, holds = f"the liquidation price {lp} is on the winning side of the entry price {ep}", lp, False
        truth = f"at {lp}, on the winning side of the entry {ep}, the position is not liquidated"
    elif bp is not None and (s > 0 and bp > lp or s < 0 and bp < lp):
        problem, at, holds = f"the bankruptcy price {bp} comes before the liquidation price {lp}", bp, True
        truth = f"at the bankruptcy price {bp} the position is liquidated (the derivation's price is {lp})"
    if problem:
        kind = "long" if s > 0 else "short"
        raise Violation(f"{kind}: {problem}", condition_entry(
            rule, case, "bankruptcy_liquidation_entry_ordered", at, holds,
            f"a {kind}'s liquidation price lies between its bankruptcy and entry prices: {truth}"))


def _leverage_applies(rule, view):
    if view.account != "isolated":
        return "leverage moves an isolated position's margin only"
    if "leverage" not in _roles(rule, view):
        return "no leverage symbol in the liquidation condition"
    if "entry" not in _roles(rule, view):
        return "the position has no entry price"
    return None


@register("case", _leverage_applies)
def liquidation_nears_entry_as_leverage_rises(rule, case):
    """Raising the leverage (less margin for the same position) moves the liquidation price toward the entry price."""
    entry, lev = role_of(rule, case, "entry"), role_of(rule, case, "leverage")
    cap = role_of(rule, case, "max_leverage")
    high = case.values[lev] * 2
    if cap is not None:
        high = min(high, case.values[cap])
    assume(high > case.values[lev])
    riskier = case.with_values(**{lev: high})
    a, b = derived(rule, case), derived(rule, riskier)
    assume(a is not None and b is not None and a.price is not None and b.price is not None)
    assume(_safe_at_entry(rule, case, entry) and _safe_at_entry(rule, riskier, entry))
    ep = case.values[entry]
    if abs(b.price - ep) > abs(a.price - ep):
        past = (a.price + b.price) / 2  # beyond a: a riskier position is liquidated there
        raise Violation(
            f"leverage {case.values[lev]} -> {high} moves the liquidation price away from the entry {ep}: "
            f"{a.price} -> {b.price}",
            condition_entry(rule, riskier, "liquidation_nears_entry_as_leverage_rises", past, True,
                            f"at leverage {case.values[lev]} the liquidation price is {a.price}; with more leverage "
                            f"the position is liquidated at {past}, beyond it"))


def collateral_symbol(rule, view):
    """The isolated position's own margin: the symbol read from the snapshot's ``collateral``."""
    for name in inputs_of(rule, view):
        reading = view.symbols[name].snapshot_formula(view.account) or ""
        # signed: a position margin that funding paid out of can fall below its initial margin (KuCoin's extra)
        if "collateral" in reading and role(rule, view, name) in ("money", "signed_money"):
            return name
    return None


def _margin_applies(rule, view):
    if view.account != "isolated":
        return "margin is added to isolated positions"
    if collateral_symbol(rule, view) is None:
        return "no symbol reads the isolated collateral"
    if "entry" not in _roles(rule, view):
        return "the position has no entry price"
    return None


@register("case", _margin_applies)
def added_margin_moves_liquidation_away(rule, case):
    """Adding margin to an isolated position moves its liquidation price away from the mark (here the entry) price,
    or removes it."""
    entry, margin = role_of(rule, case, "entry"), collateral_symbol(rule, rule.mode(case.mode))
    assume(margin in case.values)
    added = abs(case.values[margin]) / 2 + Fraction(1, 1000) * (abs(case.values[margin]) or 1)  # always more
    more = case.with_values(**{margin: case.values[margin] + added})
    a = derived(rule, case)
    assume(a is not None and a.price is not None and a.price > 0)
    assume(_safe_at_entry(rule, case, entry))
    b = derived(rule, more)
    assume(b is not None)
    ep = case.values[entry]
    if b.price is not None and b.price > 0 and abs(b.price - ep) <= abs(a.price - ep):
        raise Violation(
            f"adding {added} of margin does not move the liquidation price away from the entry {ep}: "
            f"{a.price} -> {b.price}",
            condition_entry(rule, more, "added_margin_moves_liquidation_away", a.price, False,
                            f"with {added} less margin the liquidation price is {a.price}; with the margin added "
                            "the position is not liquidated there"))
