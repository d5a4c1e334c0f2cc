"""pytest plugin: ``pytest rules/`` collects each rule file as test items.

Items per rule file: ``check`` (schema, formulas, units, tiers), one per worked example, one per conformance
case (a recorded exchange response), ``published_proofs``, and one per applicable property and mode.  Only *rule
files* are collected: a ``.yaml``/``.yml``/``.json`` file with the top-level keys ``format:`` and ``rule:``, or our
schema modeline (``# yaml-language-server: $schema=.../rule.schema.json``), that lies in one of your rule folders,
under a folder named ``rules``, or is passed explicitly on the command line.  So another project's
``rules/alerts.yaml`` (Prometheus, say) is left alone, and this project's own suite (``pytest tests verifier``) is
undisturbed.

Your rule folders are found as the command line finds them (:mod:`verifier.read.rule_sources`): ``--mv-rules DIR``
(repeatable), else the ``mv_rules`` ini option (paths relative to the ini file), else ``$MARGIN_VERIFIER_RULES``;
rule ids resolve there before the shipped rules.  A project that depends on margin-verifier runs its own rules with
``pytest --mv-rules my-rules`` (or ``mv_rules = ["my-rules"]`` under ``[tool.pytest.ini_options]``, then ``pytest``).
The Hypothesis profile comes from ``--mv-profile`` (default: $HYPOTHESIS_PROFILE, else ci).
JUnit XML comes from pytest's own ``--junitxml``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from verifier.errors import Disagreement
from verifier.read.paths import RULE_SUFFIXES, is_catalog_file
from verifier.read.rule_sources import folder_problems, in_user_folder, looks_like_rule_file, use_folders

__all__ = ["looks_like_rule_file"]


def pytest_addoption(parser):
    group = parser.getgroup("margin-verifier")
    group.addoption("--mv-profile", default=None, choices=["dev", "ci", "thorough"],
                    help="Hypothesis profile for rule properties (default: $HYPOTHESIS_PROFILE or ci)")
    group.addoption("--mv-rules", action="append", default=None, metavar="DIR",
                    help="a folder of your own rules: its rule files are collected, and rule ids resolve there "
                         "before the shipped rules (repeatable; default: the mv_rules ini option, else "
                         "$MARGIN_VERIFIER_RULES)")
    parser.addini("mv_rules", type="paths", default=[],
                  help="margin-verifier: folders of your own rules (as --mv-rules), relative to this file")


def pytest_configure(config):
    folders = config.getoption("--mv-rules") or [str(p) for p in config.getini("mv_rules")]
    if not folders:
        return
    problems = folder_problems(folders, "--mv-rules")
    if problems:
        raise pytest.UsageError("\n".join(d.render() for d in problems))
    use_folders(folders)


def _is_rule_file(file_path: Path, config) -> bool:
    if file_path.suffix not in RULE_SUFFIXES or is_catalog_file(file_path):
        return False  # a market catalog's header and shards are data a rule reads, not rules
    explicit = {Path(a.split("::")[0]).resolve() for a in config.args}
    if file_path.resolve() not in explicit and not in_user_folder(file_path) \
            and ("rules" not in file_path.parts[:-1] or "tests" in file_path.parts):
        return False
    return looks_like_rule_file(file_path)


def pytest_collect_file(parent, file_path):
    if _is_rule_file(Path(file_path), parent.config):
        return RuleFile.from_parent(parent, path=Path(file_path))
    return None


class RuleFailure(Disagreement):
    """A rule item failed: the message is what a rule author needs (file:line, values, counterexample)."""


class RuleFile(pytest.File):
    def world_rows(self, profile: str) -> dict:
        """Property name -> row of every world property the rule runs (not skipped, applicable), run together on
        shared stories (:mod:`verifier.verify.story_runs`) the first time one of their items runs."""
        from verifier.verify.story_runs import run_world_properties, world_properties

        rows = getattr(self, "_world_rows", {})
        if profile not in rows:
            rule = self._result.rule
            rows[profile] = {row.prop: row for row in run_world_properties(world_properties(rule), rule, profile)}
            self._world_rows = rows
        return rows[profile]

    def collect(self):
        from verifier.read import check_file
        from verifier.verify.properties import properties

        result = self._result = check_file(self.path)
        if result.kind != "rule":
            return
        yield RuleItem.from_parent(self, name="check", kind="check", result=result)
        rule = result.rule
        if rule is None:
            return
        for example in rule.examples:
            yield RuleItem.from_parent(self, name=f"example[{example.name}]", kind="example", result=result,
                                       target=example)
        for case in rule.conformance.cases if rule.conformance is not None else ():
            yield RuleItem.from_parent(self, name=f"conformance[{case.name}]", kind="conformance", result=result,
                                       target=case)
        if rule.published:
            yield RuleItem.from_parent(self, name="published_proofs", kind="proofs", result=result)
        skips = rule.verify_skip
        for prop in properties():
            for mode in (list(rule.modes) if prop.kind == "case" else [None]):
                if prop.applies(rule, rule.mode(mode) if mode else None):
                    continue
                name = f"{prop.name}[{mode}]" if mode else prop.name
                item = RuleItem.from_parent(self, name=name, kind="property", result=result, target=(prop, mode))
                if prop.name in skips:
                    item.add_marker(pytest.mark.skip(reason=skips[prop.name]))
                yield item


class RuleItem(pytest.Item):
    def __init__(self, *, kind, result, target=None, **kwargs):
        super().__init__(**kwargs)
        self.kind, self.result, self.target = kind, result, target

    def runtest(self):
        if self.kind == "check":
            if self.result.diagnostics:
                raise RuleFailure("\n".join(d.render() for d in self.result.diagnostics))
        elif self.kind == "example":
            self._example()
        elif self.kind == "conformance":
            self._conformance()
        elif self.kind == "proofs":
            from verifier.verify.runner import _proofs_row

            row = _proofs_row(self.result.rule)
            if row.status in ("fail", "error"):
                raise RuleFailure(f"{self.path}:{row.line}: {row.message}")
        else:
            from verifier.verify.runner import run_property

            prop, mode = self.target
            profile = self.config.getoption("--mv-profile") or os.environ.get("HYPOTHESIS_PROFILE") or "ci"
            if prop.kind == "world":  # the rule's world properties run once, together, on shared stories
                row = self.parent.world_rows(profile)[prop.name]
            else:
                row = run_property(prop, self.result.rule, mode, profile)
            if row.status == "skip":
                pytest.skip(row.message)
            if row.status in ("fail", "error"):
                text = f"{self.path}:{row.line}: {prop.name}: {row.message}\n  ({prop.doc})"
                if row.example:
                    text += "\n  counterexample, ready to paste under 'examples:':\n" + row.example_yaml
                raise RuleFailure(text)

    def _example(self):
        from verifier.verify.check import CheckReport, run_examples

        single = CheckReport(self.result.file, "rule", self.result.rule)
        run_examples(single, [self.target])
        if single.findings:
            raise RuleFailure("\n".join(d.render() for d in single.findings))

    def _conformance(self):
        from verifier.verify.check import CheckReport
        from verifier.verify.conformance import run_conformance

        single = CheckReport(self.result.file, "rule", self.result.rule)
        run_conformance(single, [self.target])
        if single.diagnostics:
            raise RuleFailure("\n".join(d.render() for d in single.diagnostics))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, RuleFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::{self.name}"
