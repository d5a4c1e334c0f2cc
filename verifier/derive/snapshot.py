"""Evaluating an account snapshot (design.md section 4, ccxt field names): :func:`evaluate_snapshot`.

Each rule symbol says how it is read from a snapshot (``SymbolSpec.snapshot_formula``): a formula
over ccxt field names, parsed by the safe formula parser.  Futures snapshots list ``positions``;
spot-margin snapshots list ``balances`` and ``prices``, and every asset other than the quote asset
becomes one "position" (the others are aggregated through the mode's ``others:`` symbols).

>>> from verifier.read import load_rule
>>> snap = {"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1",
...         "contractSize": "1", "entryPrice": "60000", "markPrice": "60000", "collateral": "1000"}]}
>>> out = evaluate_snapshot(load_rule("binance/usdm-perpetual"), snap)
>>> out["positions"][0]["liquidationPrice"], out["positions"][0]["tier"], out["status"]
('59246.23', 2, 'normal')
"""

from __future__ import annotations

import re
from fractions import Fraction

import sympy

from verifier.derive.hedge import solve_hedged
from verifier.derive.tiers import solve_price
from verifier.errors import DerivationError, Diagnostic, SpecError
from verifier.model.evaluate import EvaluationError, substitutions, to_fraction
from verifier.model.snapshot import evaluate_reading

_DECIMAL = re.compile(r"^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?\s*$")
SIDES = {"long": 1, "short": -1}
ACCOUNT_FIELDS = ("walletBalance",)


class _Reader:
    """Locates snapshot problems: file:line:col from the Document when there is one."""

    def __init__(self, document, file):
        self.document = document
        self.file = file

    def fail(self, code, message, path=(), hint=None):
        if self.document is not None:
            diagnostic = self.document.diagnostic(code, message, path, hint=hint)
        else:
            from verifier.read._jsonpath import json_path
            diagnostic = Diagnostic(code, message, file=self.file, json_path=json_path(tuple(path)), hint=hint)
        raise SpecError(message, [diagnostic])

    def number(self, value, path) -> Fraction:
        if isinstance(value, bool) or value is None:
            self.fail("MV602", f"expected a decimal number, got {value!r}", path)
        if isinstance(value, (int, Fraction)):
            return Fraction(value)
        if isinstance(value, float):
            return Fraction(repr(value))  # the shortest decimal that reads back as this float
        if isinstance(value, str) and _DECIMAL.match(value):
            return Fraction(value.strip())
        self.fail("MV602", f"expected a decimal number (or a string holding one), got {value!r}", path,
                  hint="write decimals as strings, e.g. \"109.488\", so they are read exactly")


