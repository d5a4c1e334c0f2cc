"""Stage 1 of the pipeline: read rule, tier and scenario files strictly, with located errors.

Public surface: :func:`load_rule`, :func:`load_scenario`, :func:`check_file`, :func:`expand_paths`,
:func:`resolve_rule_path`, :func:`rules_root` (where rule ids are looked up: :mod:`verifier.read.rule_sources`),
:class:`CheckResult`,
:func:`read_file`, :func:`read_document`, :func:`load_schema`.

The names are loaded when first used (PEP 562): the loader brings in the formula language and SymPy, which
``check`` of a file whose result is cached never needs (:mod:`verifier.verify.check_cache`).
"""

from verifier.read.paths import expand_paths
from verifier.read.rule_sources import resolve_rule_path, rules_root

__all__ = [
    "CheckResult",
    "Document",
    "DocumentError",
    "check_file",
    "expand_paths",
    "load_rule",
    "load_scenario",
    "load_schema",
    "read_document",
    "read_file",
    "resolve_rule_path",
    "rules_root",
]

_LOADER = ("load_rule",)
_FILES = ("CheckResult", "check_file")
_YAML = ("Document", "DocumentError", "read_document", "read_file")


def __getattr__(name: str):
    if name in _LOADER:
        from verifier.read import loader

        return getattr(loader, name)
    if name in _FILES:
        from verifier.read import files

        return getattr(files, name)
    if name in _YAML:
        from verifier.read import _yaml

        return getattr(_yaml, name)
    if name == "load_schema":
        from verifier.read._schema import load_schema

        return load_schema
    if name == "load_scenario":
        from verifier.read.scenario import load_scenario

        return load_scenario
    raise AttributeError(f"module 'verifier.read' has no attribute {name!r}")
