"""What every part of reading a rule shares: the document, the problems found so far, and the located checks.

Reading a rule collects problems instead of raising the first one (the author sees every mistake in one run);
:class:`RuleContext` is where they are collected, each placed at its line and column.

>>> from verifier.read._yaml import read_document
>>> ctx = RuleContext(read_document("sources: {doc: {retrieved: 2026-13-01}}\\n", "r.yaml"))
>>> ctx.date("2026-13-01", ("sources", "doc", "retrieved")) is None
True
>>> ctx.problems[0].render()
"r.yaml:1:28: error[MV402]: '2026-13-01' is not a calendar date (at $.sources.doc.retrieved); hint: write dates as YYYY-MM-DD"
"""

from __future__ import annotations

import datetime as _dt
import difflib

from verifier.errors import Diagnostic, FormulaError
from verifier.formula import Unit, UnitSyntaxError, parse_unit
from verifier.read._jsonpath import json_path
from verifier.read._yaml import Document


TIER_BASIS = "<tier basis>"
"""The name :attr:`RuleContext.broken` holds when the tier basis could not be read (its rows cannot be picked)."""

MARKET_CATALOG = "<market catalog>"
"""The name :attr:`RuleContext.broken` holds when the rule's market catalog could not be read (its problems are
reported in the catalog's files, or at ``markets.catalog`` when the folder is missing)."""


class RuleContext:
    """Collects diagnostics while a rule is read, and knows how to place a path of the document in the file.

    ``sources``, ``units`` and ``product`` are filled in as soon as they are read (later parts check against them).
    ``broken`` holds the names of definitions and conditions whose own problem was reported: what uses them says
    nothing more about them (one root diagnostic per mistake).
    """

    def __init__(self, doc: Document):
        self.doc = doc
        self.problems: list[Diagnostic] = []
        self.sources: dict = {}
        self.units: dict = {}
        self.product = None  # the rule's Product, once read
        self._reported: set = set()
        self.broken: set = set()

    def error(self, code: str, message: str, path, hint: str | None = None, at_key: bool = False) -> None:
        """Record a problem at ``path`` (at its key with ``at_key``, e.g. for a name declared twice)."""
        self.problems.append(self.doc.diagnostic(code, message, path, hint=hint, at_key=at_key))

    def formula_error(self, exc: FormulaError, path) -> None:
        """Record a formula's problem at its column inside the formula text, with the code the parser gave it."""
        line, col = self.doc.formula_position(path, exc.col)
        self.problems.append(Diagnostic(exc.code, str(exc), file=self.doc.file, line=line, col=col,
                                        json_path=json_path(path), hint=exc.hint))

    def once(self, key) -> bool:
        """True the first time ``key`` is seen: a global definition is read once per mode but reported once."""
        if key in self._reported:
            return False
        self._reported.add(key)
        return True

    @staticmethod
    def suggest(name: str, known) -> str | None:
        """'did you mean ...?' when a known name is close to ``name``."""
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
        return f"did you mean {close[0]!r}?" if close else None

    def check_source(self, ref: str | None, path) -> None:
        """A ``source:`` must name an entry under ``sources``."""
        if ref is not None and ref not in self.sources:
            self.error("MV400", f"unknown source {ref!r}", path,
                       hint=self.suggest(ref, self.sources) or "add it under 'sources' with title, url and retrieved")

    def unit_of(self, text: str, path) -> Unit | None:
        """The unit ``text`` names, if it can be read and every dimension is declared (else reported, None)."""
        try:
            unit = parse_unit(text)
        except UnitSyntaxError as exc:
            self.error(exc.code, str(exc), path)
            return None
        for dim in unit.dimensions:
            if dim not in self.units:
                self.error("MV301", f"unknown unit {dim!r}", path,
                           hint=self.suggest(dim, self.units) or "declare it under 'units' or use base, quote, contract, 1")
                return None
        return unit

    def date(self, text, path, at_key: bool = False) -> _dt.date | None:
        """The calendar date ``text`` names (YYYY-MM-DD), else reported and None."""
        try:
            return _dt.date.fromisoformat(str(text))
        except ValueError:
            self.error("MV402", f"{text!r} is not a calendar date", path, hint="write dates as YYYY-MM-DD",
                       at_key=at_key)
            return None
