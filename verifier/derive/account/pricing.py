"""Step 4 of evaluating an account: a position's liquidation price, or why it has none.

The price is solved exactly and tier-consistently from the mode's closed form (:func:`verifier.derive.tiers.
solve_form`, with the evaluation's parameters and the leg's own tier table; legs of one market in a cross hedge
account move with the price, :mod:`verifier.derive.hedge`).  Where no price exists the reason is found by testing
the rule's own liquidation condition at the mark and far along the losing side (a price a trillion times smaller
for a long, larger for a short): an over-collateralised position is not liquidated even there; one liquidated at
the mark and everywhere beyond has no price separating safe from liquidated; one that reaches the condition only
past its table's last bracket has outgrown the table (:data:`OUTGROWN`).  With a price, :func:`liquidation_tier`
is the tier row holding the position there (the mark's row is the leg's own).
"""

from __future__ import annotations

from fractions import Fraction

from verifier.derive.account.compiled import Undecidable
from verifier.derive.derivation import derive_rule
from verifier.derive.hedge import solve_hedged
from verifier.derive.tiers import solve_form
from verifier.errors import DerivationError, EvaluationError

FAR = Fraction(10) ** 12
"""How far along the losing side the condition is tested for a reason: the mark divided (long) or multiplied
(short) by this."""

NO_ROOT = "no price reaches the liquidation condition inside its own tier row"

OUTGROWN = ("outgrown the tier table: the liquidation condition is reached only past the last bracket's cap ({cap}, "
            "tier {tier}), where the market's brackets end; no price inside them reaches it")
"""The reason of a position that would be liquidated only where its market's tier table has ended: solved with the
last bracket carried on past its cap, the price's tier basis lies at or past that cap."""

DIRECTIONS = {"long": "falls toward 0", "short": "rises without bound"}
"""Which way a side loses, as the reasons below say it."""

OVER_COLLATERALISED = ("over-collateralised {side}: the margin stays above the maintenance requirement even as the "
                       "price {direction}")
LIQUIDATED_EVERYWHERE = ("liquidated at the mark already, and at every price as it {direction}: the requirement "
                         "exceeds the margin at every such price (a maintenance rate at or above what the side can "
                         "lose)")
"""The reasons a position has no liquidation price, as templates: the site's calculator fills in the same ones."""


def liquidation(setting, legs, index, partners, account) -> tuple:
    """(exact liquidation price or None, the reason when None) of leg ``index``."""
    rule, mode, leg = setting.rule, setting.mode, legs[index]
    if "liquidation" not in mode.conditions:
        return None, f"the {mode.name} mode has no liquidation condition"
    try:
        if partners:
            own = [{k: v for k, v in legs[j].values.items() if k not in mode.others} for j in partners]
            price, _ = solve_hedged(rule, mode.name, "liquidation", leg.values, own,
                                    market=leg.market.symbol if leg.tiered else None, date=setting.date,
                                    current=leg.values.get(rule.price))
        else:
            form = derive_rule(rule).closed_form(mode.name, "liquidation")
            table = leg.market.tier_table if rule.tiers is not None else None
            price = solve_form(form, mode, leg.values, setting.parameters, table).price
    except (EvaluationError, DerivationError) as exc:
        raise account.error("MV603", f"cannot compute the liquidation price: {exc}", leg.position.at()) from None
    if price is not None:
        return price, None
    return None, (NO_ROOT if partners else no_price_reason(setting, leg))


def liquidation_tier(setting, leg, price) -> int | None:
    """The tier row holding the tier basis at the liquidation ``price`` (the table's own lookup,
    :meth:`~verifier.model.tiers.TierTable.row_for`), when the leg's bracket comes from the table (with or without
    a mark: a price that needs no mark has a tier of its own); else None."""
    if price is None or not leg.tiered or leg.bracket_source == "position" or setting.mode.tier_basis is None:
        return None
    try:
        basis = setting.compiled.tier_basis(setting.mode, _at_price(setting, leg, price, bracket=False))
        table = leg.market.tier_table()
    except EvaluationError:
        return None
    row = table.row_for(basis) if basis is not None else None
    return row.number if row is not None else None


def outgrown_reason(setting, leg) -> str | None:
    """:data:`OUTGROWN` filled in when the leg, not liquidated at its mark, priced with its table's last bracket
    carried on past that bracket's cap, reaches the liquidation condition only at a tier basis at or past the cap;
    else None (a position liquidated at the mark already is said so, whatever lies past the table)."""
    rule, mode = setting.rule, setting.mode
    if leg.bracket_source != "catalog" or "liquidation" not in mode.conditions:
        return None
    try:
        table = leg.market.tier_table()
        if setting.compiled.holds(mode, "liquidation", leg.exact(mode, setting.parameters)):
            return None
    except (EvaluationError, Undecidable):
        return None
    last = table.rows[-1] if table.rows else None
    if last is None or last.cap is None:
        return None
    values = {**leg.values, **{name: Fraction(last.values[column]) for name, column in mode.tier_symbols.items()}}
    try:
        form = derive_rule(rule).closed_form(mode.name, "liquidation")
        price = solve_form(form, mode, values, setting.parameters, None).price
        if price is None:
            return None
        basis = setting.compiled.tier_basis(mode, _at_price(setting, leg, price, bracket=False))
    except (EvaluationError, DerivationError, Undecidable):
        return None
    if basis is None or table.row_for(basis) is not None or basis < last.cap:
        return None
    return OUTGROWN.format(cap=last.cap, tier=last.number)


def no_price_reason(setting, leg) -> str:
    """Why the rule's liquidation condition gives this position no price, in the trader's words."""
    rule, mode, compiled = setting.rule, setting.mode, setting.compiled
    outgrown = outgrown_reason(setting, leg)
    if outgrown is not None:
        return outgrown
    mark = leg.values.get(rule.price)
    if mark is None or mark <= 0:
        return NO_ROOT
    long = leg.position.sign > 0
    far = mark / FAR if long else mark * FAR
    try:
        at_mark = compiled.holds(mode, "liquidation", leg.exact(mode, setting.parameters))
        at_far = compiled.holds(mode, "liquidation", _at_price(setting, leg, far))
    except (Undecidable, EvaluationError):
        return NO_ROOT
    side = "long" if long else "short"
    if not at_far:
        return OVER_COLLATERALISED.format(side=side, direction=DIRECTIONS[side])
    if at_mark:
        return LIQUIDATED_EVERYWHERE.format(direction=DIRECTIONS[side])
    return NO_ROOT


def _at_price(setting, leg, price, bracket: bool = True) -> dict:
    """The leg's exact values with the price moved to ``price``, its tier row (if from the table, and ``bracket``)
    at that price."""
    rule, mode, compiled = setting.rule, setting.mode, setting.compiled
    values = leg.exact(mode, setting.parameters)
    values[mode.symbols[rule.price].sympy] = price
    if leg.bracket_source != "catalog" or not bracket:
        return values
    basis = compiled.tier_basis(mode, values)
    row = leg.market.tier_table().row_for(basis) if basis is not None else None
    if row is None:
        raise EvaluationError("no tier row at that price")
    for name, column in mode.tier_symbols.items():
        values[mode.symbols[name].sympy] = Fraction(row.values[column])
    return values
