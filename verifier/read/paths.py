"""Which files a path names, and where rule ids are looked up: plain file-system work, no parsing.

Kept apart from the loader so that ``check`` of a file whose result is cached (:mod:`verifier.verify.check_cache`)
finds its files without loading the formula language (and SymPy with it).

>>> files, problems = expand_paths(["rules/okx", "no/such/path"])
>>> [f.name for f in files if not is_catalog_file(f)]
['inverse-swap.yaml', 'linear-swap.yaml', 'spot-margin.yaml']
>>> problems[0].code, problems[0].file
('MV100', 'no/such/path')
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from verifier.errors import Diagnostic, SpecError

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
    """A path as given, or a rule id such as ``binance/usdm-perpetual`` found under :func:`rules_root`.

    >>> resolve_rule_path("okx/linear-swap").name
    'linear-swap.yaml'
    """
    path = Path(rule)
    if path.is_file():
        return path
    text = str(rule)
    if "/" in text and not text.endswith(RULE_SUFFIXES):
        for suffix in RULE_SUFFIXES:
            candidate = rules_root() / (text + suffix)
            if candidate.is_file():
                return candidate
    ids = sorted(str(p.relative_to(rules_root()).with_suffix("")) for p in rule_files(rules_root())
                 if not is_catalog_file(p) and not is_conformance_file(p))
    close = difflib.get_close_matches(text, ids, n=1, cutoff=0.8)
    hint = f"did you mean {close[0]!r}?" if close else f"known rule ids: {', '.join(ids)}" if ids else None
    raise SpecError(f"no rule file or rule id {text!r}", [Diagnostic(
        "MV100", f"no rule file or rule id {text!r}", file=text, hint=hint)], code="MV100")


CATALOG_HEADER = "catalog.yaml"
"""A market catalog folder's header; its shards are ``markets*.json`` beside it (:mod:`verifier.read.catalog`)."""


def is_catalog_file(path) -> bool:
    """Whether ``path`` is a market catalog's header or one of its shards (data a rule reads, not a rule).

    >>> is_catalog_file("rules/binance/markets/usdm-perpetual/markets-B.json"), is_catalog_file("rules/x.yaml")
    (True, False)
    """
    path = Path(path)
    if path.name == CATALOG_HEADER:
        return True
    return path.suffix == ".json" and path.name.startswith("markets") and (path.parent / CATALOG_HEADER).is_file()


CONFORMANCE_FOLDER = "conformance"
"""A rule's recorded exchange responses (its ``conformance:`` cases) are JSON files in a folder of this name."""


def is_conformance_file(path) -> bool:
    """Whether ``path`` is a recorded export a rule's conformance case reads (data, not a rule).

    >>> is_conformance_file("rules/okx/conformance/okx-inverse-isolated-2026-01-20.json")
    True
    """
    path = Path(path)
    return path.suffix == ".json" and path.parent.name == CONFORMANCE_FOLDER


def rule_files(root: Path) -> list[Path]:
    """Every .yaml/.yml/.json file under ``root`` (hidden folders and recorded exports skipped: a rule's check
    reads those), in path order."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(root).parts)
                  and not is_conformance_file(p))


def expand_paths(paths) -> tuple[list[Path], list[Diagnostic]]:
    """Files to check: files as given, folders searched for .yaml/.yml/.json; missing paths reported."""
    files, problems = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(rule_files(path))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Diagnostic("MV100", "no such file or folder", file=str(raw), hint="check the path"))
    return files, problems
