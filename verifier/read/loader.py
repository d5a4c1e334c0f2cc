"""Load rule files (by path or id) and check files and folders, collecting every problem.

>>> rule = load_rule("binance/usdm-perpetual")
>>> rule.id, sorted(rule.modes)
('binance/usdm-perpetual', ['cross', 'isolated'])
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

from verifier.errors import Diagnostic, SpecError
from verifier.read.rule import build_rule
from verifier.read._schema import schema_diagnostics
from verifier.read.catalog import check_catalog_file
from verifier.read._yaml import Document, DocumentError, read_file
from verifier.read.kinds import kind_of
from verifier.read.paths import (RULE_SUFFIXES, expand_paths, is_catalog_file, is_conformance_file, is_file,
                                 rule_files, rules_root)
from verifier.read.roots import group_repeats, misspelt_declarations


def resolve_rule_path(rule: str | os.PathLike) -> Path:
    """A path as given, or a rule id such as ``binance/usdm-perpetual`` found under :func:`rules_root`."""
    path = Path(rule)
    if is_file(path):
        return path
    text = str(rule)
    if "/" in text and not text.endswith(RULE_SUFFIXES):
        for suffix in RULE_SUFFIXES:
            candidate = rules_root() / (text + suffix)
            if is_file(candidate):
                return candidate
    ids = sorted(str(p.relative_to(rules_root()).with_suffix("")) for p in rule_files(rules_root())
                 if not is_catalog_file(p) and not is_conformance_file(p))
    close = difflib.get_close_matches(text, ids, n=1, cutoff=0.8)
    hint = f"did you mean {close[0]!r}?" if close else f"known rule ids: {', '.join(ids)}" if ids else None
    raise SpecError(f"no rule file or rule id {text!r}", [Diagnostic(
        "MV100", f"no rule file or rule id {text!r}", file=text, hint=hint)], code="MV100")


def load_rule(rule: str | os.PathLike) -> "Rule":  # noqa: F821 - Rule is in verifier.model
    """Load and check a rule file; raise :class:`SpecError` carrying every diagnostic."""
    path = resolve_rule_path(rule)
    result = check_file(path)
    if result.diagnostics:
        raise SpecError(f"{path}: {len(result.diagnostics)} problem(s)", result.diagnostics)
    if result.rule is None:
        raise SpecError(f"{path} is a {result.kind} file, not a rule", [Diagnostic(
            "MV100", f"not a rule file (a {result.kind} file)", file=str(path), line=1, col=1,
            hint="give a rule file or id such as binance/usdm-perpetual")])
    return result.rule


@dataclass
class CheckResult:
    """What checking one file found: its kind, the rule (if a valid rule) and the diagnostics."""

    file: str
    kind: str
    diagnostics: list = field(default_factory=list)
    rule: object = None
    examples_checked: int = 0
    examples_pending: int = 0
    published_proved: int = 0
    published_total: int = 0

    @property
    def ok(self) -> bool:
        """No errors (warnings, e.g. an undecided proof, do not make a file fail)."""
        return not any(d.severity == "error" for d in self.diagnostics)


OUR_KEYS = frozenset({"format", "rule", "scenario", "catalog", "markets", "symbols", "modes", "conditions",
                      "definitions", "marginMode", "positions", "balances"})
"""Top-level keys of our file kinds: a file with none of them is not one of ours (one diagnostic, not a dozen)."""


def _account_problems(doc: Document) -> list[Diagnostic]:
    from verifier.read.account import account_from_document  # account imports jsonschema's validator lazily

    try:
        account_from_document(doc)
    except SpecError as exc:
        return _sorted(exc.diagnostics)
    return []


def file_kind(doc: Document) -> str:
    """'rule', 'catalog' (a market catalog's header), 'markets' (a catalog shard) or 'scenario', from the
    document's top-level keys."""
    data = doc.data if isinstance(doc.data, dict) else {}
    if "catalog" in data and "rule" not in data:
        return "markets" if "markets" in data else "catalog"
    if "scenario" in data:
        return "scenario"
    return "rule"


def check_file(path: str | os.PathLike) -> CheckResult:
    """Check one file of any kind; never raises for bad input."""
    name = str(path)
    if is_catalog_file(path) and Path(path).suffix == ".json":
        # a catalog shard: checked against its header, once per content (a full read here would cost seconds)
        return CheckResult(name, "markets", _sorted(check_catalog_file(path)))
    try:
        doc = read_file(path)
    except DocumentError as exc:
        return CheckResult(name, "unknown", exc.diagnostics)
    if is_conformance_file(path):  # a recorded export: the rule whose case names it reads and judges it
        return CheckResult(name, "conformance", [])
    kind = file_kind(doc)
    if isinstance(doc.data, dict) and kind_of(doc.data) == "account":
        return CheckResult(name, "account", _account_problems(doc))
    if isinstance(doc.data, dict) and not set(doc.data) & OUR_KEYS:
        return CheckResult(name, "other", [doc.diagnostic(
            "MV202", "this is not a margin-verifier file: it has none of the keys of a rule, a market catalog, a "
                     "scenario or an account snapshot", (),
            hint="a rule file starts with 'format: 1' and 'rule: <exchange>/<product>'")])
    if kind in ("catalog", "markets"):
        return CheckResult(name, kind, _sorted(check_catalog_file(path)))
    if kind == "scenario":
        from verifier.read.scenario import check_scenario  # scenario imports this module (to load its rule)

        return CheckResult(name, kind, _sorted(check_scenario(doc)[1]))
    if not isinstance(doc.data, dict):
        return CheckResult(name, kind, [doc.diagnostic("MV203", "a rule file must be a mapping of keys to values", ())])
    problems = schema_diagnostics(doc, "rule")
    if problems:
        return CheckResult(name, kind, _sorted(problems))
    rule, problems = build_rule(doc)
    if problems:  # one root per mistake: a misspelt declaration once, a repeated message once
        problems = group_repeats(_sorted(misspelt_declarations(doc, problems, _read_again)))
    return CheckResult(name, kind, problems, rule)


def _read_again(doc: Document) -> list[Diagnostic] | None:
    """A renamed copy's problems (:mod:`verifier.read.roots`); None if the rename breaks the schema."""
    return None if schema_diagnostics(doc, "rule") else build_rule(doc)[1]


def _sorted(problems: list[Diagnostic]) -> list[Diagnostic]:
    # Earlier stages first (file, schema, formula, semantics), then by position in the file.
    def key(d):
        digits = "".join(ch for ch in d.code if ch.isdigit())
        return (d.file, int(digits[:1] or 9), d.line, d.col)

    unique, seen = [], set()
    for d in sorted(problems, key=key):
        if (d.file, d.line, d.col, d.code, d.message) not in seen:
            seen.add((d.file, d.line, d.col, d.code, d.message))
            unique.append(d)
    return unique
