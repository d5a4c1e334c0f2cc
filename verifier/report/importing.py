"""The ``import`` job's report: a semantic diff of the catalog, in text or JSON.

Per import: the counts (added, changed, confirmed, unchanged, absent from the input, left out by the catalog's
``select``); per changed market the specification fields and brackets that changed, and how far the reference
position's liquidation price moves (in percent of its entry price); the files written (or that would be).

>>> from fractions import Fraction as F
>>> from verifier.model.tiers import TierRow
>>> old = (TierRow(1, F(0), F(50000), {"MMR": F("0.004")}), TierRow(2, F(50000), F(600000), {"MMR": F("0.005")}))
>>> new = (TierRow(1, F(0), F(300000), {"MMR": F("0.004")}),)
>>> bracket_changes(old, new)
['bracket 1: cap 50000 -> 300000', 'bracket 2 removed (50000-600000)']
"""

from __future__ import annotations

from verifier.report.diagnostics import json_text
from verifier.report.numbers import approx_text, decimal_text

FORMATS = ("text", "json")
LISTED = 12
"""How many added or absent markets the text lists by name (JSON lists them all)."""


def bracket_changes(old_rows, new_rows) -> list[str]:
    """What changed between two tier tables, bracket by bracket."""
    out = []
    for index in range(max(len(old_rows), len(new_rows))):
        old = old_rows[index] if index < len(old_rows) else None
        new = new_rows[index] if index < len(new_rows) else None
        if old is None:
            out.append(f"bracket {index + 1} added ({_span(new)}, {_values(new.values)})")
        elif new is None:
            out.append(f"bracket {index + 1} removed ({_span(old)})")
        else:
            diffs = [f"{name} {_num(a)} -> {_num(b)}" for name, a, b in
                     [("floor", old.floor, new.floor), ("cap", old.cap, new.cap)]
                     + [(k, old.values.get(k), new.values.get(k)) for k in new.values] if a != b]
            if diffs:
                out.append(f"bracket {index + 1}: " + ", ".join(diffs))
    return out


def spec_changes(old, new) -> list[str]:
    """Fields of a market's specification that changed (None: new market)."""
    if old is None:
        return []
    pairs = [("type", old.type, new.type), ("base", old.base, new.base), ("quote", old.quote, new.quote),
             ("settle", old.settle, new.settle)]
    pairs += [(name, old.fields.get(name), new.fields.get(name)) for name in sorted(set(old.fields) | set(new.fields))]
    return [f"{name} {_num(a)} -> {_num(b)}" for name, a, b in pairs if a != b]


def _span(row) -> str:
    return f"{_num(row.floor)}-{'∞' if row.cap is None else _num(row.cap)}"


def _values(values: dict) -> str:
    return ", ".join(f"{k} {_num(v)}" for k, v in values.items())


def _num(value) -> str:
    if value is None:
        return "none"
    return value if isinstance(value, str) else decimal_text(value)


def _percent(value) -> str | None:
    return None if value is None else approx_text(value, 4)


def market_data(change, moves: dict, date) -> dict:
    """One imported market's entry in the report."""
    data = {"symbol": change.symbol, "change": change.kind, "parts": dict(change.parts)}
    before, after = change.before, change.after
    if "market" in change.parts and change.parts["market"] in ("added", "changed", "replaced"):
        data["market"] = spec_changes(before.spec_at(date) if before else None, after.spec_at(date))
    if "tiers" in change.parts and change.parts["tiers"] in ("added", "changed", "replaced"):
        old = before.tiers_at(date) if before else None
        new = after.tiers_at(date).table.rows
        data["tiers"] = bracket_changes(old.table.rows, new) if old else \
            [f"{len(new)} brackets added, the first {_span(new[0])} ({_values(new[0].values)})"]
    move = moves.get(change.symbol)
    if move is not None:
        data["reference"] = {"notional": decimal_text(move.notional), "leverage": decimal_text(move.leverage),
                             "before": _percent(move.before), "after": _percent(move.after),
                             "changePercent": _percent(move.change),
                             "beforeReason": move.before_reason, "afterReason": move.after_reason}
    return data


