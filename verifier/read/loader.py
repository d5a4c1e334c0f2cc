"""Load rule files (by path or id) and check files and folders, collecting every problem.

>>> rule = load_rule("binance/usdm-perpetual")
>>> rule.id, sorted(rule.modes)
('binance/usdm-perpetual', ['cross', 'isolated'])
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from verifier.errors import Diagnostic, SpecError
from verifier.read.rule import build_rule
from verifier.read._schema import schema_diagnostics
from verifier.read.catalog import check_catalog_file
from verifier.read._yaml import Document, DocumentError, read_file
from verifier.read.scenario import check_scenario

RULE_SUFFIXES = (".yaml", ".yml", ".json")


def rules_root() -> Path:
    """Where rule ids are looked up: $MARGIN_VERIFIER_RULES, else ./rules, else the checkout's rules/."""
    env = os.environ.get("MARGIN_VERIFIER_RULES")
    if env:
        return Path(env)
    local = Path("rules")
    if local.is_dir():
        return local
    return Path(__file__).resolve().parents[2] / "rules"


def resolve_rule_path(rule: str | os.PathLike) -> Path:
    """A path as given, or a rule id such as ``binance/usdm-perpetual`` found under :func:`rules_root`."""
    path = Path(rule)
    if path.is_file():
        return path
    text = str(rule)
    if "/" in text and not text.endswith(RULE_SUFFIXES):
        for suffix in RULE_SUFFIXES:
            candidate = rules_root() / (text + suffix)
            if candidate.is_file():
                return candidate
    known = ", ".join(sorted(str(p.relative_to(rules_root()).with_suffix("")) for p in _rule_files(rules_root())))
    raise SpecError(f"no rule file or rule id {text!r}", [Diagnostic(
        "MV100", f"no rule file or rule id {text!r}", file=text, hint=f"known rule ids: {known}" if known else None)])


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
    if Path(path).suffix == ".json" and Path(path).name.startswith("markets") \
            and (Path(path).parent / "catalog.yaml").is_file():
        # a catalog shard: checked against its header, once per content (a full read here would cost seconds)
        return CheckResult(name, "markets", _sorted(check_catalog_file(path)))
    try:
        doc = read_file(path)
    except DocumentError as exc:
        return CheckResult(name, "unknown", exc.diagnostics)
    kind = file_kind(doc)
    if kind in ("catalog", "markets"):
        return CheckResult(name, kind, _sorted(check_catalog_file(path)))
    if kind == "scenario":
        return CheckResult(name, kind, _sorted(check_scenario(doc)[1]))
    if not isinstance(doc.data, dict):
        return CheckResult(name, kind, [doc.diagnostic("MV203", "a rule file must be a mapping of keys to values", ())])
    problems = schema_diagnostics(doc, "rule")
    if problems:
        return CheckResult(name, kind, _sorted(problems))
    rule, problems = build_rule(doc)
    return CheckResult(name, kind, _sorted(problems), rule)


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


def _rule_files(root: Path):
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))


def expand_paths(paths) -> tuple[list[Path], list[Diagnostic]]:
    """Files to check: files as given, folders searched for .yaml/.yml/.json; missing paths reported."""
    files, problems = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(_rule_files(path))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Diagnostic("MV100", "no such file or folder", file=str(raw), hint="check the path"))
    return files, problems
