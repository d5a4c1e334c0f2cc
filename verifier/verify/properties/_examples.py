"""A counterexample as a ready-to-paste ``examples:`` entry of the rule file (so ``check`` reproduces it)."""

from __future__ import annotations

from fractions import Fraction


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
    if any(not _terminates(v) for v in expect.values()):
        tolerance = max(Fraction(tolerance), Fraction(1, 10**25))  # the printed value is rounded at 30 places
    entry["tolerance"] = tolerance
    if note:
        entry["note"] = note
    return entry


def _terminates(value) -> bool:
    d = Fraction(value).denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _number(value) -> str:
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    d, twos, fives = value.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d == 1:
        digits = max(twos, fives)
        text = str(abs(value.numerator) * 10**digits // value.denominator).rjust(digits + 1, "0")
        return ("-" if value < 0 else "") + text[:-digits] + "." + text[-digits:]
    # a non-terminating exact value: 30 significant decimals keep it well inside any tolerance we print
    scaled = round(value * 10**30)
    text = str(abs(scaled)).rjust(31, "0")
    return ("-" if value < 0 else "") + (text[:-30] + "." + text[-30:]).rstrip("0").rstrip(".")


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