def import_data(imported) -> dict:
    """The whole report of an :class:`~verifier.jobs.importing.Imported`: rule, catalog, inputs, provenance,
    reference, counts, markets, files."""
    provenance, merge = imported.provenance, imported.merge
    notional, leverage = imported.reference_given
    summary = {"rule": imported.rule, "catalog": imported.catalog, "inputs": imported.inputs,
               "source": provenance.source, "effective": provenance.effective.isoformat(),
               "retrieved": provenance.retrieved.isoformat(), "skipped": imported.skipped,
               "dryRun": imported.dry_run,
               "ignored": [f"{symbol} {name} {value} ({why})" for symbol, name, value, why in imported.ignored],
               "reference": {"notional": notional, "leverage": leverage, "notComputed": imported.not_computed}}
    files = {"written": list(imported.written), "removed": list(imported.removed), "unchanged": imported.unchanged}
    return {**summary,
            "counts": {kind: merge.count(kind) for kind in ("added", "changed", "confirmed", "unchanged")}
            | {"absent": len(merge.absent), "skipped": imported.skipped},
            "markets": [market_data(c, imported.moves, provenance.effective) for c in merge.changes
                        if c.kind in ("added", "changed")],
            "confirmed": [c.symbol for c in merge.changes if c.kind == "confirmed"],
            "absent": list(merge.absent), "files": files}


def import_text(data: dict) -> str:
    """The report for people."""
    counts = data["counts"]
    lines = [f"import into {data['rule']} (catalog {data['catalog']}): "
             + ", ".join(f"{what} from {name}" for what, name in data["inputs"].items())
             + f"; source {data['source']}, effective {data['effective']}, retrieved {data['retrieved']}",
             f"  {counts['added']} added, {counts['changed']} changed, {counts['confirmed']} confirmed (seen again), "
             f"{counts['unchanged']} unchanged, {counts['absent']} absent from the input (kept with their history), "
             f"{counts['skipped']} left out by the catalog's select"]
    reference = data["reference"]
    changed = [m for m in data["markets"] if m["change"] == "changed"]
    added = [m for m in data["markets"] if m["change"] == "added"]
    if changed:
        how = (f"reference not computed: {reference['notComputed']}" if reference.get("notComputed") else
               "reference: an isolated long entered at 100, of the smallest notional whose bracket changed unless "
               f"one is given ({reference['notional'] or 'none given'}); liquidation price in % of entry")
        lines.append(f"changed ({how}):")
        for market in changed:
            lines += _market_lines(market)
    if added:
        names = ", ".join(m["symbol"] for m in added[:LISTED]) + (f", and {len(added) - LISTED} more"
                                                                   if len(added) > LISTED else "")
        lines.append(f"added: {names}")
    if data.get("ignored"):
        ignored = data["ignored"]
        lines.append("values left out (out of their field's range): " + "; ".join(ignored[:LISTED])
                     + (f"; and {len(ignored) - LISTED} more" if len(ignored) > LISTED else ""))
    if data["absent"]:
        absent = data["absent"]
        lines.append("absent from the input: " + ", ".join(absent[:LISTED])
                     + (f", and {len(absent) - LISTED} more" if len(absent) > LISTED else ""))
    files = data["files"]
    verb = "would write" if data.get("dryRun") else "wrote"
    lines.append(f"files: {verb} {len(files['written'])}, unchanged {files['unchanged']}"
                 + (f", {'would remove' if data.get('dryRun') else 'removed'} {len(files['removed'])}"
                    if files["removed"] else "")
                 + (": " + ", ".join(files["written"] + files["removed"]) if files["written"] or files["removed"]
                    else ""))
    return "\n".join(lines) + "\n"


def _market_lines(market: dict) -> list:
    replaced = [part for part, what in market["parts"].items() if what == "replaced"]
    lines = [f"  {market['symbol']}:" + (f" (corrected: the {' and '.join(replaced)} version of this date replaced)"
                                          if replaced else "")]
    lines += [f"    market: {item}" for item in market.get("market", [])]
    lines += [f"    tiers: {item}" for item in market.get("tiers", [])]
    ref = market.get("reference")
    if ref is not None:
        before = ref["before"] or f"none ({ref['beforeReason']})"
        after = ref["after"] or f"none ({ref['afterReason']})"
        change = ref["changePercent"]
        move = "" if change is None else f" ({'' if change.lstrip('~').startswith('-') else '+'}{change} points)"
        lines.append(f"    reference {ref['notional']} at {ref['leverage']}x: liquidation {before} -> {after}{move}")
    return lines


def render(data: dict, fmt: str = "text") -> str:
    return json_text(data) if fmt == "json" else import_text(data)
