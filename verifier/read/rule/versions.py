"""Dated versions of definitions and published formulas: when each is in force, and the formula regimes they cut
the timeline into (:class:`~verifier.model.regimes.Regime`).

A definition either has one ``formula`` (in force on every date) or ``versions``, each ``{since, until?, formula,
source, note?}``: ``since`` a date or ``open`` (the first version only: in force as far back as the rule
answers), ``until`` an exclusive end that leaves a gap before the next version (dates the rule does not know the
formula of); versions are in increasing order and the last has no ``until``.  A published entry may carry
``since``/``until`` too (several entries with disjoint intervals are versions of one published formula).

>>> from verifier.read._yaml import read_document
>>> doc = read_document("definitions:\\n  mm:\\n    versions:\\n      - {since: open, until: 2023-03-28, formula: a, "
...                     "source: s}\\n      - {since: 2024-10-10, formula: b, source: s}\\n", "r.yaml")
>>> from verifier.read.rule.context import RuleContext
>>> ctx = RuleContext(doc)
>>> [(str(a), str(b)) for a, b in regimes(ctx, doc.data)]
[('None', '2023-03-28'), ('2023-03-28', '2024-10-10'), ('2024-10-10', 'None')]
>>> pick(ctx, doc.data["definitions"]["mm"], ("definitions", "mm"), None)[0]["formula"]
'a'
>>> pick(ctx, doc.data["definitions"]["mm"], ("definitions", "mm"), _dt.date(2023, 3, 28)) is None
True
"""

from __future__ import annotations

import datetime as _dt

from verifier.model.rule import DefinitionVersion
from verifier.read.rule.context import RuleContext

OPEN = "open"


def read_interval(ctx: RuleContext, spec: dict, path: tuple, *, first: bool) -> tuple | None:
    """(since, until) of a version or published entry (None at an open end); None when a date cannot be read."""
    since = until = None
    if "since" in spec and spec["since"] != OPEN:
        since = ctx.date(spec["since"], path + ("since",))
        if since is None:
            return None
    elif spec.get("since") == OPEN and not first:
        ctx.error("MV403", "only the first version can be 'open' (in force as far back as the rule answers)",
                  path + ("since",), hint="give the date this version came into force")
        return None
    if "until" in spec:
        until = ctx.date(spec["until"], path + ("until",))
        if until is None:
            return None
        if since is not None and until <= since:
            ctx.error("MV403", f"until {until.isoformat()} is not after since {since.isoformat()}", path + ("until",))
            return None
    return since, until


def definition_versions(ctx: RuleContext, spec: dict, path: tuple) -> list:
    """[(since, until, version spec, version path)] of a definition (one open-ended entry for a plain formula).

    The structure is checked once per definition: formula or versions (not both), increasing, no overlap, the
    last version without an end.
    """
    if "versions" not in spec:
        return [(None, None, spec, path)]  # the schema asks for formula and source, or versions
    report = ctx.once(("versions", path))
    if "formula" in spec and report:
        ctx.error("MV428", "a definition has either one 'formula' or dated 'versions', not both", path + ("formula",),
                  at_key=True, hint="move the formula into the version it belongs to")
    out, previous = [], None
    for index, version in enumerate(spec["versions"]):
        vpath = path + ("versions", index)
        interval = read_interval(ctx if report else _Quiet(ctx), version, vpath, first=index == 0)
        if interval is None:
            return []
        since, until = interval
        if index and since is None:
            return []
        if previous is not None and report and since < (previous[1] or previous[0] or since):
            ctx.error("MV403", f"version {index + 1} starts {since.isoformat()}, before the previous one ends",
                      vpath + ("since",), hint="list versions in increasing order, without overlaps")
        if index == 0 and "since" not in version and report:
            ctx.error("MV403", "the first version needs 'since': a date, or 'open'", vpath, at_key=True)
        inherited = {key: spec[key] for key in ("meaning", "unit") if key in spec}
        out.append((since, until, {**version, **inherited}, vpath))
        previous = (since, until)
    if out and out[-1][1] is not None and report:
        ctx.error("MV403", "the last version has 'until': the rule would not know today's formula",
                  out[-1][3] + ("until",), hint="remove 'until' from the last version")
    return out


def history(versions: list) -> tuple:
    """The versions as :class:`~verifier.model.rule.DefinitionVersion` (for the docs); () for a plain formula."""
    if len(versions) == 1 and versions[0][0] is None and versions[0][1] is None and "since" not in versions[0][2]:
        return ()
    return tuple(DefinitionVersion(since, until, v["formula"], v["source"], v.get("note"))
                 for since, until, v, _ in versions)


def pick(ctx: RuleContext, spec: dict, path: tuple, start: _dt.date | None):
    """(version spec, its path) in force from the regime start ``start`` (None: the open start); None in a gap."""
    versions = definition_versions(ctx, spec, path)
    for index, (since, until, version, vpath) in enumerate(versions):
        end = until if until is not None else (versions[index + 1][0] if index + 1 < len(versions) else None)
        if (since is None or start is not None and since <= start) and (end is None or start is None or start < end):
            return {**version, "_versions": history(versions)}, vpath
    return None


def _boundaries(ctx: RuleContext, data: dict) -> set:
    dates = set()
    items = list(data.get("definitions", {}).items())
    for mode_name, mode in data.get("modes", {}).items():
        items += [(name, spec) for name, spec in mode.get("definitions", {}).items()]
    for name, spec in items:
        if "versions" in spec:
            for index, version in enumerate(spec["versions"]):
                for key in ("since", "until"):
                    if key in version and version[key] != OPEN:
                        day = _quiet_date(version[key])
                        if day is not None:
                            dates.add(day)
    for entries in data.get("published", {}).values():
        for entry in entries:
            for key in ("since", "until"):
                if key in entry and entry[key] != OPEN:
                    day = _quiet_date(entry[key])
                    if day is not None:
                        dates.add(day)
    return dates


def regimes(ctx: RuleContext, data: dict) -> list:
    """[(start, end)] of the rule's formula regimes, oldest first (start None: open); [(None, None)] when nothing
    is dated."""
    cuts = sorted(_boundaries(ctx, data))
    starts = [None] + cuts
    return [(start, cuts[i] if i < len(cuts) else None) for i, start in enumerate(starts)]


def published_in_force(entry: dict, start: _dt.date | None, end: _dt.date | None) -> bool:
    """Whether a published entry (its since/until) is in force in the regime [start, end)."""
    since = None if entry.get("since", OPEN) == OPEN else _quiet_date(entry["since"])
    until = _quiet_date(entry["until"]) if "until" in entry else None
    return (since is None or (start is not None and since <= start)) and (until is None or start is None
                                                                           or start < until)


def _quiet_date(text):
    try:
        return _dt.date.fromisoformat(str(text))
    except ValueError:
        return None


class _Quiet:
    """A context that reads dates without reporting (the first pass over a definition reported already)."""

    def __init__(self, ctx):
        self._ctx = ctx

    def date(self, text, path, at_key=False):
        return _quiet_date(text)

    def error(self, *args, **kwargs):
        pass
