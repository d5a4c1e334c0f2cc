"""Stage 1 of the pipeline: read rule, tier and scenario files strictly, with located errors.

Public surface: :func:`load_rule`, :func:`load_scenario`, :func:`check_file`, :func:`expand_paths`,
:func:`resolve_rule_path`, :func:`rules_root`, :class:`CheckResult`,
:func:`read_file`, :func:`read_document`, :func:`load_schema`.
"""

from verifier.read._schema import load_schema
from verifier.read._yaml import Document, DocumentError, read_document, read_file
from verifier.read.loader import CheckResult, check_file, expand_paths, load_rule, resolve_rule_path, rules_root
from verifier.read.scenario import load_scenario

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
