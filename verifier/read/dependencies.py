"""Which files a file reads, and which files depend on a changed one (``check --dependents``).

A rule reads its market catalog (the folder it names under ``markets.catalog``: ``catalog.yaml`` and every
``markets*.json`` shard in it) and any other data file it names by a relative path; a scenario reads its rule (by
id or path) and, through it, the rule's files.  A change to any of those can break the files that read it:
editing only a catalog's tier table can make a rule's worked examples fail.  The pre-commit hook therefore checks
the changed files *and* every rule and scenario that depends on them.

>>> rule = Path("rules/bybit/linear-perpetual.yaml")
>>> [p.name for p in direct_references(rule) if p.parent.name == "linear-perpetual"][:3]
['catalog.yaml', 'markets-0-9.json', 'markets-A.json']
>>> shard = Path("rules/bybit/markets/linear-perpetual/markets-B.json")
>>> rule in dependents([shard], [Path("rules")])
True
"""

from __future__ import annotations

import os
from pathlib import Path

from verifier.errors import SpecError
from verifier.read._yaml import DocumentError, read_file
from verifier.read.kinds import file_kind
from verifier.read.rule_sources import resolve_rule_path
from verifier.read.catalog import SHARD_GLOB
from verifier.read.paths import CATALOG_HEADER, RULE_SUFFIXES, expand_paths, is_file


def direct_references(path: Path) -> list[Path]:
    """The files ``path`` reads directly (those that exist); none for a file that cannot be read."""
    try:
        doc = read_file(path)
    except DocumentError:
        return []
    found = [path.parent / text for text in _strings(doc.data) if text.endswith(RULE_SUFFIXES)
             and not os.path.isabs(text) and is_file(path.parent / text)]
    markets = doc.data.get("markets") if isinstance(doc.data, dict) else None
    if isinstance(markets, dict) and isinstance(markets.get("catalog"), str):  # a rule's market catalog folder
        folder = path.parent / markets["catalog"]
        if is_file(folder / CATALOG_HEADER):
            found += [folder / CATALOG_HEADER, *folder.glob(SHARD_GLOB)]
    if file_kind(doc.data) == "scenario" and isinstance(doc.data.get("rule"), str):
        try:
            found.append(resolve_rule_path(doc.data["rule"]))
        except SpecError:
            pass  # checking the scenario reports it
    return sorted({_key(p): p for p in found}.values())


def dependents(changed, roots) -> list[Path]:
    """Every file under ``roots`` that reads one of ``changed``, directly or through another file (not the changed
    files themselves), in path order."""
    targets = {_key(Path(p)) for p in changed}
    files, _ = expand_paths([r for r in roots if Path(r).is_dir()])
    reads = {_key(f): (f, {_key(r) for r in direct_references(f)}) for f in files}
    found: dict = {}
    frontier = set(targets)
    while frontier:
        frontier = {key for key, (_, used) in reads.items() if used & frontier and key not in found
                    and key not in targets}
        found.update({key: reads[key][0] for key in frontier})
    return sorted(found.values())


def _key(path: Path) -> str:
    return os.path.realpath(path)


def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, str):
        yield node.strip()
