"""Liquidation prices of the reference position (mkdocs.yml), for the rule page's chart and the comparison page.

A price that does not exist is a gap with its reason; one that cannot be computed is reported as a build problem
(:mod:`verifier.docs.problems`) and shown as not computed.
"""

from __future__ import annotations

from verifier.docs import compute, problems
from verifier.docs.layout import Options, chart_position
from verifier.docs.markup import esc
from verifier.errors import DerivationError, EvaluationError

SPOT_NO_CHART = ("`{id}` is {kind}. Its leverage is borrowed / own funds, not a position's notional / margin, and "
                 "the liquidation condition is on the account's margin level over every asset held and owed; the "
                 "reference position (ccxt position fields: contracts, contractSize, entryPrice) does not describe "
                 "such an account, so a price against leverage would be invented, not read from the rule.")


def _kind(rule) -> str:
    return "unified margin (its positions are the account's coins)" if rule.product.unified else "spot margin"


def no_reference_price(rule, mode=None) -> str | None:
    """Why the reference position has no liquidation price under this rule (or mode), or None when it has one."""
    if rule.product.spot:
        return SPOT_NO_CHART.format(id=rule.id, kind=_kind(rule))
    modes = [mode] if mode is not None else list(rule.modes.values())
    if not any("liquidation" in m.conditions for m in modes):
        return f"the {mode.name} mode has no liquidation condition." if mode is not None else \
            "this rule has no liquidation condition."
    return None


def chart_mode(rule, options: Options) -> str:
    """The mode the charts show: the configured one when the rule has it (with a liquidation condition)."""
    with_liq = [m.name for m in rule.modes.values() if "liquidation" in m.conditions]
    return options.chart_mode if options.chart_mode in with_liq else with_liq[0]


def reference_point(rule, mode_name: str, side: str, leverage, options: Options) -> compute.Point:
    """The reference position's liquidation price at ``leverage``; a failure is reported and shown as a gap."""
    try:
        return compute.liquidation_point(rule, mode_name, chart_position(rule, options), side, leverage,
                                         options.market)
    except (EvaluationError, DerivationError) as exc:
        reason = problems.report(rule.file, f"{mode_name} {side} liquidation price at {leverage}x", exc)
        return compute.Point(None, f"not computed: {reason}")


def leverage_series(rule, mode_name: str, options: Options) -> list:
    """[(side, leverages, [Point])] of the reference position, long and short."""
    return [(side, list(options.leverage), [reference_point(rule, mode_name, side, x, options)
                                            for x in options.leverage]) for side in ("long", "short")]


def gaps(series) -> list:
    """Markdown lines naming the chart's missing points, each with its reason."""
    missing = [f"{side} at {x}x: {esc(p.reason)}" for side, xs, points in series for x, p in zip(xs, points)
               if p.price is None]
    return ["Points not drawn: " + "; ".join(missing) + ".", ""] if missing else []