def evaluate_snapshot(rule, snapshot, *, document=None, date=None, file="<snapshot>") -> dict:
    """The section-4 JSON object (decimals as strings) for ``snapshot`` under ``rule``.

    ``snapshot`` is a dict or a :class:`verifier.read.Document` (then errors carry line and column).
    Raises :class:`SpecError` with a located diagnostic on a bad snapshot.
    """
    if hasattr(snapshot, "data") and hasattr(snapshot, "positions"):
        document, snapshot = snapshot, snapshot.data
    reader = _Reader(document, getattr(document, "file", file))
    if not isinstance(snapshot, dict):
        reader.fail("MV600", "a snapshot must be a mapping with 'marginMode' and 'positions' or 'balances'")
    account = snapshot.get("marginMode", "cross")
    if account not in ("cross", "isolated"):
        reader.fail("MV601", f"unknown marginMode {account!r}", ("marginMode",), hint="use 'cross' or 'isolated'")
    mode = _pick_mode(rule, snapshot, account, reader)
    if "balances" in snapshot:
        positions = _spot_positions(snapshot, reader)
    else:
        raw = snapshot.get("positions")
        if not isinstance(raw, list) or not raw:
            reader.fail("MV600", "the snapshot has no 'positions' list", ("positions",),
                        hint="give at least one position with symbol, side, contracts, entryPrice, markPrice")
        positions = [(index, p, ("positions", index)) for index, p in enumerate(raw)]
    legs = [_read_position(rule, mode, snapshot, account, pos, path, reader) for _, pos, path in positions]
    # per-leg definitions at the mark, with the tier of the mark
    for leg in legs:
        leg["at_mark"] = _at_mark(rule, mode, leg, reader)
    hedged = _hedge_partners(snapshot, mode, legs, reader)
    for i, leg in enumerate(legs):
        for name, definition in mode.others.items():
            if name not in leg["values"]:
                # partner legs of a cross hedge move with the price: not held at their mark here
                leg["values"][name] = sum((other["at_mark"][definition] for j, other in enumerate(legs)
                                           if j != i and j not in hedged.get(i, ())), Fraction(0))
    out_positions, statuses, level = [], [], None
    price_name = rule.price
    for leg in legs:
        values = leg["values"]
        if leg["quote"]:
            continue  # the quote asset of a spot-margin account: counted in the others, has no price of its own
        full = {**values, **leg["tier_values"]}
        entry = {"symbol": leg["symbol"], "side": leg["side"]}
        liquidation = None
        if "liquidation" in mode.conditions and legs.index(leg) in hedged:
            partners = [_own_values(mode, legs[j]) for j in hedged[legs.index(leg)]]
            try:
                liquidation, tier = solve_hedged(rule, mode.name, "liquidation", values, partners,
                                                 market=leg["market"], date=date,
                                                 current=values.get(rule.price))
            except (EvaluationError, DerivationError) as exc:
                reader.fail("MV603", f"cannot compute the hedged liquidation price: {exc}", leg["path"])
        elif "liquidation" in mode.conditions:
            try:
                solution = solve_price(rule, mode.name, "liquidation", values, market=leg["market"], date=date)
            except EvaluationError as exc:
                reader.fail("MV603", f"cannot compute the liquidation price: {exc}", leg["path"])
            liquidation = solution.price
        entry["liquidationPrice"] = _price_text(rule, liquidation)
        entry["maintenanceMargin"] = _text(leg["at_mark"].get("maintenance_margin"))
        entry["unrealizedPnl"] = _text(leg["at_mark"].get("upnl"))
        entry["tier"] = leg["tier"]
        out_positions.append(entry)
        holds = {name: _holds(mode, cond, full, date) for name, cond in mode.conditions.items()
                 if name in ("liquidation", "margin_call")}
        statuses.append("liquidation" if holds.get("liquidation") else
                        "margin_call" if holds.get("margin_call") else "normal")
        if level is None and "margin_level" in mode.definitions:
            level = _definition(mode, "margin_level", full, date)
        _ = price_name
    status = "liquidation" if "liquidation" in statuses else "margin_call" if "margin_call" in statuses else "normal"
    return {"positions": out_positions, "marginLevel": _text(level), "status": status}


def _hedge_partners(snapshot, mode, legs, reader) -> dict:
    """leg index -> indices of the other legs of the same market, for a cross account in hedge mode.

    Those legs share one liquidation price: their definitions move with the price (see
    :mod:`verifier.derive.hedge`).  One-way accounts and isolated modes have no partners.
    """
    position_mode = snapshot.get("positionMode", "one-way")
    if position_mode not in ("one-way", "hedge"):
        reader.fail("MV601", f"unknown positionMode {position_mode!r}", ("positionMode",),
                    hint="use 'one-way' or 'hedge'")
    if position_mode != "hedge" or mode.account != "cross" or not mode.others:
        return {}
    partners = {}
    for i, leg in enumerate(legs):
        same = [j for j, other in enumerate(legs) if j != i and other["symbol"] == leg["symbol"] and not leg["quote"]]
        if same:
            partners[i] = same
    return partners


def _own_values(mode, leg) -> dict:
    """A partner leg's own per-position values (tier overrides included, others symbols left out)."""
    return {k: v for k, v in leg["values"].items() if k not in mode.others}


