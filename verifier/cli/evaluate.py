"""``margin-verifier evaluate RULE SNAPSHOT [--format text|json] [--date D]``: an account's liquidation prices,
margin level and status.  Parse -> read (rule, account) -> derive (evaluate_account) -> report."""

from __future__ import annotations

import datetime
import sys

FORMATS = ("text", "json")
"""The formats of :mod:`verifier.report.evaluate` (named here so that ``--help`` and a cached ``check`` load no
stage; a test keeps the two equal)."""


def add_parser(sub) -> None:
    parser = sub.add_parser("evaluate", help="evaluate an account snapshot (ccxt field names) exactly",
                            description="Evaluate an account snapshot (ccxt's unified field names; the format is "
                                        "documented on the site under Reference > Account-snapshot format and "
                                        "in verifier/schemas/account.schema.json): each position's liquidation "
                                        "price, maintenance margin, PnL and tier.")
    parser.add_argument("rule", metavar="RULE", help="a rule file or a rule id such as binance/usdm-perpetual")
    parser.add_argument("snapshot", metavar="SNAPSHOT", help="a JSON or YAML snapshot file")
    parser.add_argument("--format", choices=list(FORMATS), default="text", help="output format (default: text)")
    parser.add_argument("--json", dest="format", action="store_const", const="json", help="the same as --format json")
    parser.add_argument("--date", help="evaluate with parameters and market data in force on this date (YYYY-MM-DD; "
                                       "default: the latest)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from verifier.cli.arguments import parse_date
    from verifier.derive.account import evaluate_account
    from verifier.read import load_rule
    from verifier.read.account import read_account
    from verifier.report.evaluate import render, stale_warnings

    date = parse_date(args.date)
    rule = load_rule(args.rule)
    account = read_account(args.snapshot)
    today = datetime.date.today()
    evaluation = evaluate_account(rule, account, date=date, today=today)
    for line in stale_warnings(evaluation, date or today):
        print(line, file=sys.stderr)
    sys.stdout.write(render(evaluation, args.format))
    return 0
