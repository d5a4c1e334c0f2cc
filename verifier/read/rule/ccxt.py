"""The rule's ``ccxt:`` section -> :class:`~verifier.model.ccxt_mapping.CcxtMapping`, with the checks the schema
cannot make: paths are well formed, formulas use only ccxt's unified numeric fields and the section's inputs, the
fields filled are snapshot fields the rule reads, and every ``source`` is listed.

Formulas are parsed by the rule's formula language (never evaluated as code); their names are dimensionless here:
units are checked where the rule's symbols read the snapshot fields.

>>> from verifier.read._yaml import read_file
>>> from verifier.read.rule.build import build_rule
>>> rule, _ = build_rule(read_file("rules/hyperliquid/perpetual.yaml"))
>>> reading = rule.ccxt.position["markPrice"]
>>> reading.describe("cross"), reading.source
('positionValue / abs(szi)', 'ccxt-hyperliquid-positions')
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from verifier.errors import FormulaError
from verifier.formula import DIMENSIONLESS, Term, parse_formula
from verifier.model.ccxt_mapping import (BALANCE_TARGETS, CCXT_POSITION_NUMBERS, COIN_FIELDS, MARGIN_MODES,
                                         SPOT_BALANCE_FIELDS, TARGET_FIELDS, Agreement, Amount, BalanceList,
                                         CcxtMapping, FieldPath, Input, MarginPositions, PathSyntaxError, Reading,
                                         PositionRule, SideCheck, SpotBalances, AccountTotal, AccountCheck)
from verifier.read.rule.context import RuleContext


def read_ccxt(ctx: RuleContext, data: dict, catalog=None) -> CcxtMapping | None:
    """The mapping of the rule's ``ccxt:`` section (None when the rule has none); ``catalog``: the rule's market
    catalog, whose fields a position may give itself (``market:``), and whose tier tables' cap (``maxNotional``)
    names the tier the exchange says the position is in (``market: {maxNotional: ...}``)."""
    section = data.get("ccxt")
    if section is None:
        return None
    where = ("ccxt",)
    inputs = _inputs(ctx, section.get("inputs", {}), where + ("inputs",), balance=False, known=CCXT_POSITION_NUMBERS)
    env = _env(CCXT_POSITION_NUMBERS, inputs)
    position = {name: _reading(ctx, name, raw, env, where + ("position", name), TARGET_FIELDS)
                for name, raw in section.get("position", {}).items()}
    fields = tuple(catalog.fields) if catalog is not None else ()
    cap = catalog.layout.cap_ccxt if catalog is not None and catalog.layout is not None else None
    if cap is not None:  # the position names its own tier by the tier's cap (Bybit's riskLimitValue)
        fields += (cap,)
    own = {name: _reading(ctx, name, raw, env, where + ("market", name), fields, what="catalog field")
           for name, raw in section.get("market", {}).items()}
    balance = section.get("balance", {})
    balance_inputs = _inputs(ctx, balance.get("inputs", {}), where + ("balance", "inputs"), balance=True,
                             known=(*CCXT_POSITION_NUMBERS, *inputs))
    balance_env = _env((), balance_inputs)
    balance_readings = {name: _reading(ctx, name, raw, balance_env, where + ("balance", name), BALANCE_TARGETS)
                        for name, raw in balance.items() if name != "inputs"}
    reported = None
    if "liquidation_price" in section:
        raw = section["liquidation_price"]
        ctx.check_source(raw["source"], where + ("liquidation_price", "source"))
        path = _path(ctx, raw["path"], where + ("liquidation_price", "path"))
        reported = Input("liquidation_price", path, None, _words(raw["meaning"]), raw["source"]) if path else None
    missing = section.get("margin_mode")
    if missing is not None:
        ctx.check_source(missing["source"], where + ("margin_mode", "source"))
    return CcxtMapping(
        exchanges=tuple(section["exchanges"]), inputs=inputs,
        position={k: v for k, v in position.items() if v is not None},
        side_checks=tuple(c for c in (_side(ctx, raw, where + ("side", i)) for i, raw in
                                      enumerate(section.get("side", []))) if c is not None),
        reported=reported, balance_inputs=balance_inputs,
        balance={k: v for k, v in balance_readings.items() if v is not None},
        margin_mode_missing=_words(missing["missing"]) if missing else None, note=_words(section.get("note")),
        market={k: v for k, v in own.items() if v is not None and k != cap},
        tier=own.get(cap) if cap is not None else None,
        reported_none=tuple(Fraction(text) for text in section.get("liquidation_price", {}).get("none", ())),
        unread={name: _words(why) for name, why in section.get("unread", {}).items()},
        identify=tuple(p for p in (_path(ctx, text, where + ("identify", i))
                                   for i, text in enumerate(section.get("identify", ()))) if p is not None),
        balances=_balances(ctx, section["balances"], where + ("balances",), _definitions(data))
        if "balances" in section else None,
        agreements=tuple(a for a in (_agreement(ctx, raw, env, where + ("agree", i)) for i, raw in
                                     enumerate(section.get("agree", []))) if a is not None),
        margin_positions=_margin_positions(ctx, section["margin_positions"], where + ("margin_positions",))
        if "margin_positions" in section else None)


def _margin_positions(ctx, raw: dict, where) -> MarginPositions | None:
    """The section's ``margin_positions:``: a spot-margin rule's reading of margin rows of ``fetch_positions()``."""
    ctx.check_source(raw["source"], where + ("source",))
    select = _path(ctx, raw["select"]["path"], where + ("select", "path"))
    paths = {key: _path(ctx, raw[key], where + (key,)) for key in ("mode", "price")}
    amounts = {}
    for key in ("held", "owed", "interest", "maintenance"):
        if key in raw:
            amount = _path(ctx, raw[key]["amount"], where + (key, "amount"))
            asset = _path(ctx, raw[key]["asset"], where + (key, "asset"))
            amounts[key] = Amount(amount, asset, raw[key].get("sign", "positive")) if amount and asset else None
    if select is None or None in paths.values() or None in amounts.values():
        return None
    return MarginPositions((select, str(raw["select"]["equals"])), paths["mode"], paths["price"], amounts["held"],
                           amounts["owed"], raw["source"], amounts.get("interest"), amounts.get("maintenance"),
                           _words(raw.get("note")))


def _definitions(data: dict) -> tuple:
    """(the rule's definition names, those every mode defines): what an account total may name."""
    modes = [m for m in (data.get("modes") or {}).values() if isinstance(m, dict)]
    each = [set(m.get("definitions") or {}) for m in modes]
    return set(data.get("definitions") or {}), set.intersection(*each) if each else set()


def _totals(ctx, raw: dict, where, names) -> tuple:
    """The balances' ``totals:``: the exchange's account totals, each named by the definition it is."""
    coin, account = names
    out = []
    for name, item in raw.items():
        ctx.check_source(item["source"], where + (name, "source"))
        if name not in coin and name not in account:
            ctx.error("MV491", f"account total {name!r} is no definition of the rule (summed over the coins) nor of "
                               "every mode (the account's)", where + (name,), at_key=True,
                      hint=ctx.suggest(name, sorted(coin | account)))
            continue
        path = _path(ctx, item["path"], where + (name, "path"))
        resolution = item.get("resolution")
        if resolution is not None:
            try:
                resolution = Fraction(str(resolution))
            except (ValueError, ZeroDivisionError):
                resolution = None
            if resolution is None or resolution <= 0:
                ctx.error("MV491", "a resolution is the positive step the exchange prints the figure to",
                          where + (name, "resolution"))
                continue
        if path is not None:
            out.append(AccountTotal(name, path, item["source"], resolution, _words(item.get("note")),
                                    item.get("in", "balance")))
    return _equalities(ctx, raw, where, tuple(out))


def _equalities(ctx, raw: dict, where, totals: tuple) -> tuple:
    """Each total's ``equals:`` and ``at_least:`` parsed over the other totals printed in the same answer (by their
    names)."""
    from dataclasses import replace

    out = []
    for total in totals:
        others = [t.ours for t in totals if t.within == total.within and t.ours != total.ours]
        found = {}
        for key, what in (("equals", "equals"), ("at_least", "is at least")):
            text = raw[total.ours].get(key)
            if text is None:
                continue
            try:
                formula = parse_formula(text, _env(others, ()), what=f"the figure {total.ours} {what}")
            except FormulaError as exc:
                ctx.formula_error(exc, where + (total.ours, key))
                continue
            found[key] = (text, formula.expr)
        out.append(replace(total, **found) if found else total)
    return tuple(out)


def _balances(ctx, raw: dict, where, names=(set(), set())) -> SpotBalances:
    """The section's ``balances:``: a spot-margin rule's reading of ``fetch_balance()``."""
    inputs = _inputs(ctx, raw.get("inputs", {}), where + ("inputs",), balance=False, known=())
    env = _env((), inputs)
    fields = SPOT_BALANCE_FIELDS + (COIN_FIELDS if ctx.product is not None and ctx.product.unified else ())
    readings = {name: _reading(ctx, name, raw[name], env, where + (name,), fields, what="balance field")
                for name in fields if name in raw}
    for name in COIN_FIELDS:
        if name in raw and name not in fields:
            ctx.error("MV491", f"'{name}' is read from the balance of a unified-margin rule only", where + (name,),
                      at_key=True)
    lists = {}
    for mode in MARGIN_MODES:
        if mode not in raw:
            continue
        item, at = raw[mode], where + (mode,)
        ctx.check_source(item["source"], at + ("source",))
        paths = {key: _path(ctx, item[key], at + (key,)) for key in ("list", "asset", "pair", "price", "level",
                                                                     "liquidation_price") if key in item}
        legs = tuple(_path(ctx, text, at + ("legs", i)) for i, text in enumerate(item.get("legs", ())))
        if mode == "isolated" and ("pair" not in item or len(legs) != 2):
            ctx.error("MV491", "an isolated balance list names its pair ('pair') and its two balances ('legs': base, "
                               "quote)", at, at_key=True)
            continue
        if paths.get("list") is None or paths.get("asset") is None or None in legs:
            continue
        lists[mode] = BalanceList(mode, paths["list"], paths["asset"], item["source"], paths.get("pair"), legs,
                                  paths.get("price"), paths.get("level"), paths.get("liquidation_price"),
                                  _words(item.get("note")))
    enabled = ()
    if "enabled" in raw:
        ctx.check_source(raw["enabled"]["source"], where + ("enabled", "source"))
        enabled = tuple(p for p in (_path(ctx, text, where + ("enabled", "paths", i))
                                    for i, text in enumerate(raw["enabled"]["paths"])) if p is not None)
    for key in ("totals", "positions"):
        if key in raw and not (ctx.product is not None and ctx.product.unified):
            ctx.error("MV491", f"'{key}' is read beside the balance of a unified-margin rule only", where + (key,),
                      at_key=True)
    totals = _totals(ctx, raw.get("totals", {}), where + ("totals",), names)
    rows = None
    if "positions" in raw:
        ctx.check_source(raw["positions"]["source"], where + ("positions", "source"))
        path = _path(ctx, raw["positions"]["maintenance"], where + ("positions", "maintenance"))
        rows = Input("maintenance", path, None, "a position's maintenance margin in its settle coin",
                     raw["positions"]["source"]) if path is not None else None
    summed = bool(raw.get("positions", {}).get("summed", False))
    open_when = tuple(raw.get("positions", {}).get("open_when", ()))
    for i, name in enumerate(open_when):
        if name not in inputs:
            ctx.error("MV491", f"'{name}' is not an input of the balance", where + ("positions", "open_when", i),
                      hint="name one of the balance's inputs: " + ", ".join(inputs))
    if summed and "maintenanceMargin" in raw:
        ctx.error("MV491", "a coin's maintenanceMargin is read from the balance or summed over the positions "
                           "('positions: summed: true'), not both", where + ("positions", "summed"))
    priced = []
    for i, item in enumerate(raw.get("positions", {}).get("rules", ())):
        ctx.check_source(item["source"], where + ("positions", "rules", i, "source"))
        priced.append(PositionRule(item["symbols"], item["rule"], item["source"], _words(item.get("note"))))
    extra = _position_sums(ctx, raw.get("positions", {}), where + ("positions",), summed)
    return SpotBalances(lists, inputs, {k: v for k, v in readings.items() if v is not None}, raw.get("quote"),
                        enabled, totals, rows, summed, _words(raw.get("positions", {}).get("note")),
                        tuple(n for n in open_when if n in inputs), tuple(priced), *extra)


def _position_sums(ctx, raw: dict, where, summed) -> tuple:
    """(asset, mode, notional, account, account_notional) of ``positions:``: where a row says its coin and margin
    mode, its notional summed per coin, and the account's maintenance margin and notional the summed rows must
    explain (OKX multi-currency)."""
    paths = {key: _path(ctx, raw[key], where + (key,)) if key in raw else None for key in ("asset", "mode", "notional")}
    for key in ("notional", "account", "account_notional"):
        if key in raw and not summed:
            ctx.error("MV491", f"'positions: {key}' is summed per coin: it needs 'summed: true'", where + (key,),
                      at_key=True)
    if "account_notional" in raw and "notional" not in raw:
        ctx.error("MV491", "'positions: account_notional' is the rows' notionals summed: it needs 'notional'",
                  where + ("account_notional",), at_key=True)
    checks = {key: _account_check(ctx, raw[key], where + (key,)) if key in raw else None
              for key in ("account", "account_notional")}
    return paths["asset"], paths["mode"], paths["notional"], checks["account"], checks["account_notional"]


def _account_check(ctx, item: dict, at) -> AccountCheck | None:
    """An account figure of the balance the summed rows must explain (``positions: account:``,
    ``account_notional:``)."""
    ctx.check_source(item["source"], at + ("source",))
    path = _path(ctx, item["path"], at + ("path",))
    rtol = None
    if "rtol" in item:
        try:
            rtol = Fraction(str(item["rtol"]))
        except (ValueError, ZeroDivisionError):
            rtol = Fraction(-1)
        if rtol < 0:
            ctx.error("MV491", "an rtol is a relative difference of 0 or more", at + ("rtol",))
            rtol = None
    return AccountCheck(path, item["source"], rtol, _words(item.get("note"))) if path is not None else None


def _words(text):
    return " ".join(str(text).split()) if text is not None else None


def _env(names, inputs) -> dict:
    return {name: Term(sympy.Symbol(name), DIMENSIONLESS) for name in (*names, *inputs)}


def _path(ctx, text, where) -> FieldPath | None:
    try:
        return FieldPath.parse(text)
    except PathSyntaxError as exc:
        ctx.error("MV490", str(exc), where, hint="write keys joined by '.', an index as [0], a matching list element "
                                                 "as [key=value] ({settle} stands for the settlement currency)")
        return None


def _inputs(ctx, raw: dict, where, balance: bool, known) -> dict:
    out = {}
    for name, item in raw.items():
        ctx.check_source(item["source"], where + (name, "source"))
        if name in CCXT_POSITION_NUMBERS and not balance:
            ctx.error("MV491", f"input {name!r} has the name of ccxt's unified field", where + (name,), at_key=True,
                      hint="the unified field can be used as it is; give the raw value another name")
            continue
        if "sum" in item:
            if not balance:
                ctx.error("MV491", "only a balance input can be a sum over positions", where + (name, "sum"))
                continue
            if item["sum"] not in known:
                ctx.error("MV491", f"cannot sum {item['sum']!r}: it is neither a unified Position field nor a "
                                   "position input", where + (name, "sum"), hint=ctx.suggest(item["sum"], known))
                continue
            out[name] = Input(name, None, item["sum"], _words(item["meaning"]), item["source"])
            continue
        path = _path(ctx, item["path"], where + (name, "path"))
        if path is not None:
            out[name] = Input(name, path, None, _words(item["meaning"]), item["source"])
    return out


def _reading(ctx, name, raw, env, where, targets, what="snapshot field") -> Reading | None:
    ctx.check_source(raw["source"], where + ("source",))
    if name not in targets:
        message = {"snapshot field": f"{name!r} is not a snapshot field a ccxt export can fill",
                   "balance field": f"{name!r} is not a balance field of a spot-margin snapshot"}.get(
            what, f"{name!r} is not a field of the rule's market catalog")
        ctx.error("MV491", message, where, at_key=True,
                  hint=ctx.suggest(name, targets) or ("fields: " + ", ".join(targets) if targets else
                                                      "the rule has no market catalog"))
        return None
    formulas = {}
    for key in ("read", *MARGIN_MODES):
        if key not in raw:
            continue
        try:
            formula = parse_formula(raw[key], env, what=f"reading of {name}")
        except FormulaError as exc:
            ctx.formula_error(exc, where + (key,))
            continue
        formulas["*" if key == "read" else key] = (raw[key], formula.expr)
    if not formulas:
        return None
    return Reading(name, formulas, tuple(raw.get("settle", ())), raw["source"], _words(raw.get("note")))


def _side(ctx, raw, where) -> SideCheck | None:
    ctx.check_source(raw["source"], where + ("source",))
    signed = "signed" in raw
    path = _path(ctx, raw["signed"] if signed else raw["path"], where + ("signed" if signed else "path",))
    when = None
    if "when" in raw:
        when_path = _path(ctx, raw["when"]["path"], where + ("when", "path"))
        when = (when_path, raw["when"]["equals"]) if when_path else None
    if path is None:
        return None
    return SideCheck(path, signed, tuple(raw.get("long", ())), tuple(raw.get("short", ())),
                     tuple(raw.get("neither", ())), when, raw["source"])


def _agreement(ctx, raw, env, where) -> Agreement | None:
    """One ``agree:`` entry: a unified numeric field and the formula over the exchange's own fields it must equal."""
    ctx.check_source(raw["source"], where + ("source",))
    if raw["field"] not in CCXT_POSITION_NUMBERS:
        ctx.error("MV491", f"{raw['field']!r} is not one of ccxt's unified numeric Position fields", where + ("field",),
                  hint=ctx.suggest(raw["field"], CCXT_POSITION_NUMBERS))
        return None
    try:
        formula = parse_formula(raw["equals"], env, what=f"value {raw['field']} must equal")
    except FormulaError as exc:
        ctx.formula_error(exc, where + ("equals",))
        return None
    return Agreement(raw["field"], (raw["equals"], formula.expr), raw["source"], _words(raw.get("note")))
