"""Which files a path names: plain file-system work, no parsing (where rule ids are looked up:
:mod:`verifier.read.rule_sources`).

Kept apart from the loader so that ``check`` of a file whose result is cached (:mod:`verifier.verify.check_cache`)
finds its files without loading the formula language (and SymPy with it).

>>> files, problems = expand_paths(["rules/okx", "no/such/path"])
>>> [f.name for f in files if not is_catalog_file(f)]
['inverse-swap.yaml', 'linear-swap.yaml', 'multi-currency-margin.yaml', 'spot-margin.yaml']
>>> problems[0].code, problems[0].file
('MV100', 'no/such/path')
"""

from __future__ import annotations

from pathlib import Path

from verifier.errors import Diagnostic

RULE_SUFFIXES = (".yaml", ".yml", ".json")

LINES_SUFFIXES = (".jsonl", ".ndjson")
"""A file with one of these suffixes holds many accounts, one JSON value (a ccxt export) a line
(:func:`verifier.read.positions_file.read_lines`)."""


def is_lines_file(path) -> bool:
    return Path(path).suffix.lower() in LINES_SUFFIXES


def is_file(path) -> bool:
    """Whether ``path`` names a file: False, not an error, for a name the system cannot even look up (longer than
    the system allows, a NUL byte): a user's text, such as a scenario's ``rule:``, can be anything.

    >>> is_file("rules/binance/usdm-perpetual.yaml"), is_file("x" * 5000), is_file("a" + chr(0) + "b")
    (True, False, False)
    """
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


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
