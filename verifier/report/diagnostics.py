"""Diagnostics for people (one line each), programs (JSON) and GitHub Actions (workflow annotations).

>>> from verifier.errors import Diagnostic
>>> d = Diagnostic("MV201", "unknown key 'titel'", file="r.yaml", line=3, col=1, json_path="$.titel")
>>> github_annotation(d)
"::error file=r.yaml,line=3,col=1,title=MV201::unknown key 'titel' (at $.titel)"
"""

from __future__ import annotations

import json


def github_annotation(d) -> str:
    """One ``::error file=...,line=...,col=...::message`` workflow command."""
    def escape(text, prop=False):
        text = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if prop else text

    message = f"{d.message} (at {d.json_path})" + (f"; hint: {d.hint}" if d.hint else "")
    return (f"::{d.severity} file={escape(d.file, True)},line={d.line},col={d.col},"
            f"title={escape(d.code, True)}::{escape(message)}")


def json_text(payload) -> str:
    """JSON as every verb prints it: indented, UTF-8 kept, one trailing newline."""
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
