"""The rule page's margin-mode sections: each mode's own symbols and definitions, its conditions with the
derived price, and the exchange's published formulas with their proof status.  Also the symbol and definition
tables the rule page shares with them.
"""

from __future__ import annotations

from verifier.docs import compute, problems
from verifier.docs.markup import esc, formula_block, html_table, math_html, number, source_link
from verifier.model.regimes import interval_text


def _domain_text(spec) -> str:
    parts = [f"{op} {number(bound)}" for op, bound in spec.domain]
    if spec.one_of:
        parts.append("one of " + ", ".join(number(v) for v in spec.one_of))
    return esc(" and ".join(parts))


def _origin(spec) -> str:
    if spec.from_tiers:
        return f"tier table column <code>{esc(spec.from_tiers)}</code>"
    if spec.others:
        return f"sum of <code>{esc(spec.others)}</code> over the account's other positions"
    readings = [f"{esc(k if k != '*' else 'snapshot')}: <code>{esc(v)}</code>" for k, v in spec.snapshot.items()]
    return "; ".join(readings) or "input"


def symbols_table(rule, symbols) -> str:
    rows = [[math_html(s.sympy) if s.sympy is not None else esc(s.name), f"<code>{esc(s.unit)}</code>",
             esc(s.meaning), _domain_text(s), _origin(s), source_link(rule, s.source)] for s in symbols.values()]
    return html_table(["symbol", "unit", "meaning", "domain", "value from", "source"], rows)


def _as_written(d) -> str:
    """The formula as written; for a dated definition, every version with the dates it is in force."""
    text = f"<code>{esc(d.text)}</code>"
    if d.versions:
        text += "".join(f"<br><small>{esc(interval_text(v.since, v.until))}: <code>{esc(v.text)}</code></small>"
                        for v in d.versions)
    return text


def definitions_table(rule, definitions) -> str:
    rows = [[f"<code>{esc(d.name)}</code>", _as_written(d), math_html(d.expr),
             f"<code>{esc(d.unit)}</code>", esc(d.meaning or ""), source_link(rule, d.source)]
            for d in definitions.values()]
    return html_table(["name", "as written", "expanded", "unit", "meaning", "source"], rows)


def shared_definitions(rule) -> dict:
    """The definitions every mode has with the same text (shown once, before the modes)."""
    shared = {}
    for mode in rule.modes.values():
        for name, d in mode.definitions.items():
            if all(name in m.definitions and m.definitions[name].text == d.text for m in rule.modes.values()):
                shared[name] = d
    return shared


def modes_section(rule) -> list:
    """The shared definitions, then one section per mode."""
    shared = shared_definitions(rule)
    derived, proofs = compute.derived_prices(rule), compute.proof_results(rule)
    lines = ["## Definitions", "", "Shared by every mode. *Expanded* substitutes every definition it uses.", "",
             definitions_table(rule, shared), "", "## Margin modes", ""]
    for mode in rule.modes.values():
        lines += _mode_section(rule, mode, shared, derived.get(mode.name, {}), proofs)
    return lines


def _mode_section(rule, mode, shared, derived, proofs) -> list:
    lines = [f"### {mode.name} mode", "", f"*{mode.account} account.* {mode.meaning}", ""]
    own_symbols = {k: v for k, v in mode.symbols.items() if k not in rule.symbols}
    if own_symbols:
        lines += ["Symbols of this mode:", "", symbols_table(rule, own_symbols), ""]
    own_definitions = {k: v for k, v in mode.definitions.items() if k not in shared}
    if own_definitions:
        lines += ["Definitions of this mode:", "", definitions_table(rule, own_definitions), ""]
    for condition in mode.conditions.values():
        lines += _condition(rule, mode, condition, derived.get(condition.name, (None, (), "not derived")))
    for entries in rule.published.values():
        lines += [line for entry in entries if mode.name in entry.modes for line in _published(mode, entry, proofs)]
    for entries in rule.published_definitions.values():
        lines += [line for entry in entries if mode.name in entry.modes for line in _definition(mode, entry, proofs)]
    return lines


