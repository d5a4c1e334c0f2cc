"""JSON Schema validation (Draft 2020-12) turned into located, readable diagnostics.

The schemas ship inside the package (``verifier/schemas/``) so editors and this
checker read the same file.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from importlib import resources
from typing import TYPE_CHECKING

from verifier.errors import Diagnostic

if TYPE_CHECKING:
    from verifier.read._yaml import Document

# jsonschema (and YAML, through the Document) is imported where a document is validated, not to read a schema file:
# a ccxt export's common case is checked by hand from the schema's own field names (a tenth of a second saved)


@functools.cache
def load_schema(name: str) -> dict:
    """The published schema ``name`` ('rule', 'tiers' or 'scenario') as a dict."""
    text = resources.files("verifier.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def _validator(name: str):
    import jsonschema

    return jsonschema.Draft202012Validator(load_schema(name))


def schema_diagnostics(doc: Document, name: str) -> list[Diagnostic]:
    """Every schema violation in ``doc``, one diagnostic each (unknown keys one per key)."""
    out: list[Diagnostic] = []
    for error in _validator(name).iter_errors(doc.data):
        out.extend(_convert(doc, error))
    # 'unknown key titel' + 'missing key title' is one mistake: keep the unknown key, which says where.
    suggested = {(d.json_path, d.hint) for d in out if d.code == "MV201"}
    out = [d for d in out if not (d.code == "MV202" and any(
        hint == f"did you mean {d.message.split()[-1]}?" and path.rsplit(".", 1)[0] in (d.json_path, "$")
        for path, hint in suggested))]
    # A oneOf/anyOf failure repeats what its branches say; keep distinct messages per place.
    seen, unique = set(), []
    for d in out:
        key = (d.line, d.col, d.message)
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


def _convert(doc: Document, error) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = list(schema.get("properties", {}))
        pattern = schema.get("patternProperties", {})
        extras = [k for k in error.instance if k not in known and not any(re.search(p, k) for p in pattern)]
        out = []
        for key in extras:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else (
                "allowed keys: " + ", ".join(known) if known else None)
            if any(ch in key for ch in "()*+/"):
                hint = "a formula with ',' inside {...} must be quoted: formula: \"min(a, b)\""
            out.append(doc.diagnostic("MV201", f"unknown key {key!r}", path + (key,), hint=hint, at_key=True))
        if out:
            return out
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else "?"
        description = schema.get("properties", {}).get(name, {}).get("description")
        return [doc.diagnostic("MV202", f"missing required key {name!r}", path,
                               hint=description)]
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        got = _describe(error.instance)
        hint = "write the number without quotes" if expected == "number" and isinstance(error.instance, str) else None
        return [doc.diagnostic("MV203", f"expected {_article(expected)}, got {got}", path, hint=hint)]
    if kind in ("enum", "const"):
        allowed = error.validator_value if kind == "enum" else [error.validator_value]
        close = difflib.get_close_matches(str(error.instance), [str(a) for a in allowed], n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}?" if close else None
        return [doc.diagnostic("MV204", f"{_describe(error.instance)} is not one of {', '.join(map(repr, allowed))}",
                               path, hint=hint)]
    if kind == "pattern":
        return [doc.diagnostic("MV205", f"{_describe(error.instance)} is not in the expected form",
                               path, hint=schema.get("description"))]
    if kind == "propertyNames":
        key = _find_bad_key(error)
        sub = error.context[0].schema.get("description") if error.context else None
        return [doc.diagnostic("MV205", f"key {key!r} is not in the expected form", path + ((key,) if key else ()),
                               hint=sub or schema.get("propertyNames", {}).get("description"), at_key=True)]
    if kind in ("oneOf", "anyOf") and error.context:
        # The branch the author meant is the one their text misses least (a typo in one key of the branch they
        # wrote must not be reported as the other branch's missing and unknown keys).
        branches: dict = {}
        for child in error.context:
            branches.setdefault(child.relative_schema_path[0], []).append(child)
        converted = [[d for child in children for d in _convert(doc, child)] for children in branches.values()]
        fewest = min(len(found) for found in converted)
        closest = [found for found in converted if len(found) == fewest]
        if len(closest) == 1:
            return closest[0]
        import jsonschema

        return _convert(doc, jsonschema.exceptions.best_match(error.context))
    if kind == "oneOf" and not error.context and all(set(b) == {"required"} for b in error.validator_value):
        # valid under several branches, each requiring its own key: the author gave keys that exclude each other
        keys = [key for branch in error.validator_value for key in branch["required"]
                if isinstance(error.instance, dict) and key in error.instance]
        return [doc.diagnostic("MV209", f"gives both {' and '.join(map(repr, keys))}: give only one of them", path,
                               hint=schema.get("description"))]
    if kind in ("minProperties", "minItems"):
        return [doc.diagnostic("MV206", f"must not be empty ({error.message})", path)]
    return [doc.diagnostic("MV209", error.message, path, hint=schema.get("description"))]


def _find_bad_key(error):
    for child in error.context or ():
        if isinstance(child.instance, str):
            return child.instance
    return None


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _describe(value) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value!r}" if len(value) < 60 else f"the text {value[:57]!r}..."
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the number {value}"
