"""The ``margin-verifier`` command: parses arguments, calls one stage, hands the result to a reporter.

Exit codes (docs/reference/cli.md):
  0  everything checked is good
  1  a verification, example or expectation failed
  2  invalid input (rule, tier, scenario or snapshot file) or bad usage
  3  internal error: a bug in margin-verifier (please report it; --debug shows the traceback)

Each verb is one module of this package with ``add_parser(subparsers)`` and ``run(args) -> int``; the verb modules
import their stages inside ``run``, so ``margin-verifier --help`` loads no stage.

The global options (``--debug``, ``--verbose``, ``--version``, ``--color``/``--no-color``, ``--rules DIR``) are accepted before or
after the verb:

>>> args = build_parser().parse_args(["check", "--debug", "--no-color"])
>>> args.debug, args.color
(True, 'never')
>>> build_parser().parse_args(["--debug", "check"]).debug
True
>>> rule_folders(build_parser().parse_args(["--rules", "a", "check", "--rules", "b"]))
['a', 'b']
"""

from __future__ import annotations

import argparse
import sys

from verifier.version import __version__
from verifier.cli import batch, check, compare, derive, evaluate, importing, migrate, rules, simulate, verify
from verifier.errors import InternalError, VerifierError

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3

VERBS = (batch, check, compare, derive, evaluate, importing, migrate, rules, simulate, verify)
"""The verb modules, in the order ``--help`` lists them."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one clear line, exit 2, no traceback
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error[MV001]: {message}\n")
        raise SystemExit(EXIT_INVALID)


class _Version(argparse.Action):
    """``--version``: the toolkit's version and the shipped rules' data date (read only when asked: a scan of the
    rules' text, which ``--help`` and every other run skip)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from verifier.read.rule_sources import rules_root, versions

        found = versions()
        sys.stdout.write(f"margin-verifier {found['marginVerifier']}\n"
                         f"rules {found['rules'] or 'undated'} (shipped: {rules_root()})\n")
        parser.exit()


def add_global_options(parser: argparse.ArgumentParser, *, before_verb: bool) -> None:
    """The options every verb accepts, before or after its name.

    After the verb the defaults are ``SUPPRESS``, so a value given before the verb is not overwritten by the
    sub-parser's default (``--rules`` after the verb is kept apart and added to those before it:
    :func:`rule_folders`).
    """
    def default(value):
        return value if before_verb else argparse.SUPPRESS

    group = parser.add_argument_group("global options (before or after the verb)")
    group.add_argument("--version", action=_Version,
                       help="print the version and the shipped rules' data date (the latest date their data was "
                            "retrieved), and exit")
    group.add_argument("--debug", action="store_true", default=default(False),
                       help="show tracebacks of internal errors")
    group.add_argument("--verbose", action="store_true", default=default(False),
                       help="name every market or place a grouped warning is about (several warnings of one code "
                            "are one line naming the first few)")
    group.add_argument("--color", choices=["auto", "always", "never"], default=default("auto"),
                       help="colour the text output: auto (only on a terminal, and not when NO_COLOR is set), "
                            "always, never (default: auto)")
    group.add_argument("--no-color", dest="color", action="store_const", const="never", default=default("auto"),
                       help="the same as --color never")
    group.add_argument("--rules", dest="rules" if before_verb else "rules_after", action="append",
                       default=default(None), metavar="DIR",
                       help="a folder of your own rules (<exchange>/<product>.yaml, with their market data), "
                            "layered over the shipped rules: a rule id found there wins, the other shipped rules "
                            "stay reachable; repeatable (the first folder wins); default: $MARGIN_VERIFIER_RULES "
                            "(folders separated by ':')")


def rule_folders(args) -> list[str]:
    """The ``--rules`` folders given before and after the verb, in order."""
    return list(getattr(args, "rules", None) or []) + list(getattr(args, "rules_after", None) or [])


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="margin-verifier",
                     description="Check, derive, simulate and verify crypto margin rules written as data.",
                     epilog="Results go to stdout, diagnostics and progress to stderr. Exit codes: 0 all good, "
                            "1 a check or verification failed, 2 invalid input or usage, 3 internal error.")
    add_global_options(parser, before_verb=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for verb in VERBS:
        verb.add_parser(sub)
    for verb_parser in sub.choices.values():
        add_global_options(verb_parser, before_verb=False)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_INVALID
    try:
        from verifier.read.rule_sources import checked_user_folders, versions
        from verifier.report.diagnostics import set_versions

        # a missing folder, or one with no rule (import may start one): MV003, exit 2
        checked_user_folders(rule_folders(args), empty_ok=getattr(args, "writes_rules", False))
        set_versions(versions)  # every JSON output says which toolkit and rules produced it
        return args.run(args)
    except InternalError as exc:
        return _internal_error(args, f"internal error[{exc.code}]: {exc}")
    except VerifierError as exc:
        from verifier.cli.output import print_error

        print_error(exc, args)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        return _internal_error(args, f"internal error: {type(exc).__name__}: {exc}")


def _internal_error(args, what: str) -> int:
    """Exit 3 with a bug report's first line; with --debug, the traceback instead (re-raised from the handler)."""
    if getattr(args, "debug", False):
        raise  # noqa: PLE0704 - called only from an except block of main, where the exception is being handled
    print(f"margin-verifier: {what}\n"
          "This is a bug in margin-verifier; run again with --debug for the traceback and report it.", file=sys.stderr)
    return EXIT_INTERNAL


def entry_point() -> None:
    sys.exit(main())
