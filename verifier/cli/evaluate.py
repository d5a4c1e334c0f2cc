"""``margin-verifier evaluate RULE FILE [--balance FILE] [--format text|json] [--date D] [--tolerance TICKS]
[--rtol R]``: an account's liquidation prices, margin level and status.  FILE is a snapshot (design.md section 4)
or a ccxt ``fetch_positions()`` dump as it is.  Parse -> read (rule, file) -> derive (each margin pool, then the
exchange's own prices reconciled) -> report."""

from __future__ import annotations

import argparse
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
    parser.add_argument("snapshot", metavar="FILE", help="a ccxt fetch_positions() dump (JSON, as it is; or an object "
                                                          "{positions, balance}), or a snapshot file (JSON or YAML)")
    parser.add_argument("--balance", metavar="FILE", help="a ccxt fetch_balance() dump: the cross wallet")
    parser.add_argument("--margin-mode", choices=("cross", "isolated"),
                        help="the margin mode of ccxt positions that state none (Bybit's are null)")
    parser.add_argument("--tolerance", metavar="TICKS", type=_non_negative,
                        help="fail (exit 1) where our liquidation price and the exchange's differ by more ticks")
    parser.add_argument("--rtol", metavar="R", type=_non_negative,
                        help="fail (exit 1) where they differ by more than this relative difference")
    parser.add_argument("--format", choices=list(FORMATS), default="text", help="output format (default: text)")
    parser.add_argument("--json", dest="format", action="store_const", const="json", help="the same as --format json")
    parser.add_argument("--date", help="evaluate with parameters and market data in force on this date (YYYY-MM-DD; "
                                       "default: the latest)")
    parser.set_defaults(run=run)


def _non_negative(text):
    from verifier.read.inputs import NumberError, exact, shown

    try:
        value = exact(text)
    except NumberError as exc:
        raise argparse.ArgumentTypeError(f"{shown(text)} {exc.reason}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def run(args) -> int:
    from verifier.cli.arguments import parse_date
    from verifier.derive.account import evaluate_account
    from verifier.derive.reconcile import reconcile_position
    from verifier.read import load_rule
    from verifier.read.positions_file import is_lines_file, read_positions
    from verifier.report.accounts import render_set
    from verifier.report.evaluate import render, stale_warnings

    date = parse_date(args.date)
    rule = load_rule(args.rule)
    if is_lines_file(args.snapshot):
        return _run_lines(rule, args, date)
    accounts = read_positions(rule, args.snapshot, args.balance, args.margin_mode)
    today = datetime.date.today()
    evaluations = [evaluate_account(rule, account, date=date, today=today) for account in accounts.accounts]
    for evaluation in evaluations:
        for line in stale_warnings(evaluation, date or today):
            print(line, file=sys.stderr)
    if accounts.format == "snapshot":
        sys.stdout.write(render(evaluations[0], args.format))
        return 0
    checks = {id(p): reconcile_position(p, args.tolerance, args.rtol) for e in evaluations for p in e.positions}
    sys.stdout.write(render_set(evaluations, checks, accounts.skipped, args.format))
    return 1 if any(check is not None and check.failed for check in checks.values()) and \
        (args.tolerance is not None or args.rtol is not None) else 0


def _run_lines(rule, args, date) -> int:
    """A JSON-lines file: one account a line in, one JSON line out; a bad line is reported and the rest go on."""
    from verifier.derive.account import evaluate_account
    from verifier.derive.reconcile import reconcile_position
    from verifier.errors import UsageError, VerifierError
    from verifier.read.positions_file import read_lines
    from verifier.report.accounts import line_record, progress_text

    if args.balance is not None:
        raise UsageError("--balance goes with one account; in a JSON-lines file each line holds its own balance")
    today, done, invalid, failed = datetime.date.today(), 0, 0, False
    show = sys.stderr.isatty()
    for number, accounts in read_lines(rule, args.snapshot, args.margin_mode):
        try:
            if isinstance(accounts, VerifierError):
                raise accounts
            evaluations = [evaluate_account(rule, a, date=date, today=today) for a in accounts.accounts]
        except VerifierError as exc:
            invalid += 1
            print(exc.render(), file=sys.stderr)
            sys.stdout.write(line_record(number, error=exc.diagnostics))
        else:
            checks = {id(p): reconcile_position(p, args.tolerance, args.rtol) for e in evaluations
                      for p in e.positions}
            failed = failed or any(c is not None and c.failed for c in checks.values())
            sys.stdout.write(line_record(number, evaluations, checks, accounts.skipped))
        done += 1
        if show:
            sys.stderr.write(progress_text(done, invalid))
    if show:
        sys.stderr.write("\n")
    if invalid:
        return 2
    return 1 if failed and (args.tolerance is not None or args.rtol is not None) else 0
