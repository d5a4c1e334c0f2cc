"""Writing a reporter's output to stdout (the formats themselves live in :mod:`verifier.report`)."""

from __future__ import annotations

import sys

from verifier.report.diagnostics import github_annotation, json_text

__all__ = ["github_annotation", "print_json"]


def print_json(payload) -> None:
    sys.stdout.write(json_text(payload))
