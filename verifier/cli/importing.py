"""``margin-verifier import RULE [--markets FILE] [--tiers FILE] [--live EXCHANGE]``: add market data to a rule's
catalog and print a semantic diff.  Parse -> read (rule, ccxt dumps) -> merge (model) -> reference moves (derive)
-> write the shards that changed -> report.  ``--check`` (alias ``--dry-run``) writes nothing and exits 1 when the
import would change the catalog."""

from __future__ import annotations

import sys
from pathlib import Path

FORMATS = ("text", "json")
"""The formats of :mod:`verifier.report.importing` (named here so that ``--help`` and a cached ``check`` load no
stage; a test keeps the two equal)."""


def add_parser(sub) -> None:
    parser = sub.add_parser("import", help="import ccxt market data (load_markets, fetch_leverage_tiers) into a "
                                           "rule's market catalog",
                            description="Add the markets and tier tables ccxt returns (dumped to JSON, or fetched "
                                        "with --live) to a rule's market catalog as new dated versions, and print "
                                        "what changed: markets added and absent, brackets changed, and how far a "
                                        "reference position's liquidation price moves.")
    parser.add_argument("rule", metavar="RULE", help="a rule file or id whose 'markets' catalog to update")
    parser.add_argument("--markets", metavar="FILE", help="exchange.load_markets() dumped to JSON")
    parser.add_argument("--tiers", metavar="FILE", help="exchange.fetch_leverage_tiers() dumped to JSON")
    parser.add_argument("--live", metavar="EXCHANGE", help="fetch both with ccxt (the 'live' extra) from this ccxt "
                                                           "exchange id instead of reading files")
    parser.add_argument("--source", metavar="ID", help="the catalog source the data comes from (default: the "
                                                       "catalog's only source)")
    parser.add_argument("--retrieved", metavar="YYYY-MM-DD",
                        help="when the data was read (default: today; not after it)")
    parser.add_argument("--effective", metavar="YYYY-MM-DD",
                        help="the first date the data is known to be in force (default: the retrieval date)")
    parser.add_argument("--check", "--dry-run", dest="check", action="store_true",
                        help="write nothing; exit 1 if the import would change the catalog")
    parser.add_argument("--reference-notional", metavar="AMOUNT",
                        help="notional of the reference position, in the quote currency (default: per market, the "
                             "smallest notional whose bracket changed, else 10000)")
    parser.add_argument("--reference-leverage", default="10", metavar="X", help="its leverage (default 10)")
    parser.add_argument("--format", choices=list(FORMATS), default="text", help="output format (default: text)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from verifier.cli.arguments import parse_date, parse_decimal
    from verifier.cli.live import fetch
    from verifier.derive.catalog_diff import Reference, liquidation_moves
    from verifier.errors import Diagnostic, SpecError, UsageError
    from verifier.model.catalog_merge import merge_catalog
    from verifier.read import load_rule
    from verifier.read.catalog import catalog_folder_of, read_catalog
    from verifier.read.catalog.imports import provenance_of, read_import
    from verifier.read.today import today
    from verifier.report.importing import import_data, render

    if not (args.markets or args.tiers or args.live):
        raise UsageError("give --markets FILE, --tiers FILE (or both), or --live EXCHANGE", [Diagnostic(
            "MV001", "give --markets FILE, --tiers FILE (or both), or --live EXCHANGE", file="<command line>")],
            code="MV001")
    catalog, problems = read_catalog(catalog_folder_of(args.rule))
    if problems:
        raise SpecError(f"the market catalog of {args.rule} has {len(problems)} problem(s)", problems,
                        code=problems[0].code)
    retrieved = parse_date(args.retrieved, "--retrieved") or today()  # check's today: $MARGIN_VERIFIER_TODAY
    provenance = provenance_of(catalog, args.source, retrieved, parse_date(args.effective, "--effective"))
    markets, tiers = args.markets, args.tiers
    if args.live:
        markets, tiers = fetch(args.live, catalog)
    batch = read_import(catalog, provenance, markets=markets, tiers=tiers)
    merge = merge_catalog(catalog, batch.specs, batch.tiers)
    notional = parse_decimal(args.reference_notional, "--reference-notional") if args.reference_notional else None
    reference = Reference(notional, parse_decimal(args.reference_leverage, "--reference-leverage"))
    changed = [c.symbol for c in merge.changes if c.kind == "changed" and _moves_prices(c)]
    moves, why_not = {}, None
    try:  # the rule may need this very import to load (an example naming a market not imported yet)
        rule = load_rule(args.rule)
    except SpecError as exc:
        why_not = f"the rule does not load ({len(exc.diagnostics)} problem(s); run margin-verifier check)"
    else:
        after = rule.with_catalog(catalog.with_markets(merge.markets))
        moves = liquidation_moves(rule, after, changed, provenance.effective, reference)
    files = _write(catalog, merge, dry_run=args.check, inputs=(args.markets, args.tiers))
    summary = {"rule": args.rule, "catalog": str(Path(catalog.file).parent), "inputs": batch.files,
               "source": provenance.source, "effective": provenance.effective, "retrieved": provenance.retrieved,
               "skipped": len(batch.skipped), "dryRun": args.check,
               "ignored": [f"{symbol} {name} {value} ({why})" for symbol, name, value, why in batch.ignored],
               "reference": {"notional": args.reference_notional, "leverage": args.reference_leverage,
                             "notComputed": why_not}}
    sys.stdout.write(render(import_data(summary, merge, moves, files), args.format))
    return 1 if args.check and (files["written"] or files["removed"]) else 0


def _moves_prices(change) -> bool:
    """Whether a change can move a liquidation price: a new tier table, or market fields (a tick alone cannot)."""
    if change.parts.get("tiers") in ("added", "changed"):
        return True
    if change.parts.get("market") not in ("added", "changed") or change.before is None:
        return False
    old, new = change.before.spec_at(None), change.after.spec_at(None)
    return old is None or {k: v for k, v in old.fields.items() if k != "tick"} != \
        {k: v for k, v in new.fields.items() if k != "tick"}


def _write(catalog, merge, dry_run: bool, inputs=()) -> dict:
    """Write the shards whose text changed and remove the ones no market belongs in; what was (or would be) done."""
    from verifier.errors import SpecError
    from verifier.read.catalog import check_shard_texts, forget_read, shard_files
    from verifier.report.catalog import shards
    from verifier.report.outputs import write_output

    folder = Path(catalog.file).parent
    row_keys = catalog.layout.row_keys if catalog.layout is not None else ("floor", "cap")
    texts = shards(catalog.id, merge.markets.values(), catalog.shard_layout, row_keys)
    existing = {path.name: path for path in shard_files(folder)}
    written = [name for name, text in texts.items()
               if name not in existing or existing[name].read_text(encoding="utf-8") != text]
    removed = sorted(name for name in existing if name not in texts)
    problems = check_shard_texts(folder, {name: texts[name] for name in written})
    if problems:  # nothing is written unless all of it passes check
        raise SpecError(f"the catalog this import would write to {folder} does not pass check", problems,
                        code=problems[0].code)
    if not dry_run and (written or removed):
        for name in written:
            write_output(folder / name, texts[name], "import", inputs)
        for name in removed:
            existing[name].unlink()
        forget_read()
    return {"written": written, "removed": removed, "unchanged": len(texts) - len(written)}
