"""Evaluating an account under a rule, top-down: :func:`evaluate_account` (:mod:`.evaluation`) runs
:mod:`.setting` (rule version, mode, parameters), :mod:`.market` and :mod:`.legs` (each position with its market's
data), then :mod:`.pricing` (each liquidation price), in that order.  :mod:`.program` is the same evaluation
compiled once per rule to exact rational code (GMP rationals), with this one as its reference.

The names are loaded when first used (PEP 562), so that the compiled evaluation loads no SymPy.
"""

__all__ = ["RATIOS", "STATUSES", "AccountEvaluation", "PositionEvaluation", "evaluate_account"]


def __getattr__(name: str):
    if name in __all__:
        from verifier.derive.account import evaluation

        return getattr(evaluation, name)
    raise AttributeError(f"module 'verifier.derive.account' has no attribute {name!r}")
