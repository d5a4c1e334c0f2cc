"""The exchange comparison: the same reference position under every rule and mode, in a table and one chart."""

from __future__ import annotations

from verifier.docs import charts, prices
from verifier.docs.layout import COMPARISON, Options, Page, rule_page_path
from verifier.docs.markup import md_cell, md_table, number, rel

CHART = "assets/charts/comparison-leverage.svg"


def comparison_page(rules, options: Options) -> Page:
    pos = options.position
    lines = ["# Exchange comparison", "",
             f"The same position under every shipped rule: {pos.get('contracts')} contract(s) × "
             f"{pos.get('contractSize', 1)} entered at {pos.get('entryPrice')}, margin = notional / leverage "
             f"(leverage **{options.comparison_leverage}** in the table), one position alone in its account, prices "
             "computed exactly by the derivation. The reference position is set in `mkdocs.yml` (plugin "
             "`margin-verifier`, option `position`).", ""]
    futures = [rule for rule in rules if not rule.product.spot]
    lines += md_table(["rule", "mode", "long: liquidation price", "short: liquidation price"],
                      [row for rule in futures for row in _rows(rule, options)])
    spot = [f"[{md_cell(rule.title)}]({rel(COMPARISON, rule_page_path(rule))})" for rule in rules if rule.product.spot]
    if spot:
        lines += ["", "Not in the table, being spot margin (a position's notional / margin does not describe such an "
                      "account; see their pages): " + ", ".join(spot) + "."]
    series = [(f"{rule.id} {prices.chart_mode(rule, options)} {side}", xs, [p.price for p in points])
              for rule in rules if prices.no_reference_price(rule) is None
              for side, xs, points in prices.leverage_series(rule, prices.chart_mode(rule, options), options)]
    svg = charts.leverage_chart(series, title="Liquidation price against leverage, every rule",
                                ylabel="liquidation price")
    if svg is None:
        return Page(COMPARISON, "\n".join(lines + ["", "No chart: no rule gives the reference position a price."]))
    lines += ["", "## Chart", "", f"![Liquidation price against leverage for every rule]({rel(COMPARISON, CHART)})", ""]
    return Page(COMPARISON, "\n".join(lines), {CHART: svg})


def _cell(point) -> str:
    return number(point.price) if point.price is not None else f"none ({md_cell(point.reason)})"


def _rows(rule, options: Options) -> list:
    """One row per mode: long and short liquidation price at the comparison leverage, or why there is none."""
    link = f"[{md_cell(rule.title)}]({rel(COMPARISON, rule_page_path(rule))})"
    rows = []
    for mode in rule.modes.values():
        reason = prices.no_reference_price(rule, mode)
        if reason is not None:
            cells = [f"none ({md_cell(reason)})"] * 2
        else:
            cells = [_cell(prices.reference_point(rule, mode.name, side, options.comparison_leverage, options))
                     for side in ("long", "short")]
        rows.append([link, mode.name] + cells)
    return rows
