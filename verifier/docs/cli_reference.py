"""The command-line reference, generated from the ``margin-verifier`` argument parser.

The plugin passes the parser in (:func:`verifier.cli.main.build_parser`): this page is the one place the docs stage
reads the CLI, and nothing imports docs.
"""

from __future__ import annotations

import argparse
import os

from verifier.docs.layout import CLI, Page
from verifier.docs.markup import md_cell, md_table

EXIT_CODES = ("Exit codes: **0** all good; **1** a worked example or verification failed; **2** invalid input or "
              "usage; **3** internal error (a bug; `--debug` shows the traceback).")


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
             EXIT_CODES, "", "## margin-verifier", "", "```text", _help(parser), "```", ""]
    for name, sub in _verbs(parser).items():
        lines += [f"## margin-verifier {name}", "", md_cell(sub.description or ""), "", "```text", _help(sub), "```",
                  ""] + _arguments_table(sub)
    return Page(CLI, "\n".join(lines))
