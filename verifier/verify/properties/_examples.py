"""A counterexample as a ready-to-paste ``examples:`` entry of the rule file (so ``check`` reproduces it)."""

from __future__ import annotations

from fractions import Fraction

from verifier.model.numbers import decimal_text, exact_text, is_exact


def example_entry(rule, case, property_name: str, expect: dict, tolerance=Fraction(0), note: str = "",
                  given: dict | None = None) -> dict:
    source = next(iter(rule.sources), "source")
    entry = {"name": f"verify counterexample: {property_name}", "source": source, "mode": case.mode}
    if case.market:
        entry["market"] = case.market
    if case.date:
        entry["date"] = case.date.isoformat()
    entry["given"] = dict(case.values if given is None else given)
    entry["expect"] = dict(expect)
    if any(not isinstance(v, bool) and not is_exact(v) for v in expect.values()):
        tolerance = max(Fraction(tolerance), Fraction(1, 10**25))  # the printed value is rounded at 30 places
    entry["tolerance"] = tolerance
    if note:
        entry["note"] = note
    return entry


def condition_entry(rule, case, property_name: str, price, holds: bool, note: str, condition: str = "liquidation",
                    values: dict | None = None) -> dict:
    """An entry stating the truth a property guards at its counterexample: at ``price`` the ``condition`` holds
    (or not).  The rule under test disagrees, so ``check`` reproduces the failure; a corrected rule agrees, so the
    entry can stay in the file as a regression example (no placeholder value to fill in)."""
    given = dict(case.values if values is None else values)
    given[rule.price] = Fraction(price)
    return example_entry(rule, case, property_name, {condition: holds}, note=note, given=given)


def _number(value) -> str:
    """Exact when the decimal terminates; else 30 decimals, well inside any tolerance the entry prints."""
    if isinstance(value, bool):
        return "true" if value else "false"
    value = Fraction(value)
    return exact_text(value) if is_exact(value) else decimal_text(value, 30)


def to_yaml(entry: dict, indent: int = 2) -> str:
    """The entry as YAML lines to paste under ``examples:`` (flow mappings for given/expect, exact decimals)."""
    pad = " " * indent
    lines = []
    first = True
    for key, value in entry.items():
        if isinstance(value, dict):
            text = "{" + ", ".join(f"{k}: {_number(v)}" for k, v in value.items()) + "}"
        elif isinstance(value, Fraction):
            text = _number(value)
        else:
            text = _quote(str(value))
        lines.append(f"{pad}{'- ' if first else '  '}{key}: {text}")
        first = False
    return "\n".join(lines)


def _quote(text: str) -> str:
    if any(ch in text for ch in ":#{}[],&*!|>'\"%@`") or text != text.strip():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text