def _definition(mode, entry, proofs) -> list:
    """The exchange's own definition of the ratio its levels compare, its terms, and per level its proof status at
    the derived price."""
    lines = [f"#### {mode.name}: published definition of {esc(entry.name)}", "",
             f"The exchange's own definition (source [{entry.source}](#source-{entry.source})), as written: "
             f"`{entry.formula.text}`", ""]
    if entry.terms:
        lines += ["| term | formula |", "| --- | --- |"]
        lines += [f"| `{name}` | `{term.text}` |" for name, term in entry.terms.items()]
        lines += [""]
    lines += ["Expanded:", "", formula_block(entry.formula.expr), ""]
    for level in entry.levels:
        result = proofs.get((entry.key, entry.index, level.condition))
        if result is None:
            status = "not proved"
        else:
            status = result.status + (f" ({result.method}; {result.side})" if result.side else f" ({result.method})")
            point = ", ".join(f"{k} = {number(v)}" for k, v in result.counterexample.items())
            status += (f": {result.reason}" if result.reason else "") + (f"; counterexample: {point}" if point else "")
        lines += [f"- **{level.condition}** when `{entry.formula.text} {level.operator} {level.level.text}`: at the "
                  f"derived {level.condition} price the ratio is the level, **proof status:** {esc(status)}.", ""]
    if entry.note:
        lines += [f"*{entry.note.strip()}*", ""]
    return lines


def _condition(rule, mode, condition, derived) -> list:
    """A condition as written and expanded, and its price solved from the boundary (or why there is none)."""
    lines = [f"#### {mode.name}: {condition.name}", "",
             f"Condition as written: `{condition.text}` (boundary `{condition.operator}`; source "
             f"[{condition.source}](#source-{condition.source})). Expanded:", "", formula_block(condition.relation), ""]
    if condition.note:
        lines += [f"*{condition.note}*", ""]
    expr, valid, failure = derived
    if expr is None:
        reason = problems.report(rule.file, f"derivation of the {mode.name} {condition.name} price", failure)
        return lines + [f"**Derived {condition.name} price**: none: {esc(reason)}.", ""]
    lines += [f"**Derived {condition.name} price** ({condition.solve_for} solved from the condition's boundary; the "
              "tier symbols take the bracket at that price):", "", formula_block(expr), ""]
    if valid:
        lines += ["Valid where " + ", ".join(math_html(v) for v in valid) + ".", ""]
    return lines


def _proof_status(entry, proofs) -> str:
    result = proofs.get((entry.quantity, entry.index))
    if result is None:
        return "not proved"
    status = str(result.status) + (f" ({result.method})" if result.method else "")
    point = ", ".join(f"{k} = {number(v)}" for k, v in result.counterexample.items())
    return status + (f"; counterexample: {point}" if point else "")


def _published(mode, entry, proofs) -> list:
    """The exchange's own closed form, with its proof status."""
    position_mode = f", position mode {entry.position_mode}" if entry.position_mode else ""
    which = " (hedge mode)" if entry.position_mode == "hedge" else ""
    when = f" ({interval_text(entry.since, entry.until)})" if entry.since or entry.until else ""
    lines = [f"#### {mode.name}: published {entry.quantity.replace('_', ' ')}{which}{when}", "",
             f"The exchange's own closed form (source [{entry.source}](#source-{entry.source}){position_mode}):", "",
             formula_block(entry.formula.expr), "", f"As written: `{entry.formula.text}`", "",
             f"**Proof status:** {_proof_status(entry, proofs)}.", ""]
    if entry.where:
        lines += ["Holds where " + ", ".join(f"`{k} = {number(v)}`" for k, v in entry.where.items()) + ".", ""]
    if entry.note:
        lines += [f"*{entry.note}*", ""]
    return lines
