"""Margin modes: each merges the global symbols, parameters, definitions and conditions with its own.

Conditions are one comparison each (the operator is the rule's boundary); a mode's tier basis is read in that
mode's names.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy

from verifier.errors import FormulaError
from verifier.formula import ANY, BOOLEAN, Term, Unit, parse_formula
from verifier.model.products import Product
from verifier.model.rule import Condition, ModeView
from verifier.read.rule.context import TIER_BASIS, RuleContext
from verifier.read.rule.contract import Declared, check_contract
from verifier.read.rule.definitions import read_definitions
from verifier.read.rule.parameters import read_parameters
from verifier.read.rule.symbols import check_symbol_parameter_clash, read_symbols
from verifier.read.rule.versions import pick


@dataclass(frozen=True)
class RuleParts:
    """What every mode is read against: the rule-wide parts read before the modes."""

    data: dict
    symbols: dict
    parameters: dict
    tiers: object  # TierSet | None
    product: Product
    collateral_unit: Unit | None


def read_modes(ctx: RuleContext, parts: RuleParts, start=None) -> tuple[dict | None, str | None, dict]:
    """(name -> :class:`ModeView` for every mode under ``modes`` with the definition versions in force from the
    regime start ``start`` (None: the open start), each checked against the names code reads; None when a
    definition of some mode has no version in force there; why; ``partial``: the modes known there, ``missing``:
    mode name -> (its margin mode, why) for each mode without one).

    Formulas are dated per mode: a mode whose own definitions all have a version in force is read even where
    another mode's are not (:meth:`verifier.model.rule.Rule.at` gives it to a position of that mode).
    """
    modes, missing = {}, {}
    for name, mode in parts.data["modes"].items():
        gaps: list = []
        view = _mode(ctx, parts, name, mode, start, gaps)
        if gaps:
            missing[name] = (mode["account"], f"definition {gaps[0]!r} of the {name} mode has no version in force "
                                              "then")
        elif view is not None:
            modes[name] = view
    _check_leverages(ctx, modes)
    if missing:
        return None, next(iter(missing.values()))[1], {"partial": modes, "missing": missing}
    return modes, None, {}


def _check_leverages(ctx: RuleContext, modes: dict) -> None:
    """Two modes of one account kind cannot declare the same leverage: a snapshot's leverage picks one of them."""
    seen = {}
    for view in modes.values():
        if view.leverage is None:
            continue
        other = seen.setdefault((view.account, view.leverage), view.name)
        if other != view.name:
            ctx.error("MV427", f"modes {other!r} and {view.name!r} are both {view.account} with leverage "
                               f"{view.leverage}: a snapshot's leverage cannot tell them apart",
                      ("modes", view.name, "leverage"), hint="each mode states the maximum leverage of its own pairs")


def _mode(ctx: RuleContext, parts: RuleParts, name: str, mode: dict, start, gaps: list) -> ModeView | None:
    data, symbols, parameters = parts.data, parts.symbols, parts.parameters
    path = ("modes", name)
    ctx.check_source(mode.get("source"), path + ("source",))
    mode_symbols = _mode_symbols(ctx, mode, symbols, path)
    mode_parameters = {**parameters, **read_parameters(ctx, mode.get("parameters", {}), path + ("parameters",))}
    check_symbol_parameter_clash(ctx, mode.get("parameters", {}), mode_symbols, path + ("parameters",))
    env = {n: Term(s.sympy, s.unit or ANY) for n, s in mode_symbols.items()}
    env.update({n: Term(p.sympy, p.unit or ANY) for n, p in mode_parameters.items()})
    raw_definitions = _merged(data["definitions"], mode.get("definitions", {}), path + ("definitions",),
                              ("definitions",))
    raw_definitions = _in_force(ctx, raw_definitions, start, gaps)
    if raw_definitions is None:
        return None
    definitions = read_definitions(ctx, raw_definitions, env)
    _check_others(ctx, name, mode, mode_symbols, definitions, raw_definitions)
    raw_conditions = _merged(data["conditions"], mode.get("conditions", {}), path + ("conditions",), ("conditions",))
    conditions = _conditions(ctx, raw_conditions, env, mode_symbols, data["price"])
    leverage = Fraction(mode["leverage"]) if "leverage" in mode else None
    view = ModeView(name, mode["account"], mode["meaning"], mode_symbols, mode_parameters, definitions, conditions,
                    _tier_basis(ctx, parts.tiers, env), leverage)
    declared = Declared({"symbol": _paths(symbols, mode.get("symbols", {}), path + ("symbols",), ("symbols",)),
                         "parameter": _paths(parameters, mode.get("parameters", {}), path + ("parameters",),
                                             ("parameters",)),
                         "definition": {n: p for n, (_, p) in raw_definitions.items()},
                         "condition": {n: p for n, (_, p) in raw_conditions.items()}})
    check_contract(ctx, view, declared, parts.product, parts.collateral_unit)
    return view


