"""Where a verb's output goes, and whether it is coloured (the formats themselves live in :mod:`verifier.report`).

The convention every verb follows (docs/reference/cli.md, "Output"):

* **stdout** carries the verb's result and nothing else: the text summary or table, or one whole document in the
  machine format asked for with ``--format`` (json, github, junit, markdown, latex).  In a machine format the
  diagnostics are part of that document (they *are* the result of ``check``), so stdout can be redirected to a
  file and parsed.
* **stderr** carries what is for the person at the terminal: in text format every ``file:line:col: error[CODE]``
  diagnostic, progress, "no files found", usage and internal errors.  Several warnings of one code are one line
  with their count and what each is about (the first few; all of them with the global option ``--verbose``):
  :func:`verifier.report.diagnostics.diagnostic_lines`, the one place every verb's diagnostics are written from.
* Colour only in text written to a terminal: never in a file or a pipe, never when ``NO_COLOR`` is set (any
  non-empty value) or ``TERM=dumb``, unless ``--color always``; never with ``--no-color``.

>>> import io
>>> class Args: color = "auto"
>>> color_enabled(io.StringIO(), Args())
False
"""

from __future__ import annotations

import os
import sys

from verifier.report.diagnostics import diagnostic_lines, github_annotation, json_text

__all__ = ["color_enabled", "github_annotation", "print_error", "print_json", "write_diagnostics"]


def color_enabled(stream, args) -> bool:
    """Whether text written to ``stream`` is coloured, by ``--color``/``--no-color``, NO_COLOR, TERM and TTY."""
    choice = getattr(args, "color", "auto")
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def write_diagnostics(diagnostics, args) -> None:
    """People's diagnostics on stderr: one line each, several warnings of one code as one line (``--verbose``: that
    line names every one of them)."""
    lines = diagnostic_lines(diagnostics, color_enabled(sys.stderr, args), getattr(args, "verbose", False))
    sys.stderr.write("".join(line + "\n" for line in lines))


def print_error(exc, args) -> None:
    """A :class:`~verifier.errors.VerifierError` on stderr: its located diagnostics, else its message."""
    if exc.diagnostics:
        write_diagnostics(exc.diagnostics, args)
    else:
        print(exc.render(), file=sys.stderr)


def print_json(payload) -> None:
    sys.stdout.write(json_text(payload))
