"""Numbers shown on the site: worked examples and liquidation prices, computed exactly.

A price is taken from :func:`verifier.derive.price_at` when the derive stage is installed;
otherwise the rule's own published closed form is evaluated exactly (SymPy ``subs`` on the
parsed formula, with the tier row chosen where the basis at the resulting price falls).

>>> from verifier.read import load_rule
>>> rule = load_rule("binance/usdm-perpetual")
>>> values = {"WB": 6000, "q": 1, "EP": 60000, "s": 1}
>>> price, method = liquidation_price(rule, "isolated", "liquidation", values, market="BTC/USDT:USDT")
>>> round(float(price), 2) > 0, method in ("derivation", "published formula")
(True, True)
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from verifier.docs.stages import stage_function
from verifier.model.evaluate import EvaluationError, evaluate, substitutions, to_fraction, to_rational
from verifier.model.snapshot import evaluate_reading




def _exact(expr) -> Fraction | None:
    if expr.free_symbols or expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return None
    try:
        return to_fraction(sympy.nsimplify(expr) if not expr.is_Rational else expr)
    except EvaluationError:
        return None


def published_for(rule, quantity: str, mode: str):
    """The published entry for ``quantity`` in ``mode`` (one-way position mode preferred), or None."""
    entries = [p for p in rule.published.get(quantity, []) if mode in p.modes]
    entries.sort(key=lambda p: p.position_mode not in (None, "one-way"))
    return entries[0] if entries else None


def published_price(rule, mode_name: str, quantity: str, values: dict, *, market=None, date=None) -> Fraction | None:
    """Evaluate the published closed form exactly; tier symbols not given are found row by row."""
    entry = published_for(rule, quantity, mode_name)
    if entry is None:
        return None
    mode = rule.mode(mode_name)
    given = dict(values)
    for name, value in entry.where.items():
        given.setdefault(name, value)
    subs = substitutions(mode, {k: v for k, v in given.items() if k in mode.symbols or k in mode.parameters},
                         date=date, needed=set())
    expr = entry.formula.expr.subs(subs)
    missing = {n: col for n, col in mode.tier_symbols.items() if n not in given}
    if not missing:
        return _exact(expr)
    table = rule.tiers.table(market) if rule.tiers is not None else None
    if table is None and rule.tiers is not None and rule.tiers.tables:
        table = next(iter(rule.tiers.tables.values()))
    if table is None or mode.tier_basis is None:
        return None
    for row in table.rows:
        candidate = _exact(expr.subs({mode.symbols[n].sympy: to_rational(row.values[c]) for n, c in missing.items()}))
        if candidate is None or candidate <= 0:
            continue
        basis = _exact(mode.tier_basis.expr.subs(subs).subs(rule.price_symbol, to_rational(candidate)))
        if basis is not None and row.contains(basis, table.bounds):
            return candidate
    return None


def liquidation_price(rule, mode: str, condition: str, values: dict, *, market=None, date=None):
    """(price or None, method): via the derivation when available, else the published formula."""
    price_at = stage_function("verifier.derive", "price_at")
    if price_at is not None:
        try:
            return price_at(rule, mode, condition, values, market=market, date=date), "derivation"
        except Exception:  # noqa: BLE001 - fall back to the published closed form
            pass
    return published_price(rule, mode, f"{condition}_price", values, market=market, date=date), "published formula"


def example_rows(rule) -> list[dict]:
    """One row per (example, expected quantity): expected, computed, method, pass mark."""
    rows = []
    for example in rule.examples:
        mode = rule.mode(example.mode)
        for key, expected in example.expect.items():
            computed, method, error = None, None, None
            try:
                if key in mode.definitions:
                    computed = evaluate(mode, key, example.given, date=example.date, tiers=rule.tiers,
                                        market=example.market)
                    method = "definition"
                elif key.endswith("_price"):
                    computed, method = liquidation_price(rule, example.mode, key[: -len("_price")], example.given,
                                                         market=example.market, date=example.date)
                else:
                    error = f"no definition or price named {key}"
            except (EvaluationError, LookupError, KeyError) as exc:
                error = str(exc)
            passed = None if computed is None else abs(computed - expected) <= example.tolerance
            rows.append({"example": example, "quantity": key, "expected": expected, "computed": computed,
                         "method": method, "error": error, "passed": passed})
    return rows


# --------------------------------------------------------------------------------------------- chart inputs


def _fraction(value) -> Fraction:
    return Fraction(str(value))


def _example_value(rule, mode_name: str, name: str):
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


def chart_inputs(rule, mode_name: str, position: dict, side: str, leverage) -> tuple[dict, dict]:
    """(symbol values, where each came from) for one position of the reference ``position`` at ``leverage``.

    ``position`` holds ccxt's unified position fields (``contracts``, ``contractSize``, ``entryPrice``, and
    any other field a rule reads, such as ``maintenanceMarginPercentage`` or ``takerFeeRate``), taken from
    the plugin's options in ``mkdocs.yml``. Leverage enters through the fields ``collateral`` and
    ``walletBalance`` (= notional / leverage, in the rule's collateral unit) and ``leverage`` (for rules with
    a leverage symbol). Each symbol is read through its own ``snapshot`` formula; a symbol with no reading
    takes the value the rule's worked examples give it, else its domain's inclusive lower bound. Tier symbols
    are left to the tier table; ``others`` sums are 0 (one position alone in its account).
    """
    fields = {k: _fraction(v) for k, v in position.items() if isinstance(v, (int, float, str)) and k != "side"}
    contracts, size, entry = fields["contracts"], fields.get("contractSize", Fraction(1)), fields["entryPrice"]
    lev = _fraction(leverage)
    inverse = rule.collateral_unit is not None and str(rule.collateral_unit) == "base"
    notional = contracts * size / entry if inverse else contracts * size * entry
    fields.update(collateral=notional / lev, walletBalance=notional / lev, leverage=lev)
    mode = rule.mode(mode_name)
    values, origin = {}, {}
    for name, spec in mode.symbols.items():
        if name == rule.price:
            continue
        if spec.others:
            values[name], origin[name] = Fraction(0), "0: no other position in the account"
            continue
        if spec.from_tiers and rule.tiers is not None:
            origin[name] = "tier table"
            continue
        text = spec.snapshot_formula(mode.account)
        if text and text.strip() == "side":
            if spec.one_of and set(spec.one_of) == {1, -1}:
                values[name], origin[name] = Fraction(1 if side == "long" else -1), "side"
            continue
        try:
            value = evaluate_reading(spec.reading(mode.account), fields) if text else None
        except EvaluationError:  # e.g. a reading dividing by a zero field: leave the symbol to the fallbacks
            value = None
        if value is not None:
            values[name], origin[name] = value, f"snapshot `{text.strip()}`"
            continue
        value = _example_value(rule, mode_name, name)
        if value is not None:
            values[name], origin[name] = value, "the rule's worked examples"
            continue
        value = _domain_floor(spec)
        if value is not None:
            values[name], origin[name] = value, "its domain's least value"
    return values, origin
