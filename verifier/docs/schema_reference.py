"""The format references (rule file, tier table, account snapshot), generated from the published JSON Schemas."""

from __future__ import annotations

from verifier.docs.layout import Page
from verifier.docs.markup import md_cell, md_table

MAX_DEPTH = 4


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
    described = f" ({md_cell(names.get('description', ''))})" if isinstance(names, dict) else ""
    lines = [_heading(f"{path}.<name>", depth), "",
             f"A mapping; each key is a name{described}, each value: {schema_type(inner)}.", ""]
    if inner.get("description"):
        lines += [md_cell(inner["description"]), ""]
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
        [[f"`{key}`", md_cell(schema_type(sub)), "yes" if key in required else "", md_cell(sub.get("description", ""))]
         for key, sub in props.items()]) + [""]
    if depth < MAX_DEPTH:
        for key, sub in props.items():
            target = sub.get("items") if sub.get("type") == "array" and isinstance(sub.get("items"), dict) else sub
            if target.get("properties") or isinstance(target.get("additionalProperties"), dict):
                lines += schema_sections(target, f"{path}.{key}" + ("[]" if target is not sub else ""), depth + 1)
    return lines


def schema_page(schema: dict, path: str, title: str, schema_file: str) -> Page:
    lines = [f"# {title}", "", md_cell(schema.get("description", "")), "",
             f"Generated from the published JSON Schema `{schema_file}` ({schema.get('$schema', '')}). Editors "
             "that speak the YAML language server use the same file for completion and checking.", ""]
    lines += schema_sections(schema, "$")
    for name, sub in (schema.get("$defs") or {}).items():
        lines += [f"## Definition `{name}`", "", md_cell(sub.get("description", "")), ""]
        lines += schema_sections(sub, name, 1)
    return Page(path, "\n".join(lines))
