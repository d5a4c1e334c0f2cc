"""``margin-verifier simulate SCENARIO``: run a scenario and show its steps side by side, one column per account."""

from __future__ import annotations

import sys

from verifier.cli.output import print_json


def add_parser(sub) -> None:
    parser = sub.add_parser("simulate", help="run a scenario with the reference simulator",
                            description="Run a scenario file: every step side by side, one column per account "
                                        "(margin level and status); exit 1 if an expectation fails.")
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario file (scenarios/*.yaml)")
    parser.add_argument("--format", choices=["text", "table", "json", "markdown"], default="text",
                        help="output format (default: text, the side-by-side table; 'table' is the same)")
    parser.add_argument("--events", action="store_true", help="also print the event log (table format)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from verifier.report import simulate as report
    from verifier.verify.scenarios import simulate_file

    result = simulate_file(args.scenario)
    if args.format == "json":
        print_json(report.render_json(result))
    else:
        sys.stdout.write(report.render_text(result, markdown=args.format == "markdown", events=args.events))
    sys.stderr.write(report.failure_lines(result))
    return 1 if result.failures else 0
