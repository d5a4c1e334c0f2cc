"""Numbers shown on the site, computed exactly by the derive stage: worked examples, closed forms, proofs and
liquidation prices of the reference position.

No fallback: what the derivation cannot compute raises (:class:`~verifier.errors.EvaluationError`,
:class:`~verifier.errors.DerivationError`), and the page reports it as a problem that fails the build
(:mod:`verifier.docs.problems`).  A price that does not exist (no liquidation at that leverage) is a
:class:`Point` without a price, with its reason.

>>> from verifier.read import load_rule
>>> rule = load_rule("binance/usdm-perpetual")
>>> point = liquidation_point(rule, "isolated", {"contracts": 1, "entryPrice": 60000}, "long", 10, "BTC/USDT:USDT")
>>> round(point.price), point.reason
(54217, None)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verifier.derive import derive_rule, price_at, prove_definitions, prove_published
from verifier.derive.account.definitions import position_definitions
from verifier.errors import DerivationError, EvaluationError
from verifier.model.account import Account, Position
from verifier.model.evaluate import evaluate, holds
from verifier.model.snapshot import evaluate_reading


@dataclass(frozen=True)
class Point:
    """A liquidation price of the reference position, or the reason there is none."""

    price: Fraction | None
    reason: str | None = None


def example_rows(rule) -> list[dict]:
    """One row per (example, expected quantity): expected, computed, how, pass mark, and the error if any."""
    rows = []
    for example in rule.examples:
        for key, expected in example.expect.items():
            computed, method, error = None, None, None
            try:
                computed, method = _example_value(rule, example, key)
            except (EvaluationError, DerivationError) as exc:
                error = str(exc)
            if isinstance(expected, bool):
                passed = None if computed is None else computed == expected
            else:
                passed = None if computed is None else abs(computed - expected) <= example.tolerance
            rows.append({"example": example, "quantity": key, "expected": expected, "computed": computed,
                         "method": method, "error": error, "passed": passed})
    return rows


def _example_value(rule, example, key: str) -> tuple:
    """(value, how it was computed) of one expectation: a condition, a definition, or a '<condition>_price', with
    the formulas in force on the example's date (a dated definition's version then, as ``check`` computes it)."""
    mode = rule.at(example.date).mode(example.mode)
    where = {"date": example.date, "tiers": rule.tiers, "market": example.market}
    if key in mode.conditions:
        return holds(mode, key, example.given, **where), "condition"
    if key in mode.definitions:
        return evaluate(mode, key, example.given, **where), "definition"
    if key.endswith("_price") and key[: -len("_price")] in mode.conditions:
        price = price_at(rule, example.mode, key[: -len("_price")], example.given, market=example.market,
                         date=example.date)
        return price, "derivation"
    raise EvaluationError(f"mode {mode.name!r} has no condition, definition or price named {key!r}")


def derived_prices(rule) -> dict:
    """mode -> condition -> (closed-form SymPy expression or None, validity conditions, why there is none)."""
    derived = derive_rule(rule)
    return {mode: {name: (form.expr, tuple(form.conditions), None) for name, form in view.prices.items()}
            | {name: (None, (), reason) for name, reason in view.failures.items()}
            for mode, view in derived.modes.items()}


def proof_results(rule) -> dict:
    """(quantity, index) -> :class:`~verifier.derive.ProofResult` (cached by the derive stage); and (key, index,
    condition) -> :class:`~verifier.derive.DefinitionProof` for each level of a published ratio definition."""
    return {**{(r.quantity, r.index): r for r in prove_published(rule)},
            **{(r.key, r.index, r.condition): r for r in prove_definitions(rule)}}


def liquidation_point(rule, mode_name: str, position: dict, side: str, leverage, market) -> Point:
    """The liquidation price of the reference ``position`` at ``leverage``, or why there is none."""
    values, _ = chart_inputs(rule, mode_name, position, side, leverage, market)
    # a market the catalog does not list (the site's linear one on an inverse page) stands for its reference market
    held = reference_market(rule, market) if market is not None else None
    price = price_at(rule, mode_name, "liquidation", values, market=held)
    if price is None:
        return Point(None, f"no liquidation price for a {side} at {leverage}x: the condition is not reached at any "
                           "positive price")
    return Point(price)


# --------------------------------------------------------------------------------------------- chart inputs


def _fraction(value) -> Fraction:
    return Fraction(str(value))


def _worked_value(rule, mode_name: str, name: str):
    """The value the rule's own worked examples give ``name`` in this mode (the first one that does)."""
    for example in rule.examples:
        if example.mode == mode_name and name in example.given:
            return Fraction(example.given[name])
    for example in rule.examples:
        if name in example.given:
            return Fraction(example.given[name])
    return None


