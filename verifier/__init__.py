"""margin-verifier: crypto margin rules as data, checked, derived, simulated and verified.

The Python API (:mod:`verifier.api`): load a rule, compute a liquidation price, evaluate an account, exactly.

>>> import verifier
>>> rule = verifier.load_rule("binance/usdm-perpetual")
>>> rule.mode("cross").conditions["liquidation"].operator
'<='
>>> verifier.liquidation_price(rule, "isolated", market="BTC/USDT:USDT", date="2024-08-12", WB="1000", q=1, EP=60000, s=1).fraction
Fraction(11790000, 199)

The API's names are loaded when first used (PEP 562): ``margin-verifier check`` of a file whose result is cached
imports this package without loading SymPy.
"""

from verifier.version import __version__

from verifier.errors import (DerivationError, Diagnostic, Disagreement, EvaluationError, FormulaError, SpecError,
                             UsageError, VerifierError)

__all__ = [
    "AccountResult",
    "DerivationError",
    "Diagnostic",
    "Disagreement",
    "EvaluationError",
    "ExactDecimal",
    "FormulaError",
    "PositionResult",
    "SpecError",
    "UsageError",
    "VerifierError",
    "__version__",
    "check_file",
    "evaluate",
    "liquidation_price",
    "load_rule",
]

_API = ("AccountResult", "ExactDecimal", "PositionResult", "evaluate", "liquidation_price", "load_rule")


def __getattr__(name: str):
    if name in _API:
        from verifier import api

        globals().update((each, getattr(api, each)) for each in _API)  # found at once from now on (a caller's
        return getattr(api, name)  # ``verifier.evaluate`` in a loop came here every time)
    if name == "check_file":
        from verifier.read import check_file

        return check_file
    raise AttributeError(f"module 'verifier' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
