"""The command-line reference, generated from the ``margin-verifier`` argument parser.

The command line's own MkDocs plugin (:mod:`verifier.cli.reference`) passes its parser in: the docs stage renders
the page and never imports the command line.
"""

from __future__ import annotations

import argparse
import os

from verifier.docs.layout import CLI, Page
from verifier.docs.markup import md_cell, md_table

EXIT_CODES = ("Exit codes: **0** all good; **1** a worked example or verification failed; **2** invalid input or "
              "usage; **3** internal error (a bug; `--debug` shows the traceback).")

CONVENTIONS = [
    "## Conventions every verb follows", "",
    "- **`--format`** on every verb: `text` (the default, for people) and `json` everywhere; `check` and `verify` "
    "also write `github` (workflow annotations) and `junit` (JUnit XML); `derive` writes `latex`, `simulate` "
    "`markdown`. `evaluate --json` is kept as another spelling of `--format json`.",
    "- **stdout is the result, and only the result**: the summary or table in text, or one whole document in a "
    "machine format, so it can be redirected to a file and parsed. In a machine format the diagnostics are inside "
    "that document (for `check` they are the result).",
    "- **stderr is for the person at the terminal**: in text, every `file:line:col: error[CODE]: ...` diagnostic; "
    "progress; usage errors; internal errors. Several warnings of one code are one line: their count, what they "
    "say, and what each is about (a market, a place in a file), the first eight named (`--verbose`: all).",
    "- **Global options** go before or after the verb: `--version`, `--debug` (tracebacks of internal errors), "
    "`--verbose` (grouped warnings name everything they are about), `--color auto|always|never` and `--no-color`.",
    "- **Colour** only in text written to a terminal: never in a file or a pipe, never when the `NO_COLOR` "
    "environment variable is set (to anything) or `TERM=dumb`, unless `--color always`.",
    "- `check` keeps the result of each file it checked; checking an unchanged file again (nor anything it reads "
    "changed) answers from that result without loading SymPy. `check --watch` checks again on every save; "
    "`check --dependents` also checks the rules and scenarios that read the files given. "
    "`MARGIN_VERIFIER_NO_CACHE=1` turns every cache off; `MARGIN_VERIFIER_CACHE` moves it.", ""]


def _help(parser) -> str:
    """The parser's help at a fixed width (100 columns), whatever the terminal building the site."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        return parser.format_help().rstrip()
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def _arguments_table(sub) -> list:
    rows = []
    for a in sub._actions:  # argparse has no public accessor for a parser's arguments
        if isinstance(a, argparse._HelpAction):
            continue
        names = ", ".join(a.option_strings) or a.metavar or a.dest
        default = "" if a.default in (None, argparse.SUPPRESS) or a.default is False else a.default
        choices = f" (one of {', '.join(map(str, a.choices))})" if a.choices else ""
        rows.append([f"`{md_cell(names)}`", md_cell(default), md_cell((a.help or "") + choices)])
    return md_table(["argument", "default", "help"], rows) + [""] if rows else []


def _verbs(parser) -> dict:
    """Verb name -> its sub-parser."""
    for action in parser._actions:  # argparse has no public accessor for sub-commands
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_page(parser) -> Page:
    lines = ["# Command-line reference", "",
             "Generated from the `margin-verifier` command's own argument parser when this site is built.", "",
             EXIT_CODES, ""] + CONVENTIONS + ["## margin-verifier", "", "```text", _help(parser), "```", ""]
    for name, sub in _verbs(parser).items():
        lines += [f"## margin-verifier {name}", "", md_cell(sub.description or ""), "", "```text", _help(sub), "```",
                  ""] + _arguments_table(sub)
    return Page(CLI, "\n".join(lines))
