"""The ``derive`` job's reports: each mode's closed-form prices with their validity, and the published proofs.

:func:`derivation_data` is the JSON object (``rule``, ``closedForms``, ``published``); :func:`derivation_text`
writes it for people, with SymPy's plain or LaTeX printing of each root.

>>> from verifier.read import load_rule
>>> from verifier.derive import derive_rule, prove_published
>>> rule = load_rule("binance/usdm-perpetual")
>>> data = derivation_data(rule, derive_rule(rule), prove_published(rule), mode="isolated")
>>> print(derivation_text(data).splitlines()[1])
  P = (-EP*q*s + WB + cum)/(q*(MMR - s))
"""

from __future__ import annotations

from fractions import Fraction

from verifier.report.diagnostics import json_text
from verifier.report.numbers import fraction_text

FORMATS = ("text", "latex", "json")
TIER_VALIDITY = "tier basis at the root inside the row's bounds"


def closed_form_row(mode, derived, condition) -> dict:
    """One condition of one mode: its closed form(s), their validity conditions, or why there is none."""
    import sympy  # only for printing; imported here so the CLI's --help stays fast

    form = derived.prices.get(condition)
    spec = mode.conditions[condition]
    used = set().union(*(r.free_symbols for r in form.roots)) if form is not None and form.roots else set()
    tiered = sorted(n for n in mode.tier_symbols if mode.symbols[n].sympy in used)
    row = {"mode": mode.name, "condition": condition, "solveFor": spec.solve_for, "when": spec.text,
           "tierSymbols": tiered}
    if form is None:
        row.update({"closedForm": None, "reason": derived.failures.get(condition)})
        return row
    row.update({"closedForm": [str(r) for r in form.roots], "latex": [sympy.latex(r) for r in form.roots],
                "validity": [str(c) for c in form.conditions] + [f"{form.solve_for} != {e}" for e in form.excluded]
                + [TIER_VALIDITY] * bool(tiered),
                "none": "no real root in the domain: no price" if not form.roots else None})
    return row


def _number(value) -> str:
    return fraction_text(value) if isinstance(value, (int, Fraction)) else str(value)


def proof_row(proof) -> dict:
    return {"quantity": proof.quantity, "index": proof.index, "modes": list(proof.modes), "status": proof.status,
            "method": proof.method, "counterexample": {k: _number(v) for k, v in proof.counterexample.items()}}


def definition_row(proof) -> dict:
    return {"definition": proof.key, "index": proof.index, "name": proof.name, "condition": proof.condition,
            "modes": list(proof.modes), "status": proof.status, "method": proof.method, "side": proof.side,
            "reason": proof.reason, "counterexample": {k: _number(v) for k, v in proof.counterexample.items()}}


def derivation_data(rule, derivation, proofs, mode: str | None = None, definitions=()) -> dict:
    """The JSON object: every closed form of ``mode`` (all modes when None) and the proofs that concern it (with
    ``publishedDefinitions`` when the rule publishes a ratio definition: each level's proof at the derived price)."""
    modes = [mode] if mode else list(rule.modes)
    rows = [closed_form_row(rule.modes[name], derivation.modes[name], condition)
            for name in modes for condition in rule.modes[name].conditions]
    published = [proof_row(p) for p in proofs if mode is None or mode in p.modes]
    data = {"rule": rule.id, "closedForms": rows, "published": published}
    chosen = [definition_row(d) for d in definitions if mode is None or mode in d.modes]
    if chosen:
        data["publishedDefinitions"] = chosen
    return data


def _form_lines(row: dict, latex: bool) -> list[str]:
    lines = [f"{row['mode']} / {row['condition']} ({row['when']}) solved for {row['solveFor']}:"]
    if row["closedForm"] is None:
        return lines + [f"  no closed form: {row['reason']}"]
    if not row["closedForm"]:
        lines.append("  no liquidation price (the boundary has no real root)")
    for text, tex in zip(row["closedForm"], row["latex"]):
        lines.append(f"  {row['solveFor']} = " + (tex if latex else text))
    lines += [f"    valid where {condition}" for condition in row["validity"]]
    if row["tierSymbols"]:
        lines.append(f"    per tier row: {', '.join(row['tierSymbols'])} from the row; keep the root whose tier basis "
                     "falls in that row")
    return lines


def derivation_text(data: dict, latex: bool = False) -> str:
    """For people: each closed form with its validity, then one line per published formula's proof."""
    lines = [line for row in data["closedForms"] for line in _form_lines(row, latex)]
    for p in data["published"]:
        lines.append(f"published {p['quantity']}[{p['index']}] ({', '.join(p['modes'])}): {p['status']} by "
                     f"{p['method']}" + (f"; counterexample {p['counterexample']}" if p["counterexample"] else ""))
    for d in data.get("publishedDefinitions", ()):
        lines.append(f"published {d['definition']}[{d['index']}] {d['name']} at the {d['condition']} level "
                     f"({', '.join(d['modes'])}): {d['status']} by {d['method']}" + (f"; {d['side']}" if d["side"] else "")
                     + (f"; {d['reason']}" if d["reason"] else "")
                     + (f"; counterexample {d['counterexample']}" if d["counterexample"] else ""))
    return "\n".join(lines) + "\n"


def render(data: dict, fmt: str = "text") -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    return json_text(data) if fmt == "json" else derivation_text(data, latex=fmt == "latex")
