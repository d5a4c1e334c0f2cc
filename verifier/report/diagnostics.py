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

import contextlib

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
    label = paint(f"{d.severity}[{d.code}]", SEVERITY_COLORS.get(d.severity, "1"), True)
    if d.file is None:
        text = f"{label}: {d.message}"
    else:
        text = (f"{paint(f'{d.file}:{d.line}:{d.col}:', '1', True)} {label}: {d.message} "
                f"{paint(f'(at {d.json_path})', '2', True)}")
    if d.hint:
        text += f"; {paint('hint:', '36', True)} {d.hint}"
    return text


NAMED = 8
"""How many subjects a grouped warning line names (``--verbose``: all of them)."""


def diagnostic_lines(diagnostics, color: bool = False, verbose: bool = False) -> list[str]:
    """Every diagnostic for a person, one line each, except warnings: several of one code (and summary) are one
    line, where the first of them was: their count, their ``summary`` (a plural noun phrase: "markets whose data
    ..."), and what each is about (the first :data:`NAMED` subjects; ``verbose``: every one).  Errors stay one line
    each: each must be fixed where it is.

    >>> from verifier.errors import Diagnostic
    >>> stale = [Diagnostic("MV609", f"the tiers of {s} are old", file=None, severity="warning", subject=s,
    ...                     summary="markets whose data are older than the rule allows", hint="import them again")
    ...          for s in ("BTC", "ETH", "SOL")]
    >>> for line in diagnostic_lines(stale + [Diagnostic("MV100", "no such file", file="x")]):
    ...     print(line)
    warning[MV609]: 3 markets whose data are older than the rule allows: BTC, ETH, SOL; hint: import them again
    x:0:0: error[MV100]: no such file (at $)
    >>> diagnostic_lines(stale[:1]) == [stale[0].render()]
    True
    """
    groups: dict = {}
    for d in diagnostics:
        key = (d.code, d.summary) if d.severity == "warning" and d.summary and d.subject else id(d)
        groups.setdefault(key, []).append(d)
    lines = []
    for members in groups.values():
        if len(members) == 1:
            lines.append(diagnostic_text(members[0], color))
        else:
            lines.append(_group_text(members, color, verbose))
    return lines


def _group_text(members, color: bool, verbose: bool) -> str:
    first = members[0]
    subjects = list(dict.fromkeys(d.subject for d in members))
    shown = subjects if verbose or len(subjects) <= NAMED else subjects[:NAMED]
    named = ", ".join(shown)
    if len(shown) < len(subjects):
        named += f" and {len(subjects) - len(shown)} more (--verbose names them all)"
    label = f"{first.severity}[{first.code}]"
    text = f"{paint(label, SEVERITY_COLORS.get(first.severity, '1'), color)}: {len(subjects)} {first.summary}: {named}"
    hints = {d.hint for d in members}
    if len(hints) == 1 and first.hint:
        text += f"; {paint('hint:', '36', color)} {first.hint}"
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


@contextlib.contextmanager
def versions_held():
    """The versions asked once and given to every JSON document written meanwhile (a JSON-lines run writes a
    document a line: its rules folders are read for their data dates once, not once a line).

    >>> calls = []
    >>> set_versions(lambda: calls.append(1) or {"rules": "2026-12-07"})
    >>> with versions_held():
    ...     [with_versions({})["versions"]["rules"] for _ in range(3)]
    ['2026-12-07', '2026-12-07', '2026-12-07']
    >>> len(calls)
    1
    >>> set_versions(None)
    """
    global _VERSIONS
    source = _VERSIONS
    if source is None:
        yield
        return
    held = source()
    _VERSIONS = lambda: held  # noqa: E731 - the same answer each time
    try:
        yield
    finally:
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
