"""``--explain``: each position's trace (:class:`verifier.derive.account.explain.Explanation`) as text for a person
and as the ``explain`` object of the JSON output.

The text is grouped per position and fits a 100-column terminal (long lines wrap with an indent): the inputs with
where each came from, the tier and why, each value with its formula, rule line and source, how the liquidation price
was found, the conditions at the mark, the fields not read, and the sources cited.  Numbers are exact
(:func:`verifier.report.numbers.decimal_text`; a value whose decimal does not terminate is shown to 18 places with
``~``).  The JSON object's shape is documented in docs/how-to/check-my-positions.md ("Why is my liquidation price
what it is?").

>>> import datetime
>>> from verifier.derive.account.explain import explain_account
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> account = account_from_data({"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT",
...     "side": "long", "contracts": "1", "contractSize": "1", "entryPrice": "60000", "markPrice": "60000",
...     "collateral": "1000"}]})
>>> [trace] = explain_account(load_rule("binance/usdm-perpetual"), account, date=datetime.date(2026, 10, 1))
>>> data = explanation_data(trace)
>>> data["tier"]["number"], data["tier"]["floor"], data["tier"]["cap"], data["tier"]["basisValue"]
(1, '0', '300000', '60000')
>>> [(i["symbol"], i["origin"]) for i in data["inputs"] if i["origin"] != "position"]
[('MMR', 'tiers'), ('cum', 'tiers'), ('liquidation_fee_rate', 'parameter')]
>>> for line in explanation_text(trace).splitlines()[:2]: print(line)
== BTC/USDT:USDT long, isolated: why these numbers ==
rule binance/usdm-perpetual (rules/binance/usdm-perpetual.yaml), mode isolated, on 2026-10-01
"""

from __future__ import annotations

import os
import textwrap

from verifier.report.numbers import approx_text, decimal_text, is_exact

WIDTH = 100
"""The terminal width the text fits (a line longer than this wraps, indented)."""

ORIGINS = {
    "position": "read from the position",
    "account": "the account's wallet",
    "catalog": "the market catalog",
    "position-own": "the position's own value of a catalog field (used before the catalog's)",
    "tiers": "the tier table (the row at the mark, below)",
    "position-bracket": "the position's own bracket (it gives its tier values)",
    "others": "summed over the other positions of the pool at their marks",
    "parameter": "a rule constant",
    "example": "given by a worked example of the rule",
}
"""What each input ``origin`` means, said in the text."""


def number(value) -> str | None:
    """For people: the exact decimal, or ``~`` and 18 places when it does not terminate; None stays None."""
    if value is None:
        return None
    return decimal_text(value) if is_exact(value) else approx_text(value, 18)


def shown_path(file) -> str | None:
    """A file as the reader knows it: relative to the working folder when it is inside it."""
    if not file:
        return None
    file = str(file)
    try:
        relative = os.path.relpath(file)
    except ValueError:  # another drive
        return file
    return file if relative.startswith("..") else relative


# --------------------------------------------------------------------------------------------- JSON


def _where(where) -> dict | None:
    if where is None:
        return None
    return {"file": shown_path(where.file), "line": where.line, "path": where.path}


def _version(version) -> dict | None:
    if version is None:
        return None
    return {"catalog": version.catalog, "market": version.market, "part": version.part,
            "effective": version.effective.isoformat() if version.effective else None,
            "seen": version.seen.isoformat() if version.seen else None, "source": version.source,
            "file": shown_path(version.file)}


def _field(field) -> dict:
    data = {"name": field.name, "value": decimal_text(field.value), "where": _where(field.where)}
    for key, value in (("via", field.via), ("note", field.note), ("catalog", _version(field.catalog))):
        if value is not None:
            data[key] = value
    return data


