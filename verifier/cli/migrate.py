"""``margin-verifier migrate RULE [--check] [--exchange ID] [--price-precision P] [--ccxt COLUMN=PATH]``: a rule of the
previous format (``tiers.tables`` naming one tier file per market) moved to the market-catalog format.  Parse -> the
migrate job (:mod:`verifier.jobs.migrate`) -> report (:mod:`verifier.report.migrate`).  ``--check`` writes nothing
and exits 1 when there is something to migrate (docs/how-to/migrate.md)."""

from __future__ import annotations

import argparse
import sys

FORMATS = ("text", "json")
"""The formats of :mod:`verifier.report.migrate` (named here so that ``--help`` loads no stage; a test keeps the two
equal)."""


def add_parser(sub) -> None:
    parser = sub.add_parser("migrate", help="move a rule's tier files (the previous format) into its market catalog",
                            description="Move the tier tables of a rule in the previous format (tiers.tables naming a "
                                        "tier file per market) into the rule's market catalog as dated versions: "
                                        "writes the catalog (a new markets/<product>/ beside the rule unless it names "
                                        "one), replaces tables with markets: {catalog: ...} in the rule, removes the "
                                        "old tier files, and checks that the rule loads (else puts everything back).")
    parser.add_argument("rule", metavar="RULE", help="the rule file (or id) to migrate")
    parser.add_argument("--check", "--dry-run", dest="check", action="store_true",
                        help="write nothing: say what would be done; exit 1 if there is something to migrate")
    parser.add_argument("--exchange", metavar="ID", help="the ccxt exchange id of a new catalog (default: the shipped "
                                                         "catalog's of the same rule id)")
    parser.add_argument("--price-precision", choices=("tick", "decimals", "significant"),
                        help="how ccxt writes this exchange's precision.price, for a new catalog (default: the "
                             "shipped catalog's of the same rule id)")
    parser.add_argument("--ccxt", action="append", default=[], metavar="COLUMN=PATH", type=_mapping,
                        help="where ccxt's fetch_leverage_tiers() gives a tier column, e.g. cum=info.cum (the "
                             "maintenance rate and max_leverage columns default to ccxt's unified keys); repeatable")
    parser.add_argument("--format", choices=list(FORMATS), default="text", help="output format (default: text)")
    parser.set_defaults(run=run, writes_rules=True)


def _mapping(text: str) -> tuple:
    column, sep, path = text.partition("=")
    if not sep or not column or not path:
        raise argparse.ArgumentTypeError(f"{text!r} is not COLUMN=PATH (e.g. cum=info.cum)")
    return column.strip(), path.strip()


def run(args) -> int:
    from verifier.jobs.migrate import migrate_rule
    from verifier.report.migrate import migrate_data, render

    migrated = migrate_rule(args.rule, exchange=args.exchange, price_precision=args.price_precision,
                            ccxt=dict(args.ccxt), dry_run=args.check)
    sys.stdout.write(render(migrate_data(migrated), args.format))
    return 1 if args.check and migrated.tables else 0
