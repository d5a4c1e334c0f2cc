"""The ``migrate`` job's report: what moved where, in text or JSON.

>>> print(migrate_text({"rule": "r.yaml", "catalog": "markets/p", "dryRun": False, "created": True,
...                     "headerFrom": [], "tables": [{"symbol": "BTC/USDT:USDT", "file": "tiers/BTCUSDT.yaml",
...                     "effective": "2024-10-01", "datedBy": "effective", "rows": 6, "source": "s"}],
...                     "sources": ["s"], "written": ["markets/p/catalog.yaml", "markets/p/markets-B.json"],
...                     "ruleEdits": ["removed tiers.tables (lines 75-77)"], "removed": ["tiers/BTCUSDT.yaml"]}),
...       end="")
migrated r.yaml to the market-catalog format (catalog markets/p, new):
  BTC/USDT:USDT: 6 brackets from tiers/BTCUSDT.yaml, effective 2024-10-01 (the file's effective date), source s
  wrote markets/p/catalog.yaml, markets/p/markets-B.json
  rule: removed tiers.tables (lines 75-77)
  removed tiers/BTCUSDT.yaml (its table is in the catalog now)
next: margin-verifier check r.yaml (its worked examples, against the tables where they are now)
"""

from __future__ import annotations

from verifier.report.diagnostics import json_text

FORMATS = ("text", "json")


def migrate_data(migrated) -> dict:
    """The report of a :class:`~verifier.jobs.migrate.Migrated` as plain data."""
    return {"rule": migrated.rule, "catalog": migrated.catalog, "dryRun": migrated.dry_run,
            "created": migrated.created,
            "headerFrom": [{"what": what, "from": where} for what, where in migrated.header_from],
            "tables": [{"symbol": t.symbol, "file": t.file, "effective": t.effective.isoformat(),
                        "datedBy": t.dated_by, "rows": t.rows, "source": t.source} for t in migrated.tables],
            "sources": list(migrated.sources), "written": list(migrated.written),
            "ruleEdits": list(migrated.rule_edits), "removed": list(migrated.removed),
            "remainingProblems": [d.to_json() for d in migrated.remaining]}


def migrate_text(data: dict) -> str:
    """The report for people: the tables moved (and how each is dated), the files written, the rule's edits, the
    files removed, and what to run next."""
    would = data["dryRun"]
    if not data["tables"]:
        return (f"nothing to migrate: {data['rule']} lists no tier files (tiers.tables), nothing of the previous "
                "format (margin-verifier check says whether it is valid)\n")
    lines = [f"{'would migrate' if would else 'migrated'} {data['rule']} to the market-catalog format (catalog "
             f"{data['catalog']}, {'new' if data['created'] else 'existing'}):"]
    for table in data["tables"]:
        dated = ("the file's effective date" if table["datedBy"] == "effective" else
                 "the file gives none: its source's retrieval date, as import dates a snapshot")
        lines.append(f"  {table['symbol']}: {table['rows']} brackets from {table['file']}, effective "
                     f"{table['effective']} ({dated}), source {table['source']}")
    for item in data["headerFrom"]:
        lines.append(f"  catalog header: {item['what']} from {item['from']}")
    verb = "would write" if would else "wrote"
    lines.append(f"  {verb} {', '.join(data['written']) or 'nothing'}")
    lines += [f"  rule: {'(would be) ' if would else ''}{edit}" for edit in data["ruleEdits"]]
    if data["removed"]:
        lines.append(f"  {'would remove' if would else 'removed'} {', '.join(data['removed'])} "
                     f"({'its table is' if len(data['removed']) == 1 else 'their tables are'} in the catalog now)")
    remaining = data.get("remainingProblems") or []
    if remaining:
        lines.append(f"  the rule still has {len(remaining)} problem(s) of its own, not of the format (check lists "
                     "them): " + ", ".join(dict.fromkeys(d["code"] for d in remaining)))
    lines.append(f"next: margin-verifier check {data['rule']} (its worked examples, against the tables where they "
                 "are now)" if not would else "run it without --check to do it")
    return "\n".join(lines) + "\n"


def render(data: dict, fmt: str = "text") -> str:
    return json_text(data) if fmt == "json" else migrate_text(data)
