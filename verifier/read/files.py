"""Check one file of any kind (rule, market catalog, scenario, account snapshot, recorded export) without raising:
what ``check`` runs on every file it is given.

>>> result = check_file("rules/okx/linear-swap.yaml")
>>> result.kind, result.ok, result.rule.id
('rule', True, 'okx/linear-swap')
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from verifier.errors import Diagnostic, SpecError
from verifier.read._yaml import Document, DocumentError, read_file
from verifier.read.catalog import check_catalog_file
from verifier.read.kinds import file_kind, kind_of
from verifier.read.loader import not_ours, rule_from_document, sorted_diagnostics
from verifier.read.paths import is_catalog_file, is_conformance_file
from verifier.read.previous_format import tier_file_problem
from verifier.read.scenario import check_scenario


@dataclass
class CheckResult:
    """What checking one file found: its kind, the rule (if a valid rule) and the diagnostics."""

    file: str
    kind: str
    diagnostics: list = field(default_factory=list)
    rule: object = None

    @property
    def ok(self) -> bool:
        """No errors (warnings, e.g. an undecided proof, do not make a file fail)."""
        return not any(d.severity == "error" for d in self.diagnostics)


def check_file(path: str | os.PathLike) -> CheckResult:
    """Check one file of any kind; never raises for bad input."""
    name = str(path)
    if is_catalog_file(path) and Path(path).suffix == ".json":
        # a catalog shard: checked against its header, once per content (a full read here would cost seconds)
        return CheckResult(name, "markets", sorted_diagnostics(check_catalog_file(path)))
    try:
        doc = read_file(path)
    except DocumentError as exc:
        return CheckResult(name, "unknown", exc.diagnostics)
    if is_conformance_file(path):  # a recorded export: the rule whose case names it reads and judges it
        return CheckResult(name, "conformance", [])
    kind = file_kind(doc.data)
    if isinstance(doc.data, dict) and kind_of(doc.data) == "account":
        return CheckResult(name, "account", _account_problems(doc))
    if kind_of(doc.data) == "tiers":  # the previous format: one error naming the way to migrate it
        return CheckResult(name, "tiers", [tier_file_problem(doc)])
    foreign = not_ours(doc)
    if foreign is not None:
        return CheckResult(name, "other", [foreign])
    if kind in ("catalog", "markets"):
        return CheckResult(name, kind, sorted_diagnostics(check_catalog_file(path)))
    if kind == "scenario":
        return CheckResult(name, kind, sorted_diagnostics(check_scenario(doc)[1]))
    rule, problems = rule_from_document(doc)
    return CheckResult(name, kind, problems, rule)


def _account_problems(doc: Document) -> list[Diagnostic]:
    from verifier.read.account import account_from_document  # account imports jsonschema's validator lazily

    try:
        account_from_document(doc)
    except SpecError as exc:
        return sorted_diagnostics(exc.diagnostics)
    return []
