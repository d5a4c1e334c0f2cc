"""Formatting diagnostics for people (text), programs (json) and GitHub Actions (annotations)."""

from __future__ import annotations

import json
import sys


def github_annotation(d) -> str:
    """One ``::error file=...,line=...,col=...::message`` workflow command."""
    def escape(text, prop=False):
        text = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if prop else text

    message = f"{d.message} (at {d.json_path})" + (f"; hint: {d.hint}" if d.hint else "")
    return (f"::{d.severity} file={escape(d.file, True)},line={d.line},col={d.col},"
            f"title={escape(d.code, True)}::{escape(message)}")


def print_json(payload) -> None:
    json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