def _paths(global_items, mode_items: dict, mode_path: tuple, global_path: tuple) -> dict:
    """name -> path of its declaration in this mode (the mode's own, else the global one)."""
    out = {name: global_path + (name,) for name in global_items}
    out.update({name: mode_path + (name,) for name in mode_items})
    return out


def _mode_symbols(ctx: RuleContext, mode: dict, symbols: dict, path: tuple) -> dict:
    merged = dict(symbols)
    for name, spec in read_symbols(ctx, mode.get("symbols", {}), path + ("symbols",)).items():
        if name in symbols:
            ctx.error("MV420", f"symbol {name!r} is already declared for all modes", path + ("symbols", name),
                      at_key=True, hint="rename it, or remove one of the two declarations")
        merged[name] = spec
    return merged


def _merged(global_items: dict, mode_items: dict, mode_path: tuple, global_path: tuple) -> dict:
    """name -> (spec, path): the global entries, then the mode's (a mode's entry replaces a global one)."""
    out = {name: (spec, global_path + (name,)) for name, spec in global_items.items()}
    out.update({name: (spec, mode_path + (name,)) for name, spec in mode_items.items()})
    return out


def _in_force(ctx: RuleContext, raw: dict, start, gaps: list) -> dict | None:
    """name -> (spec, path) with each versioned definition replaced by its version in force from ``start``."""
    out = {}
    for name, (spec, path) in raw.items():
        chosen = pick(ctx, spec, path, start)
        if chosen is None:
            gaps.append(name)
            continue
        out[name] = chosen
    return None if gaps else out


def _check_others(ctx: RuleContext, mode_name: str, mode: dict, symbols: dict, definitions: dict,
                  raw_definitions: dict) -> None:
    """An ``others:`` symbol sums a definition of this mode, in the symbol's unit."""
    for name, spec in symbols.items():
        if not spec.others:
            continue
        where = (("modes", mode_name, "symbols", name) if name in mode.get("symbols", {}) else ("symbols", name))
        target = definitions.get(spec.others)
        if target is None:
            if spec.others not in raw_definitions and ctx.once(("others", where)):
                ctx.error("MV421", f"symbol {name!r} sums definition {spec.others!r}, which mode {mode_name!r} "
                                   "does not define", where + ("others",),
                          hint=ctx.suggest(spec.others, raw_definitions))
        elif spec.unit is not None and target.unit not in (spec.unit, ANY) and ctx.once(("ou", where)):
            ctx.error("MV303", f"symbol {name!r} is in {spec.unit} but {spec.others!r} is in {target.unit}",
                      where + ("unit",))


def _conditions(ctx: RuleContext, raw: dict, env: dict, symbols: dict, price: str) -> dict:
    conditions = {}
    for name, (spec, path) in raw.items():
        if ctx.once(("src", path)):
            ctx.check_source(spec["source"], path + ("source",))
        condition = _condition(ctx, name, spec, path, env, symbols, price)
        if condition is not None:
            conditions[name] = condition
        else:
            ctx.broken.add(name)
    return conditions


def _condition(ctx: RuleContext, name, spec, path, env, symbols, price) -> Condition | None:
    try:
        formula = parse_formula(spec["when"], env, what=f"condition {name!r}")
    except FormulaError as exc:
        if ctx.once(("formula", path, str(exc))):
            ctx.formula_error(exc, path + ("when",))
        return None
    if formula.unit != BOOLEAN or not isinstance(formula.expr, sympy.core.relational.Relational):
        if ctx.once(("notrel", path)):
            ctx.error("MV430", f"condition {name!r} must be one comparison such as 'equity <= maintenance_margin'",
                      path + ("when",), hint="the comparison operator states the boundary: '<=' or '<'")
        return None
    solve_for = spec.get("solve_for", price)
    if solve_for not in symbols:
        if "solve_for" in spec and ctx.once(("solve", path)):  # else the undeclared price symbol is the root
            ctx.error("MV432", f"condition {name!r} solves for {solve_for!r}, which is not a symbol",
                      path + ("solve_for",), hint=ctx.suggest(solve_for, symbols))
        return None
    return Condition(name, spec["when"], formula, solve_for, spec["source"], spec.get("note"))


def _tier_basis(ctx: RuleContext, tiers, env: dict):
    """The tier basis in this mode's names, in the unit the catalog's tier basis is in."""
    if tiers is None:
        return None
    try:
        basis = parse_formula(tiers.basis_text, env, what="tier basis")
    except FormulaError as exc:
        if ctx.once(("basis", str(exc))):
            ctx.formula_error(exc, ("tiers", "basis"))
        ctx.broken.add(TIER_BASIS)
        return None
    want = tiers.catalog.layout.basis_unit
    if want is not None and basis.unit not in (want, ANY) and ctx.once(("bu", tiers.catalog.id)):
        ctx.error("MV416", f"tier basis {tiers.basis_text!r} is in {basis.unit} but the market catalog "
                           f"{tiers.catalog.id}'s tier basis is in {want}", ("tiers", "basis"))
    return basis
