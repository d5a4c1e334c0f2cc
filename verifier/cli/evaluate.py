"""``margin-verifier evaluate RULE FILE [--balance FILE] [--format text|json] [--date D] [--tolerance TICKS]
[--rtol R] [--explain]``: an account's liquidation prices, margin level and status.  FILE is a snapshot (docs: the account
snapshot format) or a ccxt ``fetch_positions()`` dump as it is.  Parse -> the evaluate job
(:mod:`verifier.jobs.evaluate`) -> report."""

from __future__ import annotations

import argparse
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
    parser.add_argument("--explain", action="store_true",
                        help="for each position, why each number is what it is: every input and where it came "
                             "from (the file's field, the market catalog's version, a rule constant), the tier and "
                             "its bounds, each value's formula with its rule line and source (JSON: an 'explain' "
                             "object per position); the results do not change")
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
    from verifier.cli.output import write_diagnostics
    from verifier.jobs.evaluate import evaluate_file
    from verifier.jobs.programs import RuleHandle
    from verifier.read.paths import is_lines_file
    from verifier.report.evaluate import evaluated_warnings, render

    date = parse_date(args.date)
    rule = RuleHandle(args.rule)  # its compiled program (found without loading the rule when it can be)
    rule.program  # noqa: B018 - the rule's own problems first, before any file is read
    if is_lines_file(args.snapshot):
        return _run_lines(rule, args, date)
    result = evaluate_file(rule, args.snapshot, balance=args.balance, margin_mode=args.margin_mode, date=date,
                           tolerance=args.tolerance, rtol=args.rtol, explain=args.explain)
    why = result.reference[0] if args.explain and result.reference else None
    write_diagnostics(evaluated_warnings(result), args)
    if result.format == "snapshot":
        sys.stdout.write(render(result.evaluations[0], args.format, result.unread, result.explained, why))
        return 0
    from verifier.report.accounts import render_set

    sys.stdout.write(render_set(result.evaluations, result.checks, result.skipped, args.format, result.unread,
                                result.explained, why))
    return 1 if result.failed else 0


def _run_lines(rule, args, date) -> int:
    """A JSON-lines file: one account a line in, one JSON line out; a bad line is reported and the rest go on.
    Each line's warnings are in its record (``warnings``), and all of them, each once, on stderr at the end: the
    same as the accounts would get one file at a time."""
    from verifier.errors import UsageError
    from verifier.report.diagnostics import versions_held

    if args.balance is not None:
        raise UsageError("--balance goes with one account; in a JSON-lines file each line holds its own balance")
    with versions_held():  # every line says the same versions: found once
        return _lines(rule, args, date)


def _lines(rule, args, date) -> int:
    from verifier.cli.output import write_diagnostics
    from verifier.jobs.evaluate import evaluate_lines
    from verifier.report.accounts import line_record, progress_text
    from verifier.report.evaluate import evaluated_warnings

    done, invalid, failed, warnings, said = 0, 0, False, {}, []
    show = sys.stderr.isatty()
    for line in evaluate_lines(rule, args.snapshot, margin_mode=args.margin_mode, date=date,
                               tolerance=args.tolerance, rtol=args.rtol, explain=args.explain):
        if line.error is not None:
            invalid += 1
            print(line.error.render(), file=sys.stderr)
            sys.stdout.write(line_record(line.number, error=line.error.diagnostics))
        else:
            failed = failed or line.result.failed
            found = evaluated_warnings(line.result)
            # a line saying the very warnings the line before said adds none: hashed only when they differ
            if len(found) != len(said) or any(a is not b for a, b in zip(found, said)):
                warnings.update(dict.fromkeys(found))
                said = found
            sys.stdout.write(line_record(line.number, line.result.evaluations, line.result.checks,
                                         line.result.skipped, unread=line.result.unread,
                                         explained=line.result.explained,
                                         evaluated_by=line.result.reference[0]  # (a line of no pool: none)
                                         if args.explain and line.result.reference else None,
                                         warnings=found))
        done += 1
        if show:
            sys.stderr.write(progress_text(done, invalid))
    if show:
        sys.stderr.write("\n")
    write_diagnostics(list(warnings), args)
    if invalid:
        return 2
    return 1 if failed else 0
