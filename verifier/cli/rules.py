"""``margin-verifier rules [--format text|json]``: the rules in force, where each comes from, how old its data is.

Your ``--rules`` folders first, then the shipped rules (:mod:`verifier.read.rule_sources`); exit 2 when a rule file
cannot be read or takes the place of a shipped rule of another exchange or product.
"""

from __future__ import annotations

import sys

FORMATS = ("text", "json")
"""The formats of :mod:`verifier.report.rules` (named here so that ``--help`` loads no stage)."""


def add_parser(sub) -> None:
    parser = sub.add_parser("rules", help="list the rules in force: id, exchange, product, modes, where each comes "
                                          "from, the dates it changes on, the age of its market data",
                            description="List the rules in force: your --rules folders first (a rule id found "
                                        "there takes the shipped rule's place), then the shipped rules. For each: "
                                        "id, exchange, product, modes, where it comes from (shipped or your "
                                        "folder), the dates its parameters and formulas change on, and its market "
                                        "data (markets, the last date seen in force, its age in days).")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from verifier.cli.output import write_diagnostics
    from verifier.read.rule_list import list_rules
    from verifier.read.today import today
    from verifier.report.rules import render

    entries, problems = list_rules(today())
    if args.format == "text":
        write_diagnostics(problems, args)
    sys.stdout.write(render(entries, problems, args.format))
    return 2 if problems else 0
