"""Unified margin: what collateral, its haircut and the coin's positions do to the account.

A unified-margin rule's position is one coin of the account (docs/unified-margin.md). Which symbol is what is read
from the rule's contract with the snapshot, never from its names: the coin held is the symbol read from ``total``,
its positions' maintenance margin the one read from ``maintenanceMargin``, its haircut rate the catalog's rising
tier ``rate`` (1 - the collateral ratio). Each property compares two exact simulator states at the same price.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, reject

from verifier.errors import EvaluationError
from verifier.model.snapshot import FIELD_SYMBOLS
from verifier.verify.properties._exact import Violation, derived, point, sim_mode
from verifier.verify.properties._registry import register


def read_from(view, field: str):
    """The name of the mode's symbol read from snapshot ``field`` itself, or None."""
    for name, spec in view.symbols.items():
        if spec.reading("cross") == FIELD_SYMBOLS[field]:
            return name
    return None


def haircut_rate(rule, view):
    """The tier symbol of the catalog's rising rate (the haircut rate), or None."""
    layout = rule.tiers.catalog.layout if rule.tiers is not None else None
    if layout is None or layout.rate is None:
        return None
    return next((name for name, column in view.tier_symbols.items() if column == layout.rate), None)


def _unified(rule, view):
    if not rule.product.unified:
        return "a unified-margin rule's position is a coin"
    if "liquidation" not in view.conditions or "collateral_value" not in view.definitions:
        return "the mode has no liquidation condition or no collateral_value"
    return None


def _liquidated(rule, case, price, **changes) -> bool | None:
    """The simulator's liquidation condition at ``price`` with ``changes`` to the case's inputs (tier symbols given
    by name are used as given); None where no tier row holds the state."""
    sim = sim_mode(rule, case)
    try:
        return bool(sim.conditions["liquidation"](point(rule, case.with_values(**changes), price)))
    except EvaluationError:
        return None


def _prices(rule, case):
    """The prices worth testing: the derived liquidation price and either side of it, else the case's own."""
    found = derived(rule, case)
    mark = case.values.get(rule.price)
    prices = [Fraction(mark)] if mark is not None else []
    if found is not None and found.price is not None and found.price > 0:
        prices += [found.price * f for f in (Fraction(99, 100), Fraction(1), Fraction(101, 100))]
    assume(prices)
    return prices


@register("case", lambda rule, view: _unified(rule, view) or (None if read_from(view, "total") else
                                                               "no symbol is read from the coin's total"))
def adding_collateral_never_brings_liquidation_closer(rule, case):
    """More of a coin held never turns a safe account into a liquidated one, at any price: its collateral value,
    haircut and all, never falls as the holding grows."""
    view = rule.at(case.date).mode(case.mode)
    held = read_from(view, "total")
    amount = Fraction(case.values[held])
    for extra in (Fraction(1, 1000), amount / 3 + 1, amount * 10 + 7):
        for price in _prices(rule, case):
            before, after = _liquidated(rule, case, price), _liquidated(rule, case, price, **{held: amount + extra})
            if before is None or after is None:
                continue
            if after and not before:
                raise Violation(f"at price {price}, holding {extra} more {held} ({amount} -> {amount + extra}) "
                                "liquidates an account that was safe", path=("definitions", "collateral_value"))


@register("case", lambda rule, view: _unified(rule, view) or (None if haircut_rate(rule, view) else
                                                               "the catalog names no rising haircut rate"))
def a_lower_collateral_ratio_never_helps(rule, case):
    """A higher haircut rate (a lower collateral ratio) never raises a coin's collateral value, and never saves an
    account the lower haircut liquidates."""
    view = rule.at(case.date).mode(case.mode)
    rate = haircut_rate(rule, view)
    sim = sim_mode(rule, case)
    for price in _prices(rule, case):
        try:
            values = point(rule, case, price)
        except EvaluationError:
            reject()
        symbol = view.symbols[rate].sympy
        base = values[symbol]
        for higher in (base + (1 - base) / 2, Fraction(1)):
            if higher <= base:
                continue
            worse = dict(values)
            worse[symbol] = higher
            before, after = sim.definitions["collateral_value"](values), sim.definitions["collateral_value"](worse)
            if after > before:
                raise Violation(f"at price {price}, the haircut rate {rate} {base} -> {higher} raises the collateral "
                                f"value {before} -> {after}", path=("definitions", "collateral_value"))
            if sim.conditions["liquidation"](values) and not sim.conditions["liquidation"](worse):
                raise Violation(f"at price {price}, the haircut rate {rate} {base} -> {higher} saves an account "
                                "the lower haircut liquidates", path=("conditions", "liquidation"))


@register("case", lambda rule, view: _unified(rule, view) or (None if read_from(view, "maintenanceMargin") else
                                                               "no symbol is read from the coin's maintenanceMargin"))
def reducing_a_position_never_brings_liquidation_closer(rule, case):
    """Less maintenance margin held by the coin's positions (a position reduced or closed) never liquidates an
    account that was safe."""
    view = rule.at(case.date).mode(case.mode)
    held = read_from(view, "maintenanceMargin")
    amount = Fraction(case.values[held])
    assume(amount > 0)
    for less in (amount / 2, Fraction(0)):
        for price in _prices(rule, case):
            before, after = _liquidated(rule, case, price), _liquidated(rule, case, price, **{held: less})
            if before is None or after is None:
                continue
            if after and not before:
                raise Violation(f"at price {price}, reducing the positions' maintenance margin {held} {amount} -> "
                                f"{less} liquidates an account that was safe", path=("conditions", "liquidation"))


