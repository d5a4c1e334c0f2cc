"""The rules in force, listed (``margin-verifier rules``): what each is, where it comes from, how old its data is.

A light read: each rule file's top-level facts (id, exchange, product, modes) and the dates it changes on, and its
market catalog's dates, without building the rule (no formulas, no SymPy): a dozen rules list in well under a
second.  Whether the rules are valid is ``check``'s job.

>>> import datetime as dt
>>> entries, problems = list_rules(dt.date(2026, 12, 1))
>>> entry = next(e for e in entries if e.id == "hyperliquid/perpetual")
>>> entry.exchange, entry.product, entry.modes, entry.origin
('hyperliquid', 'linear-perpetual', ('isolated', 'cross'), 'shipped')
>>> entry.changes
('2023-03-28', '2024-10-10')
>>> entry.market.last_seen <= "2026-12-01" and entry.market.age_days >= 0
True
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from verifier.errors import Diagnostic
from verifier.read._yaml import DocumentError, read_file
from verifier.read.paths import CATALOG_HEADER
from verifier.read.rule_sources import origin, rule_files_in_force, shadow_problems, shadowed, shown

_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


@dataclass(frozen=True)
class MarketData:
    """A rule's market catalog, by its dates: markets listed, the first and last effective dates of their
    versions, the last date any was seen in force and retrieved, and the days from that last sighting to today."""

    catalog: str
    markets: int
    first_effective: str | None
    last_effective: str | None
    last_seen: str | None
    retrieved: str | None
    age_days: int | None


@dataclass(frozen=True)
class RuleEntry:
    """One rule in force.  ``origin`` is ``shipped`` or the user's folder; ``replaces`` the shipped file a user's
    rule takes the place of; ``changes`` the dates its parameters, formulas or published formulas change on."""

    id: str
    title: str | None
    exchange: str | None
    product: str | None
    modes: tuple
    origin: str
    file: str
    replaces: str | None
    changes: tuple
    market: MarketData | None


def list_rules(today: _dt.date) -> tuple[list[RuleEntry], list[Diagnostic]]:
    """Every rule in force (:func:`verifier.read.rule_sources.rule_files_in_force`), in id order, and the problems
    of files that could not be read or take the place of a shipped rule of another exchange or product (those are
    left out)."""
    entries, problems = [], []
    for path, rule_id, _ in rule_files_in_force():
        try:
            doc = read_file(path)
        except DocumentError as exc:
            problems += exc.diagnostics
            continue
        data = doc.data if isinstance(doc.data, dict) else {}
        replaced = shadowed(path)
        if replaced is not None and shadow_problems(path, replaced):  # another exchange or product: MV004
            problems += shadow_problems(path, replaced)
            continue
        markets = data.get("markets")
        catalog = path.parent / markets["catalog"] if isinstance(markets, dict) and \
            isinstance(markets.get("catalog"), str) else None
        modes = data.get("modes")
        entries.append(RuleEntry(
            id=rule_id, title=data.get("title"), exchange=data.get("exchange"), product=data.get("product"),
            modes=tuple(modes) if isinstance(modes, dict) else (), origin=origin(path), file=str(path),
            replaces=str(shown(replaced)) if replaced is not None else None, changes=tuple(sorted(_dates(data))),
            market=_market_data(catalog, today) if catalog is not None else None))
    return sorted(entries, key=lambda e: e.id), problems


def _dates(node, key=None) -> set:
    """The dates a rule changes on: a dated parameter value's key, a version's or published formula's ``since``
    and ``until`` (``open`` is not a date)."""
    found = set()
    if isinstance(node, dict):
        for name, value in node.items():
            if key == "values" and isinstance(name, str) and _DATE.match(name):
                found.add(name)
            if name in ("since", "until") and isinstance(value, str) and _DATE.match(value):
                found.add(value)
            elif name not in ("sources", "examples", "conformance"):  # their dates are not the rule's
                found |= _dates(value, name)
    elif isinstance(node, list):
        for item in node:
            found |= _dates(item, key)
    return found


def _market_data(folder: Path, today: _dt.date) -> MarketData | None:
    """The dates of the catalog in ``folder`` (its shards read as plain JSON: ``check`` validates them)."""
    if not (folder / CATALOG_HEADER).is_file():
        return None
    effective, seen, retrieved, markets = [], [], [], 0
    for shard in sorted(folder.glob("markets*.json")):
        try:
            data = json.loads(shard.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # check reports it
        for entry in (data.get("markets") or {}).values() if isinstance(data, dict) else ():
            markets += 1
            for version in [*entry.get("market", []), *entry.get("tiers", [])] if isinstance(entry, dict) else ():
                if isinstance(version, dict):
                    effective.append(version.get("effective"))
                    seen.append(version.get("seen"))
                    retrieved.append(version.get("retrieved"))

    def dates(values):
        return sorted(v for v in values if isinstance(v, str) and _DATE.match(v))

    effective, seen, retrieved = dates(effective), dates(seen), dates(retrieved)
    last_seen = seen[-1] if seen else None
    age = (today - _dt.date.fromisoformat(last_seen)).days if last_seen else None
    return MarketData(str(shown(folder)), markets, effective[0] if effective else None,
                      effective[-1] if effective else None, last_seen, retrieved[-1] if retrieved else None, age)
