"""Evaluating an account under a rule, top-down: :func:`evaluate_account` (:mod:`.evaluation`) runs
:mod:`.setting` (rule version, mode, parameters), :mod:`.market` and :mod:`.legs` (each position with its market's
data), then :mod:`.pricing` (each liquidation price), in that order."""

from verifier.derive.account.evaluation import (RATIOS, STATUSES, AccountEvaluation, PositionEvaluation,
                                                evaluate_account)

__all__ = ["RATIOS", "STATUSES", "AccountEvaluation", "PositionEvaluation", "evaluate_account"]