def _domain_floor(spec):
    """The least value the symbol's domain admits, when the domain has an inclusive lower bound."""
    if spec.one_of:
        return None
    for op, bound in spec.domain:
        if op == ">=":
            return Fraction(bound)
    return None


def _position_fields(rule, position: dict, leverage, market=None) -> dict:
    """The reference position's ccxt fields at ``leverage``, with collateral and wallet its initial margin there (the
    rule's own ``initial_margin`` at the entry price, in the rule's collateral unit; what the fields lack, such as
    ``contractSize``, from ``market`` in the rule's catalog)."""
    fields = {k: _fraction(v) for k, v in position.items() if isinstance(v, (int, float, str)) and k != "side"}
    fields.update(leverage=_fraction(leverage), markPrice=fields["entryPrice"])
    opening = Account("futures", "isolated", (Position(reference_market(rule, market), "long", fields),),
                      file="<the site's reference position>")
    margin = position_definitions(rule, opening, ("initial_margin",))[0].get("initial_margin")
    if margin is None:
        raise EvaluationError(f"rule {rule.id}: its initial_margin cannot be computed for the reference position")
    fields.update(collateral=margin, walletBalance=margin)
    return fields


REFERENCE_MARKET = "<reference>"
"""The reference position's market when the rule has no market catalog."""


def reference_market(rule, market) -> str:
    """The market the reference position is held in: the plugin's ``market`` when the rule's catalog lists it, else
    the catalog's first market of the rule's kind (an inverse rule's catalog does not list a linear market), one
    with a tier table first when the rule reads its brackets from tiers: the position's own fields are the plugin's;
    the market only says which catalog entry fills what they lack."""
    catalog = rule.markets
    if catalog is None:
        return market or REFERENCE_MARKET
    if market is not None and catalog.market(market) is not None:
        return market
    kind = rule.product.market_type
    of_kind = [symbol for symbol in sorted(catalog.symbols())
               if (spec := catalog.market(symbol).spec_at(None)) is not None and spec.type == kind]
    tiered = [symbol for symbol in of_kind if catalog.market(symbol).tiers] if rule.tiers is not None else []
    return (tiered or of_kind or [market or REFERENCE_MARKET])[0]


def chart_inputs(rule, mode_name: str, position: dict, side: str, leverage, market=None) -> tuple[dict, dict]:
    """(symbol values, where each came from) for one position of the reference ``position`` at ``leverage``.

    ``position`` holds ccxt's unified position fields (``contracts``, ``contractSize``, ``entryPrice``, and
    any other field a rule reads, such as ``maintenanceMarginPercentage`` or ``takerFeeRate``), taken from
    the plugin's options in ``mkdocs.yml``. Leverage enters through the fields ``collateral`` and
    ``walletBalance`` (= notional / leverage, in the rule's collateral unit) and ``leverage`` (for rules with
    a leverage symbol). Each symbol is read through its own ``snapshot`` formula; a symbol with no reading
    takes the value the rule's worked examples give it, else its domain's inclusive lower bound. Tier symbols
    are left to the tier table; ``others`` sums are 0 (one position alone in its account).
    """
    fields = _position_fields(rule, position, leverage, market)
    mode = rule.mode(mode_name)
    values, origin = {}, {}
    for name, spec in mode.symbols.items():
        if name == rule.price:
            continue
        if spec.others:
            values[name], origin[name] = Fraction(0), "0: no other position in the account"
        elif spec.from_tiers and rule.tiers is not None:
            origin[name] = "tier table"
        else:
            found = _input_value(rule, mode, name, spec, fields, side)
            if found is not None:
                values[name], origin[name] = found
    return values, origin


def _input_value(rule, mode, name, spec, fields, side):
    """(value, origin) of one symbol: its snapshot reading, else the worked examples, else its domain's floor."""
    text = spec.snapshot_formula(mode.account)
    if text and text.strip() == "side":
        return (Fraction(1 if side == "long" else -1), "side") if spec.one_of and set(spec.one_of) == {1, -1} else None
    value = evaluate_reading(spec.reading(mode.account), fields) if text else None
    if value is not None:
        return value, f"snapshot `{text.strip()}`"
    value = _worked_value(rule, mode.name, name)
    if value is not None:
        return value, "the rule's worked examples"
    value = _domain_floor(spec)
    return (value, "its domain's least value") if value is not None else None
