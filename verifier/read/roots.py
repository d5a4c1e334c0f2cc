"""One root diagnostic per mistake: a misspelt declaration and a name used in many places are each one problem.

Reading a rule collects every problem, so one slip can be reported many times over: a source declared as ``dc``
while eight places cite ``doc`` gives eight "unknown source" errors; a symbol declared as ``cm`` while formulas
and examples use ``cum`` gives twenty (each formula that uses it, each example that gives it, each expectation
that needs it).  Two steps bring that back to the mistake the author made:

* **A misspelt declaration** is found by *assuming the fix*: a declared name that nothing uses, close to a name
  that is used but never declared, is renamed in a copy of the document, which is read again.  If that removes
  problems (two or more, or one when another mode declares the name so), the rename is the root: one ``MV401``
  at the declaration, and only the problems the corrected file still has are listed with it (they are other
  mistakes).  A name misspelt at its one use stays one ``MV302`` at the use.
* **Repeats**: the same message for the same file (one undeclared name used in three formulas) is one problem,
  listed at its first place with the other lines named.

>>> from verifier.errors import Diagnostic
>>> same = [Diagnostic("MV400", "unknown source 'doc'", "r.yaml", line, 3) for line in (4, 9, 12)]
>>> [d.message for d in group_repeats(same)]
["unknown source 'doc' (also on lines 9, 12)"]
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import re

from verifier.errors import Diagnostic
from verifier.read._yaml import Document

NAMED = (("sources",), ("units",), ("symbols",), ("parameters",), ("definitions",), ("conditions",), ("modes",))
"""Mappings whose keys declare names the rest of the file refers to."""

REFERRING_KEYS = ("given", "expect", "published")
"""Mappings whose keys refer to declared names (``liquidation_price`` refers to the condition ``liquidation``)."""

NAMED_IN_MODE = ("symbols", "parameters", "definitions", "conditions")
"""The same inside each mode."""

PROSE = frozenset({"title", "meaning", "description", "note", "notes", "url", "retrieved", "name", "reason", "why",
                   "exempt", "rule", "exchange", "product"})
"""Keys whose text is prose or an identity, never a reference to a declared name."""

MAX_TRIES = 6
"""Candidate renames tried per file (each is one more read of the document)."""

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
_CUTOFF = 0.6  # as close as a "did you mean" suggestion


def declarations(data: dict) -> dict:
    """Each declared name -> the paths of the mappings that declare it (a mode's own names included)."""
    found: dict = {}
    for section in NAMED:
        mapping = data
        for key in section:
            mapping = mapping.get(key) if isinstance(mapping, dict) else None
        for name in _keys(mapping):
            found.setdefault(name, []).append(section)
    for mode, spec in (data.get("modes") or {}).items() if isinstance(data.get("modes"), dict) else ():
        for section in NAMED_IN_MODE:
            for name in _keys(spec.get(section) if isinstance(spec, dict) else None):
                found.setdefault(name, []).append(("modes", mode, section))
    return found


def references(data) -> set:
    """Every name the document refers to: words of its formulas and references, keys of examples' inputs."""
    found: set = set()

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                if key in REFERRING_KEYS and isinstance(k, str):
                    found.add(k)
                    found.add(k.removesuffix("_price"))
                walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str) and key not in PROSE:
            if _REFERENCE.match(node.strip()):
                found.add(node.strip())  # a whole value naming something: a source, a mode, a market
            if key not in ("source", "sources"):  # a source id is one name ('okx-upl' does not use 'upl')
                found.update(_WORD.findall(node))

    walk(data)
    return found


def candidate_renames(data: dict) -> list[tuple[tuple, str, str]]:
    """(declaring mapping's path, declared name, used name) for each declared name nothing uses that is close to a
    used name nothing declares; the closest pairs first."""
    declared = declarations(data)
    used = references(data)
    pairs = []
    for name, places in declared.items():
        if name in used:
            continue
        for place in places:
            visible = {n for n, where in declared.items()
                       if any(_visible(w, place) and _namespace(w) == _namespace(place) for w in where)}
            for close in difflib.get_close_matches(name, sorted(used - visible), n=2, cutoff=_CUTOFF):
                pairs.append((difflib.SequenceMatcher(None, name, close).ratio(), place, name, close))
    pairs.sort(key=lambda p: -p[0])
    return [(place, name, close) for _, place, name, close in pairs[:MAX_TRIES]]