@register("case", lambda rule, view: _unified(rule, view) or (
    None if haircut_rate(rule, view) and view.tier_basis is not None else "the rule has no haircut tiers"),
          path=("tiers", "basis"))
def collateral_value_continuous_across_haircut_tiers(rule, case):
    """A coin's collateral value does not jump where its holding crosses into the next haircut tier: each tier's
    rate applies to the part of the holding inside it."""
    table = rule.tiers.table(case.market, case.date) if case.market else None
    assume(table is not None and len(table.rows) > 1)
    view = rule.at(case.date).mode(case.mode)
    held = read_from(view, "total")
    assume(held is not None)
    sim = sim_mode(rule, case)
    price = Fraction(case.values.get(rule.price) or 1)
    try:
        base = point(rule, case, price)
    except EvaluationError:
        reject()
    symbol = view.symbols[held].sympy
    checked = 0
    for lower, upper in zip(table.rows, table.rows[1:]):
        basis = sim.tier_basis(base)
        # the basis grows one for one with the holding (coin units) or with its value (USD): find the holding at
        # which it sits on the floor, by the basis's own slope
        at = dict(base)
        at[symbol] = base[symbol] + 1
        slope = sim.tier_basis(at) - basis
        if slope <= 0:
            continue
        at[symbol] = base[symbol] + (upper.floor - basis) / slope
        if at[symbol] < 0 or sim.tier_basis(at) != upper.floor:
            continue
        left, right = (sim.definitions["collateral_value"]({**at, **_row(sim, row)}) for row in (lower, upper))
        checked += 1
        if left != right:
            raise Violation(f"a holding of {at[symbol]} puts the tier basis on the floor {upper.floor} of row "
                            f"{upper.number}, where the collateral value jumps from {left} (row {lower.number}) to "
                            f"{right}", path=("tiers", "basis"))
    assume(checked)


def _row(sim, row) -> dict:
    return {symbol: row.values[column] for symbol, column in sim.tier_symbols}


def others_of(view, definition: str):
    """The others-symbol summing ``definition`` over the account's other coins, or None."""
    return next((name for name, spec in view.symbols.items() if spec.others == definition), None)


def _no_haircut_applies(rule, view):
    reason = _unified(rule, view)
    if reason:
        return reason
    if "haircut" not in view.definitions or not view.tier_symbols:
        return "the mode defines no haircut from its tier table"
    return None if others_of(view, "collateral_value") else "no others-symbol sums the other coins' collateral value"


@register("case", _no_haircut_applies, path=("conditions", "liquidation"))
def never_liquidated_where_cross_is_safe_unless_the_haircut_explains_it(rule, case):
    """A unified account is never liquidated at a price where the same positions in cross margin, with the same
    equity, are safe, unless the haircut explains it.

    Exactly, as the rules imply it: the same account with the coin's haircut removed (every haircut tier symbol 0)
    is the cross account of the same equity: its margin balance is the coins' equity, its requirement the same
    maintenance margin (of positions, loans and, OKX, fees), judged at the rule's own level.  At every price the
    haircut is never negative; the coin's collateral value is its haircut-free value less the haircut; and the
    unified account's verdict with the haircut's value given back (added to the other coins' collateral, ``CV1``)
    is the cross account's verdict.  So where the unified account is liquidated and the cross one is safe, the
    haircut is positive and giving it back makes the account safe: it, and nothing else, explains the difference.
    The level is the rule's own (Binance's 105 % against a one-product cross rule's 100 % is a difference of level,
    not of this account; the one-product rules are other rules, compared by ``compare``).
    """
    view = rule.at(case.date).mode(case.mode)
    cv1 = others_of(view, "collateral_value")
    cross = case.with_values(**{name: 0 for name in view.tier_symbols})
    sim = sim_mode(rule, case)
    prices = list(_prices(rule, case))
    found = derived(rule, cross)
    if found is not None and found.price is not None and found.price > 0:
        prices += [found.price * f for f in (Fraction(99, 100), Fraction(1), Fraction(101, 100))]
    checked = 0
    for price in prices:
        try:
            values, without = point(rule, case, price), point(rule, cross, price)
        except EvaluationError:
            continue
        haircut = sim.definitions["haircut"](values)
        if sim.definitions["haircut"](without) != 0:
            continue  # the mode's haircut is not its tier symbols' alone: nothing to compare
        checked += 1
        if haircut < 0:
            raise Violation(f"at price {price}, the haircut is {haircut}: a haircut never adds to the collateral",
                            path=("definitions", "haircut"))
        value, free = sim.definitions["collateral_value"](values), sim.definitions["collateral_value"](without)
        if value + haircut != free:
            raise Violation(f"at price {price}, the collateral value {value} is not its haircut-free value {free} "
                            f"less the haircut {haircut}", path=("definitions", "collateral_value"))
        unified, safe_in_cross = sim.conditions["liquidation"](values), not sim.conditions["liquidation"](without)
        given_back = dict(values)
        given_back[view.symbols[cv1].sympy] = values[view.symbols[cv1].sympy] + haircut
        restored = sim.conditions["liquidation"](given_back)
        if unified and safe_in_cross and haircut <= 0:
            raise Violation(f"at price {price}, the account is liquidated while the same positions in cross with "
                            "the same equity are safe, and no haircut is taken", path=("conditions", "liquidation"))
        if restored != (not safe_in_cross):
            raise Violation(f"at price {price}, with the haircut {haircut} given back the unified account is "
                            f"{'liquidated' if restored else 'safe'} but the same positions in cross with the same "
                            f"equity are {'safe' if safe_in_cross else 'liquidated'}: the difference is not the "
                            "haircut's", path=("conditions", "liquidation"))
    assume(checked)
