"""Stage 1 of the pipeline: read rule, tier and scenario files strictly, with located errors.

Public surface: :func:`load_rule`, :func:`check_file`, :func:`expand_paths`,
:func:`resolve_rule_path`, :func:`rules_root`, :class:`CheckResult`,
:func:`read_file`, :func:`read_document`, :func:`load_schema`.
"""

from verifier.read._schema import load_schema
from verifier.read._yaml import Document, DocumentError, read_document, read_file
from verifier.read.loader import CheckResult, check_file, expand_paths, load_rule, resolve_rule_path, rules_root

_SCENARIO_CHECKER = None


def register_scenario_checker(checker) -> None:
    """Let the simulate stage check scenario files found by ``check`` (keeps read free of simulate imports)."""
    global _SCENARIO_CHECKER
    _SCENARIO_CHECKER = checker


def scenario_checker():
    if _SCENARIO_CHECKER is None:
        import importlib

        importlib.import_module("verifier.simulate")  # registers itself on import
    return _SCENARIO_CHECKER


__all__ = [
    "CheckResult",
    "Document",
    "DocumentError",
    "check_file",
    "expand_paths",
    "load_rule",
    "load_schema",
    "read_document",
    "read_file",
    "register_scenario_checker",
    "resolve_rule_path",
    "rules_root",
]
