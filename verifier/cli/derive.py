"""``margin-verifier derive RULE [--mode M] [--format text|latex|json]``: closed forms with validity conditions.
Parse -> read (rule) -> derive (closed forms, proofs) -> report; exit 1 when a published formula is refuted."""

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
    from verifier.derive import derive_rule, prove_published
    from verifier.errors import Diagnostic, UsageError
    from verifier.read import load_rule
    from verifier.report.derive import derivation_data, render

    rule = load_rule(args.rule)
    if args.mode is not None and args.mode not in rule.modes:
        raise UsageError(f"unknown mode {args.mode!r}", [Diagnostic(
            "MV002", f"rule {rule.id} has no mode {args.mode!r}", file="<command line>",
            hint="one of " + ", ".join(rule.modes))])
    data = derivation_data(rule, derive_rule(rule), prove_published(rule), mode=args.mode)
    sys.stdout.write(render(data, args.format))
    return 1 if any(p["status"] == "refuted" for p in data["published"]) else 0
