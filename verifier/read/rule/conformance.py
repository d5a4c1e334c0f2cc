"""The rule's ``conformance:`` section -> :class:`~verifier.model.conformance.Conformance`, with the checks the
schema cannot make: each case cites a listed source that says where its data comes from (``provenance``), its
dates are real, its export (and balance dump) exist beside the rule, a tolerance says why, and a rule without
cases says why there are none.

The export files are read when the case is run (:mod:`verifier.verify.conformance`), by the reader ``evaluate``
uses; here only their existence is checked, so a rule loads as fast with cases as without.

>>> from verifier.read._yaml import read_file
>>> from verifier.read.rule.build import build_rule
>>> rule, _ = build_rule(read_file("rules/okx/inverse-swap.yaml"))
>>> [(case.date.isoformat(), case.tolerance.describe()) for case in rule.conformance.cases]
[('2026-11-28', '2 ticks'), ('2026-11-28', 'exact')]
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from verifier.model.conformance import Conformance, ConformanceCase, Refusal, Tolerance
from verifier.read.paths import is_file
from verifier.read.rule.context import RuleContext


def read_conformance(ctx: RuleContext, data: dict, folder: Path) -> Conformance | None:
    """The section's cases (None when the rule has no ``conformance:`` section)."""
    section = data.get("conformance")
    if section is None:
        return None
    note = _words(section.get("note"))
    if not section["cases"] and not note:
        ctx.error("MV495", "a rule without conformance cases says why in 'note'", ("conformance",),
                  hint="e.g. the exchange's API returns no liquidation price, or no response has been recorded")
    cases = []
    for index, raw in enumerate(section["cases"]):
        case = _case(ctx, raw, index, folder)
        if case is not None:
            cases.append(case)
    return Conformance(tuple(cases), note)


def _case(ctx: RuleContext, raw: dict, index: int, folder: Path) -> ConformanceCase | None:
    where = ("conformance", "cases", index)
    source = ctx.sources.get(raw["source"])
    ctx.check_source(raw["source"], where + ("source",))
    if source is not None and not getattr(source, "provenance", None):
        ctx.error("MV495", f"source {raw['source']!r} of a conformance case does not say where its data comes from",
                  where + ("source",), hint="give the source a 'provenance' (exchange-api for a recorded response)")
    recorded = ctx.date(raw["recorded"], where + ("recorded",))
    date = ctx.date(raw["date"], where + ("date",))
    file = _file(ctx, folder, raw["file"], where + ("file",))
    balance = _file(ctx, folder, raw["balance"], where + ("balance",)) if "balance" in raw else None
    tolerance = _tolerance(raw.get("tolerance"))
    if None in (recorded, date, file) or ("balance" in raw and balance is None):
        return None
    return ConformanceCase(
        name=raw["name"], source=raw["source"], entry=_words(raw["entry"]), recorded=recorded, date=date,
        file=file, file_text=raw["file"], balance=balance, margin_mode=raw.get("margin_mode"), tolerance=tolerance,
        disagreement=_words(raw.get("disagreement")), note=_words(raw.get("note")), index=index,
        refused=Refusal(raw["refused"]["code"], raw["refused"]["missing"], _words(raw["refused"]["reason"]))
        if "refused" in raw else None)


def _file(ctx: RuleContext, folder: Path, text: str, where) -> str | None:
    """The path of a file the case names, relative to the rule's folder; it must exist."""
    path = folder / text
    if Path(text).is_absolute() or not is_file(path):
        ctx.error("MV495", f"conformance file {text!r} does not exist (paths are relative to the rule's folder)",
                  where, hint=f"put the recorded export in {folder / 'conformance'} and write conformance/<name>.json")
        return None
    return str(path)


def _tolerance(raw) -> Tolerance:
    """The schema makes a tolerance give ``ticks`` or ``relative`` (or both) and a ``reason``."""
    if raw is None:
        return Tolerance()
    ticks = Fraction(str(raw["ticks"])) if "ticks" in raw else None
    relative = Fraction(str(raw["relative"])) if "relative" in raw else None
    return Tolerance(ticks, relative, _words(raw["reason"]))


def _words(text):
    return " ".join(str(text).split()) if text is not None else None
