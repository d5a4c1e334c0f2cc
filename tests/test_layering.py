"""The stages' dependencies point one way (ARCHITECTURE.md); this test reads every import in ``verifier/``.

Imports are found with :mod:`ast` anywhere in a module's code (top level or inside functions), so a lazy
import counts as much as an eager one.  Docstrings (doctests) are not code and are not read.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "verifier"

STAGES = ("errors", "formula", "model", "read", "derive", "simulate", "compare", "verify", "report", "docs", "cli",
          "api")

# stage -> the stages it must never import (ARCHITECTURE.md, "Rules of the road")
FORBIDDEN = {
    "errors": set(STAGES) - {"errors"},
    "formula": set(STAGES) - {"errors", "formula"},
    "model": {"read", "derive", "simulate", "compare", "verify", "report", "docs", "cli", "api"},
    "read": {"derive", "simulate", "compare", "verify", "report", "docs", "cli", "api"},
    "derive": {"read", "simulate", "compare", "verify", "report", "docs", "cli", "api"},
    "simulate": {"read", "derive", "compare", "verify", "report", "docs", "cli", "api"},
    # compare is a compute stage like derive: model objects in, results out; it may use derive and simulate
    "compare": {"read", "verify", "report", "docs", "cli", "api"},
    "verify": {"compare", "report", "docs", "cli", "api"},
    "report": {"docs", "cli", "api"},
    "docs": {"api"},
    "cli": set(),
}
ALLOWED_EXCEPTIONS = {
    # the site's CLI reference page is generated from the CLI's own argparse parser
    ("docs", "cli"),
}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "verifier":
        return None
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: -node.level] if not path.name == "__init__.py" else \
                    package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # 'from verifier import derive' names a stage too
                if module == "verifier":
                    yield node.lineno, f"verifier.{alias.name}"


def edges():
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _stage(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        for line, module in _imports(path):
            there = _stage(module)
            if there:
                yield path, line, here, there, module


def forbidden_edges() -> list[str]:
    out = []
    for path, line, here, there, module in edges():
        if here in FORBIDDEN and there in FORBIDDEN[here] and (here, there) not in ALLOWED_EXCEPTIONS:
            out.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {here} imports {module}")
    return out


def test_no_forbidden_import_edges():
    assert forbidden_edges() == []


def test_no_dynamic_imports():
    hits = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in ("import_module", "__import__"):
                    hits.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert hits == []


@pytest.mark.parametrize("stage", ["simulate"])
def test_simulate_never_imports_derive(stage):
    assert not [e for e in edges() if e[2] == stage and e[3] == "derive"]
