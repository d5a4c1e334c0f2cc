"""Worked examples: inputs, expected outputs and a tolerance, each checked to give what its expectations need."""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction

from verifier.model.rule import Example, ModeView
from verifier.model.symbols import in_domain
from verifier.read.rule.context import MARKET_CATALOG, TIER_BASIS, RuleContext


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
    date = _dt.date.fromisoformat(raw["date"]) if "date" in raw else None  # read (and reported) by read_examples
    given, misspelt = _given(ctx, raw, path, mode)
    market = raw.get("market")
    if market is not None and (MARKET_CATALOG in ctx.broken or (tiers is None and "markets" in ctx.doc.data)):
        return None  # the catalog could not be read: its problems are reported in its files (or at 'markets')
    if market is not None and (tiers is None or tiers.table(market, date) is None):
        known = tiers.catalog.symbols() if tiers else []
        when = f" in force on {date}" if date is not None and market in known else ""
        ctx.error("MV455", f"example names market {market!r}, which has no tier table{when}",
                  path + ("market",), hint=ctx.suggest(market, known))
        return None
    expect, missing = {}, {}
    for key, value in raw["expect"].items():
        if _expectation_ok(ctx, raw, path, mode, tiers, given, market, key, value, missing):
            expect[key] = value if isinstance(value, bool) else Fraction(value)
    _report_missing(ctx, path, missing, misspelt)
    return Example(raw["name"], raw["source"], raw["mode"], given, expect, Fraction(raw.get("tolerance", 0)),
                   date, market, raw.get("note"), index, raw.get("tolerance_reason"))


def _given(ctx: RuleContext, raw: dict, path: tuple, mode: ModeView) -> tuple[dict, set]:
    """The example's inputs: symbols or parameters of its mode, each inside its domain; and the names its
    misspelt inputs stand for (their absence is that one mistake, not another)."""
    known_inputs = {**mode.symbols, **mode.parameters}
    given, misspelt = {}, set()
    for key, value in raw["given"].items():
        spec = known_inputs.get(key)
        if spec is None:
            hint = ctx.suggest(key, [name for name in known_inputs if name not in raw["given"]])
            if hint:
                misspelt.update(n for n in known_inputs if hint == f"did you mean {n!r}?")
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
    return given, misspelt


def _expectation_ok(ctx: RuleContext, raw, path, mode: ModeView, tiers, given, market, key, value,
                    missing_by_name: dict) -> bool:
    """An expectation names a definition, condition or ``<condition>_price`` and the example gives its inputs
    (inputs not given are gathered in ``missing_by_name``: name -> expectations that need it).  An expectation
    of a definition or condition whose own problem was reported is left out silently."""
    if key in ctx.broken or key.removesuffix("_price") in ctx.broken:
        return False
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
    if tier_missing and tiers is not None and (market or len(tiers.catalog.entries) == 1) and mode.tier_basis is not None:
        # the tier table supplies those, from the row its basis picks: the basis's own inputs are needed instead
        missing -= tier_missing
        missing |= {s.name for s in mode.tier_basis.expr.free_symbols if s.name in mode.symbols} - set(given)
        if key.endswith("_price"):
            missing.discard(mode.conditions[key[: -len("_price")]].solve_for)
    for name in missing:
        missing_by_name.setdefault(name, []).append((key, name in tier_missing))
    return not missing


def _report_missing(ctx: RuleContext, path: tuple, missing_by_name: dict, misspelt: set) -> None:
    """One MV454 per example for the inputs it does not give (an input given under a misspelt name is reported
    as that misspelling only)."""
    missing = {name: needs for name, needs in missing_by_name.items()
               if name not in misspelt and name not in ctx.broken
               and not (TIER_BASIS in ctx.broken and any(tier for _, tier in needs))}
    if not missing:
        return
    names = sorted(missing)
    keys = list(dict.fromkeys(key for name in names for key, _ in missing[name]))
    tiered = sorted(name for name in names if any(tier for _, tier in missing[name]))
    hint = "add them under 'given'"
    if tiered:
        hint += ", or name a 'market' whose tier table supplies " + ", ".join(tiered)
    needs = " and ".join(repr(k) for k in keys) + (" need" if len(keys) > 1 else " needs")
    ctx.error("MV454", f"example does not give {', '.join(names)}, which {needs}", path + ("given",), hint=hint)


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