def _input(item) -> dict:
    data = {"symbol": item.symbol, "value": decimal_text(item.value), "meaning": item.meaning, "origin": item.origin,
            "declared": _where(item.declared), "source": item.source}
    if item.reading is not None:
        data["reading"] = item.reading
    if item.fields:
        data["fields"] = [_field(f) for f in item.fields]
    if item.catalog is not None:
        data["catalog"] = _version(item.catalog)
    if item.column is not None:
        data["column"] = item.column
    if item.origin == "others":
        data["sums"] = item.summed
        data["shares"] = [{"position": label, "value": decimal_text(value)} for label, value in item.shares]
    if item.origin == "parameter":
        data["since"] = item.since.isoformat() if item.since else None
    return data


def _bracket(bracket) -> dict | None:
    if bracket is None:
        return None
    return {"number": bracket.number, "floor": decimal_text(bracket.floor), "cap": decimal_text(bracket.cap),
            "bounds": bracket.bounds, "basis": bracket.basis, "basisValue": decimal_text(bracket.basis_value),
            "at": bracket.at, "values": [{"symbol": s, "column": c, "value": decimal_text(v)} for s, c, v in bracket.values],
            "catalog": _version(bracket.version), "declared": _where(bracket.declared)}


def explanation_data(trace, evaluated_by: str | None = None, unread=()) -> dict:
    """The ``explain`` object of one position (``evaluated_by``: why the reference evaluation computed it;
    ``unread``: the export's fields no reading uses)."""
    liquidation = trace.liquidation
    return {
        **({"example": trace.example} if trace.example is not None else {}),
        "rule": trace.rule, "ruleFile": shown_path(trace.rule_file), "mode": trace.mode,
        "marginMode": trace.margin_mode, "date": trace.date.isoformat() if trace.date else None,
        "evaluatedBy": {"evaluation": "reference", "why": evaluated_by} if evaluated_by else None,
        "inputs": [_input(i) for i in trace.inputs],
        "tier": _bracket(trace.tier), "bracketSource": trace.bracket_source,
        "values": [{"name": s.name, "formula": s.text, "meaning": s.meaning, "value": decimal_text(s.value),
                    "declared": _where(s.declared), "source": s.source} for s in trace.values],
        "liquidation": {
            "condition": liquidation.condition, "solveFor": liquidation.solve_for,
            "declared": _where(liquidation.declared), "source": liquidation.source,
            "price": decimal_text(liquidation.price), "reason": liquidation.reason, "tier": _bracket(liquidation.tier),
            "candidates": [{"tier": row, "price": decimal_text(price)} for row, price in liquidation.candidates],
            "published": [{"formula": text, "declared": _where(where), "source": source}
                          for text, where, source in liquidation.published],
            "hedged": liquidation.hedged},
        "status": [{"condition": name, "formula": text, "declared": _where(where), "holds": holds}
                   for name, text, where, holds in trace.status],
        "unread": unread_items(trace, unread),
        "sources": {key: {"title": s.title, "url": s.url, "retrieved": str(s.retrieved)}
                    for key, s in trace.sources.items()},
    }


# --------------------------------------------------------------------------------------------- text


def _at(where, rule_file=None) -> str:
    """``file:line`` (the rule file's name shortened to its base name: it is named once in the heading)."""
    if where is None:
        return ""
    file = shown_path(where.file)
    if rule_file is not None and where.file == rule_file:
        file = os.path.basename(file)
    line = f":{where.line}" if where.line else ""
    return f"{file}{line}"


def _field_where(field) -> str:
    where = field.where
    if where is None:
        return ""
    place = _at(where)
    return f"{place} {where.path}" if where.path and where.path != "$" else place


def _version_text(version) -> str:
    if version is None:
        return "no catalog version"
    return (f"catalog {version.catalog}, {version.market} {version.part} effective {version.effective} (seen "
            f"{version.seen}, source {version.source}), {shown_path(version.file) or 'catalog file unknown'}")


def _cited(source) -> str:
    return f", source {source}" if source else ""


def _bracket_text(bracket) -> str:
    cap = number(bracket.cap) if bracket.cap is not None else "no cap"
    values = ", ".join(f"{s} {number(v)}" for s, _, v in bracket.values)
    return (f"tier {bracket.number}: {bracket.basis} {number(bracket.basis_value)} at the {bracket.at} lies in "
            f"{bracket.bounds.replace('floor', number(bracket.floor)).replace('cap', cap)}"
            + (f"; {values}" if values else ""))


