"""``margin-verifier check [PATH...]``: validate rule, market-catalog and scenario files and run their examples."""

from __future__ import annotations

import sys

from verifier.cli.output import print_json, write_diagnostics

FORMATS = ("text", "json", "github", "junit")


def add_parser(sub) -> None:
    parser = sub.add_parser("check", help="validate rule, market-catalog and scenario files and run their worked "
                                          "examples",
                            description="Validate rule, market-catalog and scenario files (schema, formulas, units, "
                                        "references, tier tables) and run their worked examples.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files, folders or rule ids to check (default: the rules in force: your --rules "
                             "folders, then the shipped rules)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text): text writes diagnostics to stderr and a summary to "
                             "stdout; json, github (workflow annotations) and junit (XML) write one document "
                             "to stdout")
    parser.add_argument("--dependents", action="store_true",
                        help="also check every rule and scenario under rules/ and scenarios/ that reads one of the "
                             "files given, directly or through another (a rule reads its market catalog, a "
                             "scenario its rule): the pre-commit hook uses it, so that editing only a catalog's tier "
                             "table checks the rules that use it")
    parser.add_argument("--watch", action="store_true",
                        help="check, then check again every time one of the files (or a file they read, such as a "
                             "market catalog's shard) is saved; Ctrl-C stops")
    parser.set_defaults(run=run)


def run(args) -> int:
    from verifier.verify.check_cache import check_paths_cached  # unchanged files: no SymPy, no schema

    from verifier.read.rule_sources import paths_or_ids

    given = paths_or_ids(args.paths)
    paths = given + (with_dependents(given) if args.dependents else [])
    if args.watch:
        from verifier.cli.watch import watch

        return watch(paths, args, report)
    reports, path_problems = check_paths_cached(paths)
    return report(reports, path_problems, args)


def with_dependents(paths) -> list[str]:
    """The rules and scenarios that read one of ``paths`` (files, or the files under folders): in the user's rule
    folders, ``rules/`` and ``scenarios/`` here, and the shipped rules when a shipped file is among ``paths``."""
    from verifier.read import expand_paths
    from verifier.read.dependencies import dependents
    from verifier.read.rule_sources import dependent_roots

    files, _ = expand_paths(paths)
    return [str(p) for p in dependents(files, dependent_roots(files))]


def report(reports, path_problems, args) -> int:
    """Write the run's result in ``args.format``; the exit code."""
    from verifier.report import check as reporter

    if args.format == "json":
        print_json(reporter.render_json(reports, path_problems))
    elif args.format == "github":
        sys.stdout.write(reporter.render_github(reports, path_problems))
    elif args.format == "junit":
        sys.stdout.write(reporter.render_junit(reports, path_problems))
    else:
        write_diagnostics(reporter.diagnostics(reports, path_problems), args)
        sys.stdout.write(reporter.render_summary(reports, path_problems))
    if not reports and not path_problems:
        print("margin-verifier: no rule files found", file=sys.stderr)
        return 2
    if path_problems or any(d.severity == "error" for r in reports for d in r.invalid):
        return 2
    return 1 if any(r.failures for r in reports) else 0
