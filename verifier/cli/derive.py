"""``margin-verifier derive RULE [--mode M] [--format text|latex|json]``: closed forms with validity conditions.
Parse -> the derive job (:mod:`verifier.jobs.derive`) -> report; exit 1 when a published formula is refuted."""

from __future__ import annotations

import sys

FORMATS = ("text", "latex", "json")
"""The formats of :mod:`verifier.report.derive` (named here so that ``--help`` and a cached ``check`` load no
stage; a test keeps the two equal)."""


def add_parser(sub) -> None:
    parser = sub.add_parser("derive", help="print each mode's closed-form prices (liquidation, bankruptcy, ...)",
                            description="Solve every condition of a rule for its price symbol and print the closed "
                                        "forms with their validity conditions.")
    parser.add_argument("rule", metavar="RULE", help="a rule file or a rule id such as binance/usdm-perpetual")
    parser.add_argument("--mode", help="only this mode")
    parser.add_argument("--format", choices=list(FORMATS), default="text",
                        help="output format (default: text; latex prints the closed forms as LaTeX)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from verifier.jobs.derive import derive
    from verifier.report.derive import derivation_data, render

    result = derive(args.rule, mode=args.mode)
    sys.stdout.write(render(derivation_data(result.rule, result.derivation, result.proofs, mode=result.mode,
                                           definitions=result.definitions),
                            args.format))
    return 1 if result.refuted else 0
