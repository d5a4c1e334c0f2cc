"""Published formulas: an exchange's own closed form for ``<condition>_price`` in some modes, and its own definition
of the ratio its action levels compare (``<name>_definition``), each to be proved."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import sympy

from verifier.errors import FormulaError
from verifier.formula import ANY, Term, parse_formula
from verifier.model.rule import Level, Published, PublishedDefinition
from verifier.read.rule.context import RuleContext
from verifier.read.rule.symbols import read_symbols
from verifier.read.rule.versions import published_in_force, read_interval


def read_published(ctx: RuleContext, data: dict, modes: dict, start=None, end=None, only_known=False) -> dict:
    """quantity -> [Published] for every entry under ``published`` in force in the regime [start, end) that reads
    cleanly (read against that regime's ``modes``; ``only_known``: the entries of those modes only, for a regime
    where the other modes' formulas are not known)."""
    published = {}
    for quantity, entries in data.get("published", {}).items():
        if quantity.endswith("_definition"):  # read_definitions
            continue
        published[quantity] = []
        for index, entry in enumerate(entries):
            path = ("published", quantity, index)
            ctx.check_source(entry["source"], path + ("source",))
            interval = read_interval(ctx, entry, path, first=True)
            if interval is None or not published_in_force(entry, start, end):
                continue
            if only_known and not set(entry["modes"]) <= set(modes):
                continue
            item = _entry(ctx, quantity, entry, index, path, modes)
            if item is not None:
                published[quantity].append(replace(item, since=interval[0], until=interval[1]))
    return published


def _entry(ctx: RuleContext, quantity: str, entry: dict, index: int, path: tuple, modes: dict) -> Published | None:
    """The entry read in each mode it names (it must read in all of them); None after a problem."""
    condition_name = quantity[: -len("_price")]
    extra = read_symbols(ctx, entry.get("symbols", {}), path + ("symbols",))
    item = None
    for position, mode_name in enumerate(entry["modes"]):
        mode = modes.get(mode_name)
        if mode is None:
            ctx.error("MV441", f"unknown mode {mode_name!r}", path + ("modes", position),
                      hint=ctx.suggest(mode_name, modes))
            continue
        condition = mode.conditions.get(condition_name)
        if condition is None:
            if condition_name in ctx.broken:  # its own problem is reported where it is declared
                return None
            ctx.error("MV440", f"'{quantity}' needs a condition named {condition_name!r} in mode {mode_name!r}",
                      ("published", quantity), at_key=True, hint=ctx.suggest(condition_name, mode.conditions))
            return None
        item = _in_mode(ctx, quantity, entry, index, path, mode, condition, extra)
        if item is None:
            return None
    return item


def _in_mode(ctx: RuleContext, quantity, entry, index, path, mode, condition, extra) -> Published | None:
    env = {n: Term(s.sympy, s.unit or ANY) for n, s in mode.symbols.items()}
    if entry.get("position_mode") == "hedge":  # NAME__1: the same-market opposite leg's NAME (derive.hedge)
        env.update({f"{n}__1": Term(sympy.Symbol(f"{n}__1", **s.sympy.assumptions0), s.unit or ANY)
                    for n, s in mode.symbols.items() if not s.others and n != condition.solve_for})
    env.update({n: Term(p.sympy, p.unit or ANY) for n, p in mode.parameters.items()})
    env.update({n: Term(s.sympy, s.unit or ANY) for n, s in extra.items()})
    where = {}
    for key, value in entry.get("where", {}).items():
        if key not in env:
            ctx.error("MV442", f"'where' fixes {key!r}, which is not a symbol", path + ("where", key),
                      hint=ctx.suggest(key, env), at_key=True)
            continue
        where[key] = Fraction(value)
    try:
        formula = parse_formula(entry["formula"], env, what=f"published {quantity}")
    except FormulaError as exc:
        ctx.formula_error(exc, path + ("formula",))
        return None
    target = mode.symbols[condition.solve_for].unit
    if target is not None and formula.unit not in (target, ANY):
        ctx.error("MV443", f"published {quantity} is in {formula.unit}, but {condition.solve_for!r} is in {target}",
                  path + ("formula",))
        return None
    return Published(quantity, formula, tuple(entry["modes"]), entry.get("position_mode"), where, entry["source"],
                     entry.get("note"), index, symbols=extra)


def read_definitions(ctx: RuleContext, data: dict, modes: dict) -> dict:
    """key -> [PublishedDefinition] for every ``<name>_definition`` entry under ``published``, read in each mode it
    names (the modes in force today: a definition has no dated versions)."""
    out = {}
    for key, entries in data.get("published", {}).items():
        if not key.endswith("_definition"):
            continue
        out[key] = []
        for index, entry in enumerate(entries):
            path = ("published", key, index)
            ctx.check_source(entry["source"], path + ("source",))
            item = None
            for position, mode_name in enumerate(entry["modes"]):
                mode = modes.get(mode_name)
                if mode is None:
                    ctx.error("MV441", f"unknown mode {mode_name!r}", path + ("modes", position),
                              hint=ctx.suggest(mode_name, modes))
                    item = None
                    break
                item = _definition_in_mode(ctx, key, entry, index, path, mode)
                if item is None:
                    break
            if item is not None:
                out[key].append(item)
    return out


def _definition_in_mode(ctx: RuleContext, key, entry, index, path, mode) -> PublishedDefinition | None:
    """The entry read against ``mode``: its terms (over the mode's symbols and parameters, and the terms before
    them), the ratio, and each level (a condition of the mode, a formula in the ratio's unit)."""
    env = {n: Term(s.sympy, s.unit or ANY) for n, s in mode.symbols.items()}
    env.update({n: Term(p.sympy, p.unit or ANY) for n, p in mode.parameters.items()})
    terms = {}
    for name, text in entry.get("terms", {}).items():
        if name in env:
            ctx.error("MV446", f"term {name!r} of published {key} has the name of a symbol or parameter",
                      path + ("terms", name), at_key=True, hint="name the exchange's term differently")
            return None
        try:
            terms[name] = parse_formula(str(text), env, what=f"term {name!r} of published {key}")
        except FormulaError as exc:
            ctx.formula_error(exc, path + ("terms", name))
            return None
        env[name] = Term(terms[name].expr, terms[name].unit)
    try:
        formula = parse_formula(entry["formula"], env, what=f"published {key}")
    except FormulaError as exc:
        ctx.formula_error(exc, path + ("formula",))
        return None
    levels = []
    for condition, spec in entry["levels"].items():
        where = path + ("levels", condition)
        if condition not in mode.conditions:
            ctx.error("MV444", f"published {key} gives a level for {condition!r}, which is not a condition of mode "
                               f"{mode.name!r}", where, at_key=True, hint=ctx.suggest(condition, mode.conditions))
            return None
        try:
            level = parse_formula(str(spec["level"]), env, what=f"level of {condition!r} in published {key}")
        except FormulaError as exc:
            ctx.formula_error(exc, where + ("level",))
            return None
        if ANY not in (level.unit, formula.unit) and level.unit != formula.unit:
            ctx.error("MV445", f"published {key} is in {formula.unit}, but its level for {condition!r} is in "
                               f"{level.unit}", where + ("level",))
            return None
        levels.append(Level(condition, level, spec["operator"]))
    return PublishedDefinition(key, entry["name"], formula, terms, tuple(levels), tuple(entry["modes"]),
                               entry["source"], entry.get("note"), index)
