"""``margin-verifier check [PATH...]``: validate rule, market-catalog and scenario files and run their examples."""

from __future__ import annotations

import sys

from verifier.cli.output import print_json


def add_parser(sub) -> None:
    parser = sub.add_parser("check", help="validate rule, market-catalog and scenario files and run their worked "
                                          "examples",
                            description="Validate rule, market-catalog and scenario files (schema, formulas, units, "
                                        "references, tier tables) and run their worked examples.")
    parser.add_argument("paths", nargs="*", default=["rules"], metavar="PATH",
                        help="files or folders to check (default: rules/)")
    parser.add_argument("--format", choices=["text", "json", "github"], default="text",
                        help="output format (default: text)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from verifier.report import check as report
    from verifier.verify.check import check_paths

    reports, path_problems = check_paths(args.paths)
    if args.format == "json":
        print_json(report.render_json(reports, path_problems))
    elif args.format == "github":
        sys.stdout.write(report.render_github(reports, path_problems))
    else:
        sys.stdout.write(report.render_text(reports, path_problems))
    if not reports and not path_problems:
        print("margin-verifier: no rule files found", file=sys.stderr)
        return 2
    if path_problems or any(d.severity == "error" for r in reports for d in r.invalid):
        return 2
    return 1 if any(r.failures for r in reports) else 0
