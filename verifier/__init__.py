"""margin-verifier: crypto margin rules as data, checked, derived, simulated and verified.

>>> import verifier
>>> rule = verifier.load_rule("binance/usdm-perpetual")
>>> rule.mode("cross").conditions["liquidation"].operator
'<='
"""

__version__ = "0.1.0"

from verifier.errors import (DerivationError, Diagnostic, Disagreement, FormulaError, SpecError, UsageError,
                             VerifierError)
from verifier.read import check_file, load_rule

__all__ = [
    "DerivationError",
    "Diagnostic",
    "Disagreement",
    "FormulaError",
    "SpecError",
    "UsageError",
    "VerifierError",
    "__version__",
    "check_file",
    "load_rule",
]
