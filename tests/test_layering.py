"""The package's import graph, read from the code with :mod:`ast`: no cycle between modules, no edge a stage may
not take (ARCHITECTURE.md), no dynamic import, and ARCHITECTURE.md's stage graph equal to the code's.

Imports are found anywhere in a module's code (top level or inside functions), so a lazy import counts as much as
an eager one.  Docstrings (doctests) are not code and are not read.  ``python tests/test_layering.py`` prints the
graph's size (modules, edges, cycles, the longest function, the biggest module) and the stage graph.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "verifier"
ARCHITECTURE = PACKAGE.parent / "ARCHITECTURE.md"

BASE = {"errors", "code_version", "disk_cache", "version"}
"""Modules at the package's top that every stage may use: the error types, the code's fingerprint, the cache, the
version."""

ALLOWED = {
    "errors": set(),
    "code_version": set(),
    "disk_cache": set(),
    "version": set(),
    "formula": BASE,
    "model": BASE | {"formula"},
    "read": BASE | {"formula", "model"},
    "derive": BASE | {"formula", "model"},
    "simulate": BASE | {"formula", "model"},  # never derive: the two are independent answers
    "compare": BASE | {"model", "derive", "simulate"},
    "report": BASE | {"formula", "model"},
    "jobs": BASE | {"formula", "model", "read", "derive", "simulate", "compare", "report"},
    "verify": BASE | {"formula", "model", "read", "derive", "simulate", "jobs"},
    "docs": BASE | {"formula", "model", "read", "derive", "simulate", "compare", "report", "jobs", "verify"},
    "api": BASE | {"formula", "model", "read", "derive", "report", "jobs"},
    "cli": BASE | {"formula", "model", "read", "derive", "simulate", "compare", "report", "jobs", "verify", "docs"},
    "package": BASE | {"api", "read"},  # verifier/__init__.py: the lazy public names
    "__main__": {"cli"},
}
"""stage -> the stages it may import (besides itself).  One direction only: this is a DAG."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "package"


def _resolve(name: str) -> str | None:
    """The module of ``verifier`` that ``name`` (a module or a name inside one) refers to."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imported(path: Path):
    """(line, module) of every import of a ``verifier`` module in the file at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
            names = [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name) if name.startswith("verifier") else None
            if target is not None:
                yield node.lineno, target


def graph() -> dict:
    """module -> {imported module: first line}, self-imports left out."""
    out = defaultdict(dict)
    for module, path in MODULES.items():
        out[module]
        for line, target in _imported(path):
            if target != module:
                out[module].setdefault(target, line)
    return dict(out)


def cycles(edges: dict) -> list:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def stage_edges(edges: dict) -> dict:
    """stage -> the other stages it imports."""
    out = defaultdict(set)
    for module, targets in edges.items():
        for target in targets:
            if stage(target) != stage(module):
                out[stage(module)].add(stage(target))
    return out


def test_no_module_imports_another_that_imports_it_back():
    assert cycles(graph()) == []


def test_every_stage_imports_only_the_stages_below_it():
    wrong = [f"{MODULES[m].relative_to(PACKAGE.parent)}:{line}: {stage(m)} imports {t}"
             for m, targets in graph().items() for t, line in targets.items()
             if stage(t) != stage(m) and stage(t) not in ALLOWED[stage(m)]]
    assert wrong == []


def test_the_allowed_stage_graph_has_no_cycle():
    assert cycles({s: ALLOWED[s] - {s} for s in ALLOWED}) == []


def test_simulate_never_imports_derive():
    assert not [t for m, targets in graph().items() if stage(m) == "simulate" for t in targets
                if stage(t) == "derive"]


def test_only_the_command_line_and_the_entry_point_import_it():
    outside = [m for m, targets in graph().items() if stage(m) not in ("cli", "__main__")
               for t in targets if stage(t) == "cli"]
    assert outside == []


def test_no_dynamic_imports():
    hits = []
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in ("import_module", "__import__"):
                    hits.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert hits == []


STAGE_GRAPH = re.compile(r"<!-- stage graph: generated by tests/test_layering\.py -->\n```text\n(.*?)```", re.S)


def stage_graph_text(edges: dict) -> str:
    """One line a stage: what it imports (the stages of ARCHITECTURE.md's diagram), in the order of ALLOWED."""
    by_stage = stage_edges(edges)
    lines = []
    for name in ALLOWED:
        if name in BASE or name in ("package", "__main__"):
            continue
        below = sorted(by_stage.get(name, set()) - BASE - {"package"}, key=list(ALLOWED).index)
        lines.append(f"{name:<9} -> {', '.join(below) if below else '(errors only)'}")
    return "\n".join(lines) + "\n"


def test_architecture_shows_the_stage_graph_of_the_code():
    found = STAGE_GRAPH.search(ARCHITECTURE.read_text(encoding="utf-8"))
    assert found is not None, "ARCHITECTURE.md lost its generated stage graph block"
    assert found.group(1) == stage_graph_text(graph()), "run: python tests/test_layering.py, and copy the graph"


def _functions():
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield node.end_lineno - node.lineno + 1, f"{module}.{node.name}"


def main() -> None:
    edges = graph()
    sizes = sorted((len(p.read_text(encoding="utf-8").splitlines()), m) for m, p in MODULES.items())
    longest = max(_functions())
    print(f"modules {len(edges)}, edges {sum(len(t) for t in edges.values())}, cycles {len(cycles(edges))}, "
          f"longest function {longest[1]} ({longest[0]} lines), biggest module {sizes[-1][1]} ({sizes[-1][0]} lines), "
          f"median module {sizes[len(sizes) // 2][0]} lines")
    print(stage_graph_text(edges), end="")


if __name__ == "__main__":
    sys.exit(main())
