"""The ``margin-verifier`` command: parses arguments, calls one stage, hands the result to a reporter.

Exit codes (documented in docs/cli.md):
  0  everything checked is good
  1  a verification, example or expectation failed
  2  invalid input (rule, tier, scenario or snapshot file) or bad usage
  3  internal error: a bug in margin-verifier (please report it; --debug shows the traceback)

Each verb is one module of this package with ``add_parser(subparsers)`` and ``run(args) -> int``; the verb modules
import their stages inside ``run``, so ``margin-verifier --help`` loads no stage.
"""

from __future__ import annotations

import argparse
import sys

from verifier import __version__
from verifier.cli import check, compare, derive, evaluate, importing, simulate, verify
from verifier.errors import InternalError, VerifierError

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3

VERBS = (check, compare, derive, evaluate, importing, simulate, verify)
"""The verb modules, in the order ``--help`` lists them."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one clear line, exit 2, no traceback
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error[MV001]: {message}\n")
        raise SystemExit(EXIT_INVALID)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="margin-verifier",
                     description="Check, derive, simulate and verify crypto margin rules written as data.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for verb in VERBS:
        verb.add_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_INVALID
    try:
        return args.run(args)
    except InternalError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"margin-verifier: internal error[{exc.code}]: {exc}\n"
              "This is a bug in margin-verifier; run again with --debug for the traceback and report it.",
              file=sys.stderr)
        return EXIT_INTERNAL
    except VerifierError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        if getattr(args, "debug", False):
            raise
        print(f"margin-verifier: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in margin-verifier; run again with --debug for the traceback and report it.",
              file=sys.stderr)
        return EXIT_INTERNAL


def entry_point() -> None:
    sys.exit(main())
