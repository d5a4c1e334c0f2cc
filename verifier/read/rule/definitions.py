"""Definitions: named formulas, read in an order where each comes after the ones it uses, then expanded.

A global definition is read once per mode (its names mean what that mode declares) and its problems are reported
once.  Definitions caught in a cycle are reported and stand in as unknowns, so their users do not cascade errors.
"""

from __future__ import annotations

import ast

import sympy

from verifier.errors import FormulaError
from verifier.formula import ANY, BOOLEAN, Term, parse_expression_tree, parse_formula
from verifier.model.rule import Definition
from verifier.read.rule.context import RuleContext


def read_definitions(ctx: RuleContext, raw: dict, env: dict) -> dict:
    """``raw`` is name -> (spec, path); returns name -> Definition and adds each to ``env`` (name -> Term)."""
    for name, (_, path) in raw.items():
        if name in env and ctx.once(("clash", path)):
            ctx.error("MV420", f"definition {name!r} has the name of a symbol or parameter", path, at_key=True)
    definitions = {}
    order, broken = definition_order(ctx, raw)
    ctx.broken.update(broken)
    for name in broken:
        env[name] = Term(sympy.Dummy(name), ANY)
    for name in order:
        spec, path = raw[name]
        if ctx.once(("src", path)):
            ctx.check_source(spec["source"], path + ("source",))
        if name not in broken:
            definition = _definition(ctx, name, spec, path, env)
            if definition is not None:
                definitions[name] = definition
    return definitions


def _definition(ctx: RuleContext, name: str, spec: dict, path: tuple, env: dict) -> Definition | None:
    try:
        formula = parse_formula(spec["formula"], env, what=f"definition {name!r}")
    except FormulaError as exc:
        if ctx.once(("formula", path, str(exc))):
            ctx.formula_error(exc, path + ("formula",))
        env[name] = Term(sympy.Dummy(name), ANY)
        ctx.broken.add(name)
        return None
    if formula.unit == BOOLEAN:
        if ctx.once(("bool", path)):
            ctx.error("MV431", f"definition {name!r} is a condition; put it under 'conditions'", path + ("formula",))
        ctx.broken.add(name)
        return None
    if "unit" in spec:
        declared = ctx.unit_of(spec["unit"], path + ("unit",))
        if declared is not None and formula.unit not in (declared, ANY) and ctx.once(("unit", path)):
            ctx.error("MV303", f"definition {name!r} is in {formula.unit}, but its declared unit is {declared}",
                      path + ("formula",))
    env[name] = Term(formula.expr, formula.unit)
    return Definition(name, spec["formula"], formula, spec["source"], spec.get("meaning"), spec.get("_versions", ()))


def definition_order(ctx: RuleContext, raw: dict) -> tuple[list[str], set]:
    """Definitions in an order where each comes after those it uses, and the names caught in cycles."""
    uses, broken = {}, set()
    for name, (spec, path) in raw.items():
        names = _names_used(spec["formula"])
        uses[name] = names & set(raw) - {name}
        if name in names:
            broken.add(name)
            if ctx.once(("self", name)):
                ctx.error("MV422", f"definition {name!r} refers to itself", path + ("formula",))
    order, state = [], {}

    def visit(name, stack):
        if state.get(name) == "done":
            return
        if state.get(name) == "busy":
            cycle = stack[stack.index(name):] + [name]
            broken.update(cycle)
            if ctx.once(("cycle", tuple(sorted(cycle)))):
                ctx.error("MV422", "definitions refer to each other in a cycle: " + " -> ".join(cycle),
                          raw[name][1] + ("formula",))
            return
        state[name] = "busy"
        for used in sorted(uses[name]):
            visit(used, stack + [name])
        state[name] = "done"
        order.append(name)

    for name in raw:
        visit(name, [])
    return order, broken


def _names_used(text) -> set:
    try:
        tree = parse_expression_tree(str(text).replace("^", "**"))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()  # the parser reports the syntax error with its position
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
