"""Worked examples: inputs, expected outputs and a tolerance, each checked to give what its expectations need."""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction

from verifier.model.rule import Example, ModeView
from verifier.model.symbols import in_domain
from verifier.read.rule.context import RuleContext


def read_examples(ctx: RuleContext, data: dict, modes_at, tiers) -> list:
    """Every example under ``examples`` that reads cleanly, in order; ``modes_at(date)``: the modes in force on
    the example's date (its expectations are checked against the formulas of that date)."""
    examples = []
    for index, raw in enumerate(data.get("examples", [])):
        path = ("examples", index)
        ctx.check_source(raw["source"], path + ("source",))
        date = ctx.date(raw["date"], path + ("date",)) if "date" in raw else None
        if "date" in raw and date is None:
            continue
        modes = modes_at(date)
        if modes is None and date is None:
            continue  # today's formulas could not be read: reported where they are written
        if modes is None:
            ctx.error("MV404", f"example {raw['name']!r} is dated {raw['date']}, when the rule does not say which "
                               "formulas were in force", path + ("date",),
                      hint="date it inside a version of the rule's dated definitions")
            continue
        example = _example(ctx, raw, index, path, modes, tiers)
        if example is not None:
            examples.append(example)
    return examples


def _example(ctx: RuleContext, raw: dict, index: int, path: tuple, modes: dict, tiers) -> Example | None:
    mode = modes.get(raw["mode"])
    if mode is None:
        ctx.error("MV450", f"example {raw['name']!r} uses unknown mode {raw['mode']!r}", path + ("mode",),
                  hint=ctx.suggest(raw["mode"], modes))
        return None
    date = _dt.date.fromisoformat(raw["date"]) if "date" in raw else None  # read by read_examples
    given = _given(ctx, raw, path, mode)
    market = raw.get("market")
    if market is not None and (tiers is None or market not in tiers.tables):
        ctx.error("MV455", f"example names market {market!r}, which has no tier table",
                  path + ("market",), hint=ctx.suggest(market, tiers.tables if tiers else {}))
        return None
    expect = {}
    for key, value in raw["expect"].items():
        if _expectation_ok(ctx, raw, path, mode, tiers, given, market, key, value):
            expect[key] = value if isinstance(value, bool) else Fraction(value)
    return Example(raw["name"], raw["source"], raw["mode"], given, expect, Fraction(raw.get("tolerance", 0)),
                   date, market, raw.get("note"), index, raw.get("tolerance_reason"))


def _given(ctx: RuleContext, raw: dict, path: tuple, mode: ModeView) -> dict:
    """The example's inputs: symbols or parameters of its mode, each inside its domain."""
    known_inputs = {**mode.symbols, **mode.parameters}
    given = {}
    for key, value in raw["given"].items():
        spec = known_inputs.get(key)
        if spec is None:
            hint = ctx.suggest(key, known_inputs)
            if key in mode.definitions:
                hint = f"{key!r} is a definition (computed); give the symbols it uses, or put it under 'expect'"
            ctx.error("MV451", f"example gives {key!r}, which is not a symbol or parameter of mode {raw['mode']!r}",
                      path + ("given", key), hint=hint, at_key=True)
            continue
        value = Fraction(value)
        domain = getattr(spec, "domain", ())
        one_of = getattr(spec, "one_of", None)
        if (domain and not in_domain(value, domain)) or (one_of and value not in one_of):
            allowed = f"one of {[str(v) for v in one_of]}" if one_of else repr(" and ".join(f"{o} {b}" for o, b in domain))
            ctx.error("MV452", f"example gives {key} = {value}, outside its domain {allowed}", path + ("given", key))
        given[key] = value
    return given


def _expectation_ok(ctx: RuleContext, raw, path, mode: ModeView, tiers, given, market, key, value) -> bool:
    """An expectation names a definition, condition or ``<condition>_price`` and the example gives its inputs."""
    if (key in mode.conditions) != isinstance(value, bool):
        want = "true or false (does the condition hold?)" if key in mode.conditions else "a number"
        ctx.error("MV456", f"example expects {key!r} = {str(value).lower()}, but {key!r} needs {want}",
                  path + ("expect", key))
        return False
    needs = inputs_needed(mode, key)
    if needs is None:
        names = list(mode.definitions) + list(mode.conditions) + [f"{c}_price" for c in mode.conditions]
        ctx.error("MV453", f"example expects {key!r}, which is neither a definition of mode {raw['mode']!r} "
                           "nor a condition nor '<condition>_price'", path + ("expect", key),
                  hint=ctx.suggest(key, names), at_key=True)
        return False
    missing = set(needs) - set(given) - set(mode.parameters)
    tier_missing = {name for name in missing if name in mode.tier_symbols}
    if tier_missing and tiers is not None and (market or len(tiers.tables) == 1) and mode.tier_basis is not None:
        # the tier table supplies those, from the row its basis picks: the basis's own inputs are needed instead
        missing -= tier_missing
        missing |= {s.name for s in mode.tier_basis.expr.free_symbols if s.name in mode.symbols} - set(given)
        if key.endswith("_price"):
            missing.discard(mode.conditions[key[: -len("_price")]].solve_for)
    if missing:
        hint = "add them under 'given'"
        if tier_missing & missing:
            hint += ", or name a 'market' whose tier table supplies " + ", ".join(sorted(tier_missing & missing))
        ctx.error("MV454", f"example does not give {', '.join(sorted(missing))}, which {key!r} needs",
                  path + ("given",), hint=hint)
        return False
    return True


def inputs_needed(mode: ModeView, key: str) -> set | None:
    """Names of symbols an expectation depends on; None when ``key`` is not a known quantity."""
    if key in mode.definitions:
        return {s.name for s in mode.definitions[key].expr.free_symbols}
    if key in mode.conditions:
        return {s.name for s in mode.conditions[key].relation.free_symbols}
    if key.endswith("_price") and key[: -len("_price")] in mode.conditions:
        condition = mode.conditions[key[: -len("_price")]]
        return {s.name for s in condition.relation.free_symbols} - {condition.solve_for}
    return None