def renamed(doc: Document, place: tuple, old: str, new: str) -> Document:
    """A copy of ``doc`` with key ``old`` of the mapping at ``place`` renamed ``new`` (order and positions kept)."""
    data = copy.deepcopy(doc.data)
    parent = data
    for key in place:
        parent = parent[key]
    items = list(parent.items())
    parent.clear()
    parent.update((new if k == old else k, v) for k, v in items)
    prefix = tuple(place) + (old,)

    def move(positions: dict) -> dict:
        return {(tuple(place) + (new,) + path[len(prefix):] if path[:len(prefix)] == prefix else path): where
                for path, where in positions.items()}

    return Document(doc.file, data, move(doc.positions), move(doc.key_positions), doc.text)


def misspelt_declarations(doc: Document, problems: list, read) -> list[Diagnostic]:
    """The problems of ``doc`` with each misspelt declaration reported once, as its root.

    ``read(document) -> problems`` reads a document again (schema and build), or is None when the renamed
    document breaks the schema (so that rename is not the fix); it is called once per candidate.
    """
    if not isinstance(doc.data, dict) or not _errors(problems):
        return problems
    roots = []
    for _ in range(3):  # a file may hold a few misspelt declarations: one more round for each found
        declared = declarations(doc.data)
        for place, old, new in candidate_renames(doc.data):
            fixed = renamed(doc, place, old, new)
            remaining = read(fixed)
            # A name used once and misspelt there is one error at the use; the declaration is taken for the
            # root only when the rename removes more than that, or the used name is declared elsewhere (another
            # mode spells it so).
            needed = 1 if new in declared else 2
            if remaining is not None and _errors(remaining) <= _errors(problems) - needed:
                hidden = _errors(problems) - _errors(remaining)
                roots.append(doc.diagnostic(
                    "MV401", f"{old!r} is declared but never used, and {new!r} is used but never declared",
                    place + (old,), at_key=True,
                    hint=f"rename {old!r} to {new!r} (or the other way round); the {hidden} problem(s) this "
                         "causes elsewhere are not listed"))
                doc, problems = fixed, remaining
                break
        else:
            break
    return roots + problems


def group_repeats(problems: list[Diagnostic]) -> list[Diagnostic]:
    """The same message twice in one file is one problem: kept at its first place, the other lines named."""
    first: dict = {}
    lines: dict = {}
    for d in problems:
        key = (d.file, d.code, d.message, d.hint, d.severity)
        if key in first:
            if d.line not in lines[key] and d.line != first[key].line:
                lines[key].append(d.line)
        else:
            first[key] = d
            lines[key] = []
    return [dataclasses.replace(d, message=f"{d.message} (also on line{'s' if len(more) > 1 else ''} "
                                           f"{', '.join(map(str, more))})") if (more := lines[key]) else d
            for key, d in first.items()]


def _namespace(place: tuple) -> str:
    """Sources, units, modes and markets each have their own names; symbols, parameters, definitions and
    conditions share one (a formula may use any of them)."""
    return place[-1] if place in (("sources",), ("units",), ("modes",)) or place[0] == "tiers" else "names"


def _visible(declared_at: tuple, place: tuple) -> bool:
    """Whether a name declared in the mapping at ``declared_at`` is seen from the mapping at ``place``: a mode's
    mapping sees the global names and its own mode's; a top-level mapping sees the global names only."""
    def in_a_mode(path):
        return path[0] == "modes" and len(path) == 3

    if not in_a_mode(place):
        return not in_a_mode(declared_at)
    return not in_a_mode(declared_at) or declared_at[1] == place[1]


def _keys(mapping) -> list:
    return [k for k in mapping if isinstance(k, str)] if isinstance(mapping, dict) else []


def _errors(problems) -> int:
    return sum(1 for d in problems if d.severity == "error")
