"""Checks that a rule's data is plausible, beyond being well-formed: nothing dated after today, tier values inside
their symbols' domains, a published formula's ``where`` in force on some date.

* MV405: a source ``retrieved`` after today (:func:`verifier.read.today.today`; ``$MARGIN_VERIFIER_TODAY`` fixes it);
* MV406: an effective date after today (a parameter value, a definition version, a published formula): undated
  evaluations use the latest value, so a value not yet in force would answer for today (market catalogs' dated
  versions get both checks, in the same words: :mod:`verifier.read.catalog.shards`);
* MV407: a tier-table value outside the domain of the symbol that reads its column (parameters: see
  :mod:`~verifier.read.rule.parameters`);
* MV409: a published formula whose ``where`` fixes parameters to values they never take together while it is in
  force: it would be proved against a rule that never was.
"""

from __future__ import annotations

import datetime as _dt

from verifier.model.numbers import exact_text
from verifier.model.regimes import in_force, interval_text
from verifier.model.symbols import in_domain
from verifier.read.rule.context import RuleContext
from verifier.read.today import FUTURE_HINTS, after_today


def check_plausible(ctx: RuleContext, data: dict, parameters: dict, modes: dict, tiers, published: list) -> None:
    """Report every implausible value (``published``: every Published of every regime)."""
    _retrieved(ctx, data)
    _effective(ctx, data)
    _tier_domains(ctx, modes, tiers)
    _where_in_force(ctx, modes, published)


def _future(ctx: RuleContext, text, path, code: str, what: str, at_key: bool = False) -> None:
    try:
        day = _dt.date.fromisoformat(str(text))
    except ValueError:
        return  # reported where the date is read
    message = after_today(day, what)
    if message:
        ctx.error(code, message, path, hint=FUTURE_HINTS[code], at_key=at_key)


def _retrieved(ctx: RuleContext, data: dict) -> None:
    for key, source in data["sources"].items():
        _future(ctx, source["retrieved"], ("sources", key, "retrieved"), "MV405", "retrieved date")


def _effective(ctx: RuleContext, data: dict) -> None:
    blocks = [(("parameters",), data.get("parameters", {}))]
    blocks += [(("modes", m, "parameters"), mode.get("parameters", {})) for m, mode in data["modes"].items()]
    for prefix, block in blocks:
        for name, spec in block.items():
            for day in spec["values"]:
                if day != "open":
                    _future(ctx, day, prefix + (name, "values", day), "MV406", "effective date", at_key=True)
    defs = [(("definitions",), data.get("definitions", {}))]
    defs += [(("modes", m, "definitions"), mode.get("definitions", {})) for m, mode in data["modes"].items()]
    for prefix, block in defs:
        for name, spec in block.items():
            for index, version in enumerate(spec.get("versions", ())):
                if version.get("since", "open") != "open":
                    _future(ctx, version["since"], prefix + (name, "versions", index, "since"), "MV406",
                            "effective date")
    for quantity, entries in data.get("published", {}).items():
        for index, entry in enumerate(entries):
            if entry.get("since", "open") != "open":
                _future(ctx, entry["since"], ("published", quantity, index, "since"), "MV406", "effective date")


def _tier_domains(ctx: RuleContext, modes: dict, tiers) -> None:
    if tiers is None:
        return
    seen = set()
    for view in modes.values():
        for name, column in view.tier_symbols.items():
            spec = view.symbols[name]
            if not spec.domain or (name, column) in seen:
                continue
            seen.add((name, column))
            for market, table in tiers.tables.items():
                for row in table.rows:
                    value = row.values.get(column)
                    if value is not None and not in_domain(value, spec.domain):
                        ctx.error("MV407", f"the {market} table's row {row.number} gives {column} = "
                                           f"{exact_text(value)}, outside the domain of symbol {name!r} "
                                           f"({' and '.join(f'{o} {exact_text(b)}' for o, b in spec.domain)})",
                                  ("markets", "catalog"),
                                  hint=f"check {market}'s row {row.number} in {table.file}: a rate is a fraction")


def _where_in_force(ctx: RuleContext, modes: dict, published: list) -> None:
    """A ``where`` that fixes parameters must match their values on some date while the entry is in force."""
    checked = set()
    for entry in published:
        key = (entry.quantity, entry.index)
        if key in checked:
            continue
        checked.add(key)
        mode = modes.get(entry.modes[0]) if entry.modes else None
        if mode is None:
            continue
        fixed = {name: value for name, value in entry.where.items() if name in mode.parameters}
        if not fixed:
            continue
        days = {entry.since} if entry.since is not None else set()
        for name in fixed:
            days |= {since for since, _ in mode.parameters[name].values if since is not None}
        candidates = sorted(days) or [None]
        if entry.since is None:
            candidates = [None] + candidates
        if not any(_holds(mode, fixed, day) and (day is None or in_force(day, entry.since, entry.until))
                   for day in candidates):
            shown = ", ".join(f"{n} = {exact_text(v)}" for n, v in fixed.items())
            ctx.error("MV409", f"published {entry.quantity} #{entry.index + 1} holds where {shown}, but the "
                               f"parameters never take those values together {interval_text(entry.since, entry.until)}",
                      ("published", entry.quantity, entry.index, "where"),
                      hint="check the values under 'where' against the parameters' effective dates")


def _holds(mode, fixed: dict, day) -> bool:
    """Whether every fixed parameter has its value on ``day`` (None: the earliest regime, open values only)."""
    for name, value in fixed.items():
        values = mode.parameters[name].values
        if day is None:
            if values[0][0] is not None or values[0][1] != value:
                return False
            continue
        current = None
        for since, v in values:
            if since is None or since <= day:
                current = v
        if current != value:
            return False
    return True
