"""``margin-verifier import RULE [--markets FILE] [--tiers FILE] [--live EXCHANGE]``: add market data to a rule's
catalog and print a semantic diff.  Parse -> the import job (:mod:`verifier.jobs.importing`) -> report.
``--check`` (alias ``--dry-run``) writes nothing and exits 1 when the import would change the catalog.  It writes
beside the rule in force: in the user's ``--rules`` folder or a checkout's ``rules/``, never into the installed
package (a shipped rule is copied into the user's folder first; without one, MV005 names ``--rules``)."""

from __future__ import annotations

import sys

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
    parser.add_argument("--replace", action="store_true",
                        help="correct the catalog: data effective on a date that already has a different version "
                             "replaces that version (without it: MV823); the diff shows what changes")
    parser.add_argument("--reference-notional", metavar="AMOUNT",
                        help="notional of the reference position, in the quote currency (default: per market, the "
                             "smallest notional whose bracket changed, else 10000)")
    parser.add_argument("--reference-leverage", default="10", metavar="X", help="its leverage (default 10)")
    parser.add_argument("--format", choices=list(FORMATS), default="text", help="output format (default: text)")
    parser.set_defaults(run=run, writes_rules=True)  # a --rules folder with no rule yet is where a copy goes


def run(args) -> int:
    from verifier.cli.arguments import parse_date, parse_decimal
    from verifier.jobs.importing import import_market_data
    from verifier.report.importing import import_data, render

    notional = parse_decimal(args.reference_notional, "--reference-notional") if args.reference_notional else None
    imported = import_market_data(
        args.rule, markets=args.markets, tiers=args.tiers, live=args.live, source=args.source,
        retrieved=parse_date(args.retrieved, "--retrieved"), effective=parse_date(args.effective, "--effective"),
        dry_run=args.check, reference_notional=notional,
        reference_leverage=parse_decimal(args.reference_leverage, "--reference-leverage"),
        reference_text=(args.reference_notional, args.reference_leverage), replace=args.replace)
    for note in imported.notes:
        print(f"margin-verifier: note: {note}", file=sys.stderr)
    sys.stdout.write(render(import_data(imported), args.format))
    return 1 if args.check and imported.changes_catalog else 0
