"""The format references, one page per published JSON Schema (``verifier/schemas/*.schema.json``: rule file, tier
table, scenario, account snapshot, and any schema added there), generated from the schemas themselves.

Descriptions are prose: ``<`` and ``>`` outside code spans are escaped, so ``'<condition>_price'`` shows as
written (a raw ``<condition>`` would be read as an HTML tag and vanish).

>>> prose("keyed '<condition>_price'; see `<name>`")
"keyed '&lt;condition&gt;_price'; see `<name>`"
"""

from __future__ import annotations

import html
import json
from importlib import resources

from verifier.docs.layout import FORMAT_TITLES, Page, format_page_path
from verifier.docs.markup import md_cell, md_table

MAX_DEPTH = 4


def schema_files() -> list[tuple[str, dict]]:
    """(name, schema) for every schema shipped in ``verifier/schemas``, by name."""
    folder = resources.files("verifier.schemas")
    names = sorted(entry.name.removesuffix(".schema.json") for entry in folder.iterdir()
                   if entry.name.endswith(".schema.json"))
    return [(name, json.loads(folder.joinpath(f"{name}.schema.json").read_text(encoding="utf-8"))) for name in names]


def format_pages() -> list[Page]:
    """One format page per shipped schema: the ones we know first (rule, tiers, scenario, account), then the rest."""
    known = list(FORMAT_TITLES)
    ordered = sorted(schema_files(), key=lambda item: (known.index(item[0]) if item[0] in known else len(known),
                                                       item[0]))
    return [schema_page(schema, format_page_path(name), FORMAT_TITLES.get(name) or schema.get("title") or name,
                        f"verifier/schemas/{name}.schema.json") for name, schema in ordered]


def prose(text) -> str:
    """A schema description for a Markdown cell: ``<``, ``>`` and ``&`` escaped outside `code spans`."""
    parts = str(text).split("`")
    return md_cell("`".join(part if index % 2 else html.escape(part, quote=False)
                            for index, part in enumerate(parts)))


def schema_type(node) -> str:
    """A schema node's type in words (``one of `a`, `b```, ``list of ...``, ``see `name```)."""
    if "const" in node:
        return f"`{node['const']!r}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if "oneOf" in node or "anyOf" in node:
        alternatives = [schema_type(n) for n in node.get("oneOf", node.get("anyOf", []))]
        return " or ".join(a for a in alternatives if a) or "any"
    if kind == "array" and isinstance(node.get("items"), dict):
        return f"list of {schema_type(node['items'])}"
    if "$ref" in node:
        return f"see `{node['$ref'].split('/')[-1]}`"
    return kind or "any"


def _heading(path: str, depth: int) -> str:
    return f"{'#' * min(2 + depth, 6)} `{path}`"


def _mapping_section(node, path, depth) -> list:
    """A mapping whose keys are names (``additionalProperties`` holds the value's schema)."""
    inner = node["additionalProperties"]
    names = node.get("propertyNames")
    described = f" ({prose(names.get('description', ''))})" if isinstance(names, dict) else ""
    lines = [_heading(f"{path}.<name>", depth), "",
             f"A mapping; each key is a name{described}, each value: {schema_type(inner)}.", ""]
    if inner.get("description"):
        lines += [prose(inner["description"]), ""]
    if depth < MAX_DEPTH and (inner.get("properties") or isinstance(inner.get("additionalProperties"), dict)):
        lines += schema_sections(inner, f"{path}.<name>", depth + 1)
    return lines


def schema_sections(node, path: str, depth: int = 0) -> list:
    """One table per object in the schema (its keys, types, whether required, descriptions), nested objects after."""
    props = node.get("properties")
    if not props:
        return _mapping_section(node, path, depth) if isinstance(node.get("additionalProperties"), dict) else []
    required = set(node.get("required", []))
    lines = [_heading(path, depth), ""] + md_table(
        ["key", "type", "required", "description"],
        [[f"`{key}`", md_cell(schema_type(sub)), "yes" if key in required else "", prose(sub.get("description", ""))]
         for key, sub in props.items()]) + [""]
    if depth < MAX_DEPTH:
        for key, sub in props.items():
            target = sub.get("items") if sub.get("type") == "array" and isinstance(sub.get("items"), dict) else sub
            if target.get("properties") or isinstance(target.get("additionalProperties"), dict):
                lines += schema_sections(target, f"{path}.{key}" + ("[]" if target is not sub else ""), depth + 1)
    return lines


def schema_page(schema: dict, path: str, title: str, schema_file: str) -> Page:
    lines = [f"# {title}", "", prose(schema.get("description", "")), "",
             f"Generated from the published JSON Schema `{schema_file}` ({schema.get('$schema', '')}). Editors "
             "that speak the YAML language server use the same file for completion and checking.", ""]
    lines += schema_sections(schema, "$")
    for name, sub in (schema.get("$defs") or {}).items():
        lines += [f"## Definition `{name}`", "", prose(sub.get("description", "")), ""]
        lines += schema_sections(sub, name, 1)
    return Page(path, "\n".join(lines))
