"""The list of verify properties, generated from the property registry (:func:`verifier.verify.properties.properties`).

For each property: its name (what ``verify --property NAME`` and ``verify: {skip: {NAME: why}}`` take), its kind,
the economic truth it guards (its docstring's first sentence), where in a rule file a failure points, and which
modes of the shipped rules it applies to (or why not, or the rule's reason to skip it).
"""

from __future__ import annotations

from verifier.docs.layout import PROPERTIES, Page, rule_page_path
from verifier.docs.markup import md_cell, md_table, rel
from verifier.verify.properties import properties

KINDS = {"case": "one generated position of one mode", "world": "a generated story run by the reference simulator"}

INTRO = ["# Verify properties", "",
         "Generated from the property registry when this site is built. `margin-verifier verify` runs every "
         "property that applies to a rule (with Hypothesis, profile `ci` by default); `--property NAME` runs only "
         "the ones named; a rule that does not meet a property by design says so in its file with the reason: "
         "`verify: {skip: {NAME: why}}`. A failure names the rule file and line it concerns (the *points at* "
         "column) and prints the shrunk counterexample as an `examples:` entry to paste into the rule. A rule's world "
         "properties run together on shared stories: each round of the profile's examples is judged by every world "
         "property still running, and rounds repeat (at most six) until each has met that many stories it applies "
         "to; a row's count is the stories its property was tried on.", ""]


def applicability(prop, rule) -> str:
    """Where ``prop`` applies in ``rule``: its modes, 'skipped: why', or 'no: why'."""
    if prop.name in rule.verify_skip:
        return f"skipped: {rule.verify_skip[prop.name]}"
    if prop.kind == "case":
        modes = [name for name, view in rule.modes.items() if prop.applies(rule, view) is None]
        if modes:
            return ", ".join(modes)
        reasons = {prop.applies(rule, view) for view in rule.modes.values()}
        return "no: " + "; ".join(sorted(str(r) for r in reasons))
    reason = prop.applies(rule, None)
    return "yes" if reason is None else f"no: {reason}"


def properties_page(rules) -> Page:
    found = properties()
    lines = list(INTRO) + md_table(
        ["property", "kind", "guards", "points at"],
        [[f"[`{p.name}`](#{p.name})", p.kind, md_cell(p.doc), f"`{'.'.join(p.path)}`"]
         for p in found]) + [""]
    for prop in found:
        lines += [f"## {prop.name}", "", md_cell(prop.doc), "",
                  f"Kind: **{prop.kind}** (checked on {KINDS.get(prop.kind, prop.kind)}). A failure points at "
                  f"`{'.'.join(prop.path)}` in the rule file.", ""]
        if rules:
            lines += md_table(["rule", "applies to"],
                              [[f"[{md_cell(rule.id)}]({rel(PROPERTIES, rule_page_path(rule))})",
                                md_cell(applicability(prop, rule))] for rule in rules]) + [""]
    return Page(PROPERTIES, "\n".join(lines))
