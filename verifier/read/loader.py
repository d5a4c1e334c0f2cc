"""Load a rule file (by path or id) into a checked :class:`~verifier.model.Rule`, collecting every problem.

>>> rule = load_rule("binance/usdm-perpetual")
>>> rule.id, sorted(rule.modes)
('binance/usdm-perpetual', ['cross', 'isolated'])
"""

from __future__ import annotations

import os

from verifier.errors import Diagnostic, SpecError
from verifier.read._schema import schema_diagnostics
from verifier.read._yaml import Document, DocumentError, read_file
from verifier.read.kinds import LABELS, OUR_KEYS, file_kind, kind_of
from verifier.read.previous_format import previous_format_problems, tier_file_problem
from verifier.read.rule_sources import resolve_rule_path, shadow_problems, shadowed
from verifier.read.roots import group_repeats, misspelt_declarations
from verifier.read.rule import build_rule


def load_rule(rule: str | os.PathLike) -> "Rule":  # noqa: F821 - Rule is in verifier.model
    """Load and check a rule file; raise :class:`SpecError` carrying every diagnostic."""
    path = resolve_rule_path(rule)
    try:
        doc = read_file(path)
    except DocumentError as exc:
        raise SpecError(f"{path}: {len(exc.diagnostics)} problem(s)", exc.diagnostics) from None
    foreign = not_ours(doc)
    if foreign is not None:
        raise SpecError(f"{path}: not a margin-verifier file", [foreign])
    kind = kind_of(doc.data) or file_kind(doc.data)
    if kind == "tiers":
        raise SpecError(f"{path} is {LABELS[kind]}, not a rule", [tier_file_problem(doc)], code="MV211")
    if kind != "rule":
        raise SpecError(f"{path} is {LABELS.get(kind, 'a ' + kind + ' file')}, not a rule", [Diagnostic(
            "MV100", f"not a rule file ({LABELS.get(kind, 'a ' + kind + ' file')})", file=str(path), line=1, col=1,
            hint="give a rule file or id such as binance/usdm-perpetual")])
    built, problems = rule_from_document(doc)
    if problems:
        raise SpecError(f"{path}: {len(problems)} problem(s)", problems)
    return built


def not_ours(doc: Document) -> Diagnostic | None:
    """The one diagnostic for a mapping with none of our files' keys (not a dozen of the rule schema's)."""
    if isinstance(doc.data, dict) and not set(doc.data) & OUR_KEYS:
        return doc.diagnostic("MV202", "this is not a margin-verifier file: it has none of the keys of a rule, a "
                                       "market catalog, a scenario or an account snapshot", (),
                              hint="a rule file starts with 'format: 1' and 'rule: <exchange>/<product>'")
    return None


def rule_from_document(doc: Document) -> tuple:
    """(the Rule or None, its problems sorted: earlier stages first, one root per mistake) of a rule document."""
    if not isinstance(doc.data, dict):
        return None, [doc.diagnostic("MV203", "a rule file must be a mapping of keys to values", ())]
    # the previous format's tiers.tables: one error with its fix (migrate), not the schema's unknown key
    previous = previous_format_problems(doc)
    problems = [d for d in schema_diagnostics(doc, "rule")
                if not (previous and d.json_path.startswith("$.tiers.tables"))] + previous
    replaced = shadowed(doc.file)  # a user's rule in place of a shipped one: same exchange and product (MV004)
    problems += shadow_problems(doc.file, replaced) if replaced is not None else []
    if problems and previous and all(d in previous for d in problems):
        # only the old format stands in the way: the rest of the rule is read too, so that every other mistake is
        # said now (not after migrating), but nothing that only follows from its tier tables not being in a catalog
        _, rest = build_rule(_without_tables(doc))
        problems += [d for d in rest if d.code not in TABLES_CONSEQUENCES]
        return None, group_repeats(sorted_diagnostics(problems))
    if problems:
        return None, sorted_diagnostics(problems)
    rule, problems = build_rule(doc)
    if problems:  # one root per mistake: a misspelt declaration once, a repeated message once
        problems = group_repeats(sorted_diagnostics(misspelt_declarations(doc, problems, _read_again)))
    return rule, problems


TABLES_CONSEQUENCES = frozenset({"MV410", "MV416", "MV417", "MV455", "MV811", "MV812"})
"""What a rule of the previous format also gets only because its tier tables are not in a market catalog (no
'markets', tier columns nowhere declared, a rule-wide tick): said once, as MV210 (and MV812) with their fix."""


def _without_tables(doc: Document) -> Document:
    """The same document (its text and positions) without ``tiers.tables``."""
    data = {**doc.data, "tiers": {k: v for k, v in doc.data["tiers"].items() if k != "tables"}}
    return Document(doc.file, data, doc.positions, doc.key_positions, doc.text)


def _read_again(doc: Document) -> list[Diagnostic] | None:
    """A renamed copy's problems (:mod:`verifier.read.roots`); None if the rename breaks the schema."""
    return None if schema_diagnostics(doc, "rule") else build_rule(doc)[1]


def sorted_diagnostics(problems: list[Diagnostic]) -> list[Diagnostic]:
    """Earlier stages first (file, schema, formula, semantics), then by position in the file; duplicates once."""
    def key(d):
        digits = "".join(ch for ch in d.code if ch.isdigit())
        return (d.file, int(digits[:1] or 9), d.line, d.col)

    unique, seen = [], set()
    for d in sorted(problems, key=key):
        if (d.file, d.line, d.col, d.code, d.message) not in seen:
            seen.add((d.file, d.line, d.col, d.code, d.message))
            unique.append(d)
    return unique
