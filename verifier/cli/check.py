"""``margin-verifier check [PATH...]``: validate rule, market-catalog and scenario files and run their examples."""

from __future__ import annotations

import sys

from verifier.cli.output import github_annotation, print_json


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
    from verifier.verify import check_paths

    results, path_problems = check_paths(args.paths)
    diagnostics = path_problems + [d for r in results for d in r.diagnostics]
    errors = [d for d in diagnostics if d.severity == "error"]  # warnings never change the exit code
    invalid = any(not d.code.startswith("MV5") for d in errors)
    failed = any(d.code.startswith("MV5") for d in errors)
    warnings = len(diagnostics) - len(errors)
    proved = sum(r.published_proved for r in results)
    published = sum(r.published_total for r in results)
    checked = sum(r.examples_checked for r in results)
    pending = sum(r.examples_pending for r in results)
    failures = sum(1 for d in diagnostics if d.code == "MV500")
    if args.format == "json":
        print_json({
            "files": [{"file": r.file, "kind": r.kind, "ok": r.ok, "rule": getattr(r.rule, "id", None),
                       "examples": {"checked": r.examples_checked, "pending": r.examples_pending},
                       "published": {"proved": r.published_proved, "total": r.published_total},
                       "diagnostics": [d.to_json() for d in r.diagnostics]} for r in results],
            "pathErrors": [d.to_json() for d in path_problems],
            "summary": {"files": len(results), "problems": len(diagnostics), "examplesChecked": checked,
                        "examplesFailed": failures, "examplesPending": pending,
                        "warnings": warnings, "publishedProved": proved, "publishedFormulas": published},
        })
    elif args.format == "github":
        for d in diagnostics:
            print(github_annotation(d))
    else:
        for d in diagnostics:
            print(d.render())
        kinds = {}
        for r in results:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        labels = {"rule": "rule", "catalog": "catalog header", "markets": "catalog shard", "scenario": "scenario",
                  "unknown": "unreadable file"}
        what = ", ".join(f"{n} {labels.get(k, k)}{'' if n == 1 else 's'}" for k, n in sorted(kinds.items()))
        line = f"checked {len(results)} file{'s' if len(results) != 1 else ''}"
        line += f" ({what})" if what else ""
        line += f": {len(errors)} problem{'s' if len(errors) != 1 else ''}"
        line += f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
        line += f"; {checked - failures} of {checked} example values match"
        if pending:
            line += f", {pending} awaiting the derive stage"
        line += f"; {proved} of {published} published formulas proved"
        print(line)
    if not results and not path_problems:
        print("margin-verifier: no rule files found", file=sys.stderr)
        return 2
    return 2 if invalid else (1 if failed else 0)