def _input_lines(trace, item) -> list:
    rule_file = trace.rule_file
    head = f"{item.symbol} = {number(item.value)}: {item.meaning.strip()}"
    declared = f" [{_at(item.declared, rule_file)}{_cited(item.source)}]"
    lines = [head + declared]
    if item.origin in ("position", "account", "position-bracket"):
        read = f"read as {item.reading}" if item.reading and item.reading != item.symbol else "read"
        parts = []
        for f in item.fields:
            text = f"{f.name} {number(f.value)}"
            detail = [d for d in (f.via if f.via and f.via != f.name else None, f.note,
                                  _version_text(f.catalog) if f.catalog else None, _field_where(f)) if d]
            parts.append(text + (f" ({'; '.join(detail)})" if detail else ""))
        lines.append(f"  {read}: " + "; ".join(parts) if parts else f"  {read}")
        if item.origin == "position-bracket":
            lines.append(f"  the position gives its bracket (column {item.column}): not looked up in the table")
    elif item.origin == "catalog":
        lines.append(f"  from the market field {item.fields[0].name}: {_version_text(item.catalog)}")
    elif item.origin == "position-own":
        f = item.fields[0]
        lines.append(f"  the position's own {f.name} ({f.note}; {_field_where(f)})")
    elif item.origin == "tiers":
        lines.append(f"  column {item.column} of the tier row at the mark (tier, below)")
    elif item.origin == "others":
        shares = ", ".join(f"{label} {number(value)}" for label, value in item.shares) or "no other position"
        lines.append(f"  {item.summed} summed over the pool's other positions at their marks: {shares}")
    elif item.origin == "example":
        lines.append("  given by the worked example")
    elif item.origin == "parameter":
        since = f"in force since {item.since}" if item.since else "in force from the rule's first date (open)"
        lines.append(f"  a rule constant, {since}")
    return lines


def explanation_text(trace, evaluated_by: str | None = None, unread=(), sources: bool = True) -> str:
    """One position's trace for a person, :data:`WIDTH` columns (a URL or a path longer than a line is not
    broken); ``unread``: the export's fields no reading uses (``verifier.read.ccxt_unread.Unread``); ``sources``:
    list the sources cited (a rule page has its own table of them)."""
    rule_file = trace.rule_file
    index = f"#{trace.index} " if trace.index is not None else ""
    mode = f"mode {trace.mode}" + (f" ({trace.margin_mode} margin)" if trace.mode != trace.margin_mode else "")
    heading = f"== {index}{trace.symbol} {trace.side}, {trace.margin_mode}: why these numbers ==" \
        if trace.example is None else f"== worked example {index}{trace.example}: why these numbers =="
    out = [heading,
           f"rule {trace.rule} ({shown_path(rule_file)}), {mode}, "
           f"{'on ' + trace.date.isoformat() if trace.date else 'values and market data in force now'}"]
    if evaluated_by:
        out.append(f"evaluated by: the reference evaluation ({evaluated_by})")
    out.append("inputs:")
    for item in trace.inputs:
        out += ["  " + line for line in _input_lines(trace, item)]
    if trace.tier is not None:
        out.append("tier at the mark:")
        out.append("  " + _bracket_text(trace.tier) + f" [{_at(trace.tier.declared, rule_file)}: tier basis]")
        out.append("  table: " + _version_text(trace.tier.version))
    elif trace.bracket_source == "position":
        out.append("tier: none looked up (the position gives its bracket)")
    out.append("values at the mark:" if trace.example is None else "values at the given price:")
    for step in trace.values:
        value = number(step.value) if step.value is not None else \
            "not computed (an input it needs is not given, or not read: the answer does not need it)"
        out.append(f"  {step.name} = {step.text} = {value} [{_at(step.declared, rule_file)}{_cited(step.source)}]")
    out += _liquidation_lines(trace)
    status = ", ".join(f"{name} ({text}) {'holds' if holds else 'does not hold' if holds is False else 'undecided'}"
                       f" [{_at(where, rule_file)}]" for name, text, where, holds in trace.status)
    if status:
        out.append(f"conditions at the {'mark' if trace.example is None else 'given price'}: {status}")
    out += _unread_lines(trace, unread)
    if trace.sources and sources:
        out.append("sources:")
        for key, s in trace.sources.items():
            out += [f"  {key}: {s.title} (retrieved {s.retrieved})", f"    {s.url}"]
    return "".join(_wrapped(line) for line in out)


