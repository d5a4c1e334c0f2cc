"""Where a problem is in the files an account was read from: a :class:`~verifier.model.account.Locator` over
several files (a ``fetch_positions()`` dump and its ``fetch_balance()`` dump), lines found only when needed.

A ccxt export of thousands of positions is read with Python's ``json`` (fast, no positions); only when a problem
must be reported is the file parsed again for lines and columns.  A :class:`~verifier.model.account.Place` read
this way is ``(tag, *path)``: the tag names the file (``positions``, ``balance``), the path is its JSON path.

>>> files = FilesLocator({"positions": Located("export.json", '[\\n {"side": "up"}\\n]')})
>>> files.diagnostic("MV601", "unknown side", Place(("positions", 0, "side"))).render()
'export.json:2:11: error[MV601]: unknown side (at $[0].side)'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verifier.errors import Diagnostic
from verifier.model.account import Place
from verifier.read._jsonpath import json_path
from verifier.read._yaml import DocumentError, read_document


@dataclass
class Located:
    """One file's text (None: unknown), its lines parsed the first time a problem needs them.

    ``line``: for a JSON-lines file, the line this account is on (its JSON path is within that line); ``prefix``:
    the path of this part inside the file (``("balance",)`` for a balance inside a combined export).
    """

    file: str
    text: str | None = None
    line: int | None = None
    prefix: tuple = ()
    _doc: object = field(default=None, repr=False)

    def diagnostic(self, code, message, path=(), hint=None) -> Diagnostic:
        path = self.prefix + tuple(path)
        if self.line is not None:
            return Diagnostic(code, message, file=self.file, line=self.line, col=1, json_path=json_path(path),
                              hint=hint)
        doc = self._document()
        if doc is not None:
            return doc.diagnostic(code, message, path, hint=hint)
        return Diagnostic(code, message, file=self.file, json_path=json_path(path), hint=hint)

    def _document(self):
        if self._doc is None and self.text is not None:
            try:
                self._doc = read_document(self.text, self.file)
            except DocumentError:  # too large to position: the JSON path still says where
                self._doc = False
        return self._doc or None


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
