"""Stage 2 of the pipeline: the safe formula language and its units.

Public surface: :func:`parse_formula`, :class:`Formula`, :class:`Term`,
:func:`parse_unit`, :class:`Unit`, :data:`DIMENSIONLESS`, :data:`BOOLEAN`,
:data:`FUNCTIONS`.
"""

from verifier.formula._functions import FUNCTIONS
from verifier.formula._parser import ANY, BOOLEAN, MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, Formula, Term, parse_formula
from verifier.formula._units import DIMENSIONLESS, Unit, UnitSyntaxError, parse_expression_tree, parse_unit

__all__ = [
    "ANY",
    "BOOLEAN",
    "DIMENSIONLESS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "Formula",
    "Term",
    "Unit",
    "UnitSyntaxError",
    "parse_expression_tree",
    "parse_formula",
    "parse_unit",
]