def _pick_mode(rule, snapshot, account, reader):
    if "mode" in snapshot:
        if snapshot["mode"] not in rule.modes:
            reader.fail("MV601", f"rule {rule.id} has no mode {snapshot['mode']!r}", ("mode",),
                        hint="one of " + ", ".join(rule.modes))
        return rule.modes[snapshot["mode"]]
    matching = [m for m in rule.modes.values() if m.account == account]
    if not matching:
        reader.fail("MV601", f"rule {rule.id} has no {account} mode", ("marginMode",))
    if len(matching) > 1 and "leverage" in snapshot:
        wanted = f"{account}-{reader.number(snapshot['leverage'], ('leverage',)).numerator}x"
        for m in matching:
            if m.name == wanted:
                return m
    return matching[0]


def _spot_positions(snapshot, reader):
    balances, prices = snapshot.get("balances"), snapshot.get("prices", {})
    quote = snapshot.get("quote")
    if not isinstance(balances, dict) or not isinstance(prices, dict) or not isinstance(quote, str):
        reader.fail("MV600", "a spot-margin snapshot needs 'quote', 'balances' and 'prices'", ())
    out = []
    for asset, fields in balances.items():
        path = ("balances", asset)
        if not isinstance(fields, dict):
            reader.fail("MV600", f"balance of {asset} must be a mapping with total/debt/interest", path)
        if asset == quote:
            price = Fraction(1)
        elif asset in prices:
            price = reader.number(prices[asset], ("prices", asset))
        else:
            reader.fail("MV600", f"no price for {asset}", ("prices",), hint=f"add prices.{asset}")
        position = {"symbol": asset, "total": fields.get("total", 0), "debt": fields.get("debt", 0),
                    "interest": fields.get("interest", 0), "price": price, "markPrice": price, "_quote": asset == quote}
        out.append((len(out), position, path))
    return out


def _read_position(rule, mode, snapshot, account, position, path, reader) -> dict:
    if not isinstance(position, dict):
        reader.fail("MV600", "a position must be a mapping of ccxt fields", path)
    fields = {}
    spot = "total" in position and "_quote" in position
    if not spot:
        for key in ("symbol", "side", "contracts", "entryPrice", "markPrice"):
            if key not in position:
                reader.fail("MV600", f"position is missing {key!r}", path, hint="ccxt fields: symbol, side, contracts, "
                            "contractSize, entryPrice, markPrice (and collateral in isolated mode)")
        side = position["side"]
        if side not in SIDES:
            reader.fail("MV601", f"unknown side {side!r}", path + ("side",), hint="use 'long' or 'short'")
    for key, value in position.items():
        if key in ("symbol", "side", "_quote"):
            continue
        if not isinstance(value, (int, float, str, Fraction)) or isinstance(value, bool):
            continue
        fields[key] = reader.number(value, path + (key,))
    if not spot:
        fields.setdefault("contractSize", Fraction(1))
        if fields["contracts"] < 0:
            reader.fail("MV602", f"contracts is negative ({fields['contracts']})", path + ("contracts",),
                        hint="contracts is an absolute size; the side says long or short")
        fields["side"] = Fraction(SIDES[position["side"]])
        for key in ACCOUNT_FIELDS:
            if key in snapshot and key not in fields:
                fields[key] = reader.number(snapshot[key], (key,))
    else:
        if fields.get("total", 0) < 0 or fields.get("debt", 0) < 0:
            reader.fail("MV602", "balances cannot be negative", path)
    market = position.get("symbol")
    values, tier_values = {}, {}
    for name, spec in mode.symbols.items():
        text = spec.snapshot_formula(account)
        if not text or spec.others:
            continue
        value = evaluate_reading(spec.reading(account), fields)
        if value is None:  # a field this snapshot does not have
            if spec.from_tiers:
                continue
            missing = [f for f in re.findall(r"[A-Za-z_]\w*", text) if f not in fields]
            if _needed(mode, name):
                where = path if not missing or missing[0] not in ACCOUNT_FIELDS else ()
                reader.fail("MV600", f"{'position' if where else 'snapshot'} is missing {', '.join(map(repr, missing))} "
                            f"(needed for {name}: {spec.meaning})", where)
            continue
        if spec.from_tiers:
            tier_values[name] = value
        else:
            values[name] = value
    tiers_needed = [n for n in mode.tier_symbols if n not in tier_values]
    if rule.tiers is not None and tiers_needed and not spot:
        if market not in rule.tiers.tables:
            reader.fail("MV603", f"rule {rule.id} has no tier table for market {market!r}", path + ("symbol",),
                        hint="markets with tier tables: " + ", ".join(rule.tiers.tables)
                             + "; or give maintenanceMarginPercentage and maintenanceAmount")
    side = position.get("side")
    if spot:
        net = fields.get("total", 0) - fields.get("debt", 0) - fields.get("interest", 0)
        side = "long" if net >= 0 else "short"
    values.update(tier_values)  # per-position overrides are given values for solving
    return {"symbol": market, "side": side, "market": market if rule.tiers and market in rule.tiers.tables else None,
            "values": values, "tier_values": tier_values, "path": path, "tier": None, "quote": position.get("_quote")}


