"""Where a problem is in the files an account was read from: a :class:`~verifier.model.account.Locator` over
several files (a ``fetch_positions()`` dump and its ``fetch_balance()`` dump), lines found only when needed.

A ccxt export of thousands of positions is read with Python's ``json`` (fast, no positions); only when a problem
must be reported are its lines and columns found (:class:`~verifier.read.inputs.Document` lays the text out then).
A :class:`~verifier.model.account.Place` read this way is ``(tag, *path)``: the tag names the file (``positions``,
``balance``), the path is its JSON path.

>>> from verifier.read.inputs import json_document
>>> files = FilesLocator({"positions": Located(json_document('[\\n {"side": "up"}\\n]', "export.json"))})
>>> files.diagnostic("MV601", "unknown side", Place(("positions", 0, "side"))).render()
'export.json:2:11: error[MV601]: unknown side (at $[0].side)'
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.errors import Diagnostic
from verifier.model.account import Place
from verifier.read.inputs import Document


@dataclass(frozen=True)
class Located:
    """One part of a read file: its document and the path of the part inside it (``("balance",)`` for the balance
    of a combined export).  A line of a JSON-lines file is a document of its own, its lines counted from that line."""

    document: Document
    prefix: tuple = ()

    @property
    def file(self) -> str:
        return self.document.file

    def diagnostic(self, code, message, path=(), hint=None) -> Diagnostic:
        return self.document.diagnostic(code, message, self.prefix + tuple(path), hint=hint)


@dataclass(frozen=True)
class FilesLocator:
    """Places tagged by file -> located diagnostics."""

    files: dict  # tag -> Located

    def diagnostic(self, code, message, place, hint=None) -> Diagnostic:
        key = place.key or ("positions",)
        located = self.files.get(key[0]) or self.files["positions"]
        path = key[1:] if key[0] in self.files else key
        return located.diagnostic(code, message, path, hint)

    def at(self, tag: str, *path) -> Place:
        return Place((tag, *path))
