"""Diagnostics for people (one line each, optionally coloured), programs (JSON) and GitHub Actions (annotations).

>>> from verifier.errors import Diagnostic
>>> d = Diagnostic("MV201", "unknown key 'titel'", file="r.yaml", line=3, col=1, json_path="$.titel")
>>> github_annotation(d)
"::error file=r.yaml,line=3,col=1,title=MV201::unknown key 'titel' (at $.titel)"
>>> diagnostic_text(d) == d.render()
True
>>> diagnostic_text(d, color=True)
"\\x1b[1mr.yaml:3:1:\\x1b[0m \\x1b[1;31merror[MV201]\\x1b[0m: unknown key 'titel' \\x1b[2m(at $.titel)\\x1b[0m"
"""

from __future__ import annotations

import json

SEVERITY_COLORS = {"error": "1;31", "warning": "1;33"}
"""ANSI SGR codes: bold red errors, bold yellow warnings."""


def paint(text: str, sgr: str, color: bool) -> str:
    """``text`` wrapped in the ANSI colour ``sgr`` when ``color`` is on."""
    return f"\033[{sgr}m{text}\033[0m" if color else text


def diagnostic_text(d, color: bool = False) -> str:
    """The one-line form of :meth:`~verifier.errors.Diagnostic.render`, coloured for a terminal when asked."""
    if not color:
        return d.render()
    text = (f"{paint(f'{d.file}:{d.line}:{d.col}:', '1', True)} "
            f"{paint(f'{d.severity}[{d.code}]', SEVERITY_COLORS.get(d.severity, '1'), True)}: {d.message} "
            f"{paint(f'(at {d.json_path})', '2', True)}")
    if d.hint:
        text += f"; {paint('hint:', '36', True)} {d.hint}"
    return text


def github_annotation(d) -> str:
    """One ``::error file=...,line=...,col=...::message`` workflow command."""
    def escape(text, prop=False):
        text = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if prop else text

    message = f"{d.message} (at {d.json_path})" + (f"; hint: {d.hint}" if d.hint else "")
    return (f"::{d.severity} file={escape(d.file, True)},line={d.line},col={d.col},"
            f"title={escape(d.code, True)}::{escape(message)}")


_VERSIONS = None
"""Where the versions every JSON output carries come from (a callable giving a dict), set by the command line."""


def set_versions(source) -> None:
    """Say what produced this process's results: ``source()`` gives the toolkit's version and the rules' data dates
    (the command line passes :func:`verifier.read.rule_sources.versions`; asked only when JSON is written)."""
    global _VERSIONS
    _VERSIONS = source


def with_versions(payload):
    """A JSON document with what produced it, ``versions``, when a source of them is set (:func:`set_versions`),
    so that a result can be traced to its rules.

    >>> set_versions(lambda: {"marginVerifier": "0.1.0", "rules": "2026-12-07"})
    >>> with_versions({"ok": True})["versions"]["rules"]
    '2026-12-07'
    >>> set_versions(None)
    """
    if _VERSIONS is None or not isinstance(payload, dict):
        return payload
    return {**payload, "versions": _VERSIONS()}


def json_text(payload) -> str:
    """JSON as every verb prints it: indented, UTF-8 kept, one trailing newline, with :func:`with_versions`."""
    return json.dumps(with_versions(payload), indent=2, ensure_ascii=False) + "\n"