def _needed(mode, name) -> bool:
    sym = mode.symbols[name].sympy
    return any(sym in c.relation.free_symbols for c in mode.conditions.values())


def _at_mark(rule, mode, leg, reader) -> dict:
    """Every definition of the mode at the leg's own values (tiers at the mark), except ones needing others."""
    values = {k: v for k, v in leg["values"].items() if k not in mode.others}
    try:
        subs = substitutions(mode, values, tiers=rule.tiers, market=leg["market"],
                             needed=set(mode.tier_symbols) - set(values))
    except EvaluationError as exc:
        reader.fail("MV603", f"cannot evaluate the position: {exc}", leg["path"])
    overridden = all(name in leg["tier_values"] for name in mode.tier_symbols)
    if rule.tiers is not None and mode.tier_basis is not None and leg["market"] is not None and not overridden:
        basis = mode.tier_basis.expr.subs(subs)
        if not basis.free_symbols:
            row = rule.tiers.table(leg["market"]).row_for(to_fraction(basis))
            leg["tier"] = row.number if row else None
    for name in mode.tier_symbols:
        sym = mode.symbols[name].sympy
        if sym in subs and name not in leg["tier_values"]:
            leg["tier_values"][name] = to_fraction(subs[sym])
    out = {}
    others = {mode.symbols[n].sympy for n in mode.others}
    for name, definition in mode.definitions.items():
        if definition.expr.free_symbols & others:
            continue
        value = definition.expr.subs(subs)
        if not value.free_symbols and not value.has(sympy.zoo, sympy.nan):
            out[name] = to_fraction(value)
    return out


def _definition(mode, name, values, date) -> Fraction | None:
    try:
        value = mode.definitions[name].expr.subs(substitutions(mode, values, date=date, needed=set()))
    except EvaluationError:
        return None
    if value.free_symbols or value.has(sympy.zoo, sympy.nan, sympy.oo):
        return None
    return to_fraction(value)


def _holds(mode, condition, values, date) -> bool:
    try:
        subs = substitutions(mode, values, date=date, needed=set())
    except EvaluationError:
        return False
    result = condition.relation.subs(subs)
    return result is sympy.true


def _text(value: Fraction | None, places: int = 18) -> str | None:
    """An exact decimal string when it terminates within ``places`` digits, else rounded half-up to them."""
    if value is None:
        return None
    denominator = value.denominator
    for p in (2, 5):
        while denominator % p == 0:
            denominator //= p
    if denominator == 1:
        digits = 0
        while (value * 10**digits).denominator != 1:
            digits += 1
        if digits <= places:
            return _fixed(value, digits)
    return _fixed(value, places)


def _fixed(value: Fraction, digits: int) -> str:
    scaled = abs(value) * 10**digits
    integer = int(scaled + Fraction(1, 2))  # half-up
    text = str(integer).rjust(digits + 1, "0")
    text = text if digits == 0 else text[:-digits] + "." + text[-digits:]
    return ("-" if value < 0 and integer else "") + text


def _price_text(rule, price: Fraction | None) -> str | None:
    """A price at the rule's display tick (rounded as the rule says), else exact."""
    if price is None:
        return None
    if rule.display.price_tick is None:
        return _text(price)
    return _fixed(rule.display.round_price(price), rule.display.price_decimals)