def _liquidation_lines(trace) -> list:
    rule_file = trace.rule_file
    liquidation = trace.liquidation
    if liquidation.price is None:
        out = [f"liquidation price: none: {liquidation.reason}"]
    else:
        out = [f"liquidation price {number(liquidation.price)}:"]
    if liquidation.condition:
        out.append(f"  the {liquidation.solve_for} where liquidation ({liquidation.condition}) starts to hold "
                   f"[{_at(liquidation.declared, rule_file)}{_cited(liquidation.source)}]")
    if liquidation.hedged:
        out.append("  solved with the same market's opposite leg moving with the price (hedge mode)")
    if liquidation.tier is not None:
        mark = trace.tier.number if trace.tier is not None else None
        same = "" if mark is None else " (the mark's tier)" if mark == liquidation.tier.number else \
            f" (not the mark's tier {mark}: the price is solved in the bracket it lies in)"
        out.append("  " + _bracket_text(liquidation.tier) + same)
    if len(liquidation.candidates) > 1:
        others = ", ".join(f"tier {row}: {number(price)}" for row, price in liquidation.candidates)
        out.append(f"  tier-consistent roots: {others} (the price is the one nearest the mark)")
    for text, where, source in liquidation.published:
        out.append(f"  the exchange's published formula (check proves it equal): {text} "
                   f"[{_at(where, rule_file)}{_cited(source)}]")
    return out


def _unread_lines(trace, unread) -> list:
    """The position's fields no reading of the mode uses, and the export's (said once per run above the traces,
    repeated here so that a trace is whole): plain ones in one line, those the rule says why about one each."""
    plain = [name for name, why in trace.unread if why is None]
    said = [(name, why) for name, why in trace.unread if why is not None]
    plain += [u.path for u in unread if u.why is None and u.part == "positions"]
    said += [(u.path, u.why) for u in unread if u.why is not None and u.part == "positions"]
    out = [f"not read: {name}: {why}" for name, why in said]
    if plain:
        out.append("not read (no reading of the rule uses them): " + ", ".join(plain))
    return out


def unread_items(trace, unread=()) -> list:
    """The JSON ``unread`` of a trace: the position's fields and the export's that no reading uses, with why."""
    return [{"field": name, "why": why} for name, why in trace.unread] + [
        {"field": u.path, "why": u.why} for u in unread if u.part == "positions"]


def _wrapped(line: str) -> str:
    """``line`` wrapped at :data:`WIDTH`, continuation lines indented four more than it; a word longer than a line
    (a URL) is left whole."""
    if len(line) <= WIDTH or " " not in line.strip():
        return line + "\n"
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return "\n".join(textwrap.wrap(line, WIDTH, subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False)) + "\n"


def add_explanations(data: list, positions, explained, evaluated_by=None, unread=()) -> list:
    """``data`` (a position list's JSON objects, in ``positions``' order) with each one's ``explain`` object."""
    for item, position in zip(data, positions):
        trace = explained.get(id(position)) if explained else None
        if trace is not None:
            item["explain"] = explanation_data(trace, evaluated_by, unread)
    return data


def explained_text(evaluations, explained: dict, evaluated_by=None, unread=()) -> str:
    """Every explained position's trace, in the file's order, then the export's fields no rule reading uses."""
    entries = sorted(((p.index if p.index is not None else n, p) for e in evaluations
                      for n, p in enumerate(e.positions)), key=lambda t: t[0])
    parts = [explanation_text(explained[id(p)], evaluated_by, unread) for _, p in entries if id(p) in explained]
    return "\n".join(parts)
