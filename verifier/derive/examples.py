"""Running a worked example's ``<condition>_price`` expectation: :func:`example_price`.

>>> from verifier.read import load_rule
>>> rule = load_rule("binance/usdm-perpetual")
>>> ex = next(e for e in rule.examples if "liquidation_price" in e.expect)
>>> float(round(example_price(rule, ex, "liquidation_price"), 2))
26316.89
"""

from __future__ import annotations

from fractions import Fraction

from verifier.derive.tiers import price_at
from verifier.errors import DerivationError
from verifier.model.evaluate import EvaluationError


def example_price(rule, example, key: str) -> Fraction | None:
    """The exact value of ``key`` ('<condition>_price') for ``example`` (None: no such price)."""
    if not key.endswith("_price"):
        raise EvaluationError(f"{key!r} is not a '<condition>_price' quantity")
    condition = key[: -len("_price")]
    try:
        return price_at(rule, example.mode, condition, example.given, market=example.market, date=example.date)
    except DerivationError as exc:  # reported by check as 'cannot compute' at the example
        raise EvaluationError(str(exc)) from None
