"""``margin-verifier verify [PATH...] [--profile dev|ci|thorough] [--format text|json|github|junit] [--jobs N]``.

Runs, for every rule file: check, the worked examples, the published-formula proofs and every applicable
property of :mod:`verifier.verify.properties`; prints a rule x property summary.  Exit 0 all good, 1 a failure,
2 invalid input.
"""

from __future__ import annotations

import sys
import time

from verifier.cli.output import color_enabled, print_json, write_diagnostics

FORMATS = ("text", "json", "github", "junit")


def add_parser(sub) -> None:
    parser = sub.add_parser("verify", help="check, prove and property-test rules (the full verification)",
                            description="Check rule files, run their worked examples, prove their published "
                                        "formulas and test every applicable property with Hypothesis.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="rule files, folders or rule ids (default: the rules in force: your --rules folders, "
                             "then the shipped rules)")
    parser.add_argument("--profile", choices=["dev", "ci", "thorough"], default="ci",
                        help="Hypothesis profile: dev (quick), ci (deterministic, the default), thorough (long)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text): text writes diagnostics to stderr and the rule x "
                             "property table to stdout; json, github and junit write one document to stdout")
    parser.add_argument("--property", action="append", dest="only", metavar="NAME",
                        help="run only this property (repeatable); checks, examples and proofs always run")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="rule files verified at once, in worker processes (default: the number of CPUs); "
                             "the output is the same for any N")
    parser.set_defaults(run=run)


def run(args) -> int:
    from verifier.read.rule_sources import paths_or_ids
    from verifier.report import verify as report
    from verifier.verify.properties import properties
    from verifier.verify.runner import verify_paths

    known = {p.name for p in properties()}
    unknown = sorted(set(args.only or ()) - known)
    if unknown:
        print(f"margin-verifier verify: error[MV001]: unknown property {unknown[0]!r}; known: "
              f"{', '.join(sorted(known))}", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        print(f"margin-verifier verify: error[MV001]: --jobs must be at least 1, not {args.jobs}", file=sys.stderr)
        return 2
    tty = sys.stderr.isatty()

    def progress(text):
        sys.stderr.write("\r\033[K" + text[:100])
        sys.stderr.flush()

    start = time.perf_counter()
    reports, problems = verify_paths(paths_or_ids(args.paths), profile=args.profile, only=args.only,
                                     progress=progress if tty else None, jobs=args.jobs)
    if tty:
        sys.stderr.write("\r\033[K")
    elapsed = time.perf_counter() - start
    if args.format == "text":
        write_diagnostics(report.diagnostics(reports, problems), args)
        sys.stdout.write(report.render_text(reports, problems, elapsed, args.profile, with_diagnostics=False,
                                            color=color_enabled(sys.stdout, args)))
    else:
        render = {"json": report.render_json, "github": report.render_github, "junit": report.render_junit}
        output = render[args.format](reports, problems, elapsed, args.profile)
        if args.format == "json":
            print_json(output)
        else:
            sys.stdout.write(output)
    if not reports and not problems:
        print("margin-verifier: no rule files found", file=sys.stderr)
        return 2
    if problems or any(r.invalid for r in reports):
        return 2
    return 1 if any(r.failed for r in reports) else 0
