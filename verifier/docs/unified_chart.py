"""A unified rule's chart: the account margin rate against one collateral coin's price, the other coins held.

The account is one of the rule's own worked examples (:func:`chart_example`: the first of the chart's mode that
expects a liquidation price, so the chart crosses the liquidation level): its coin's given values, every other coin
through its others-symbols as given (``CV1``, ``MM1``, ...), held while the coin's price moves.  Each point is the
mode's ``margin_level`` computed exactly by the code ``evaluate`` computes an account's margin rate with
(:func:`verifier.derive.account.compiled.compiled_mode`, the compiled definitions, and the parameters in force on the
example's date); the action levels are the parameters the mode's conditions compare the rate with.

>>> from verifier.read import load_rule
>>> series = margin_rate_series(load_rule("binance/portfolio-margin"))
>>> series.example.name, series.liquidation_price
('BTC against a USDT margin loan liquidates where uniMMR reaches 105 %', Fraction(44200, 1))
>>> series.rates[series.prices.index(series.liquidation_price)]
Fraction(21, 20)
>>> [(level.condition, level.value) for level in series.levels]
[('margin_call', Fraction(3, 2)), ('reduce_only', Fraction(6, 5)), ('liquidation', Fraction(21, 20)), ('claim', Fraction(1, 1))]
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verifier.errors import EvaluationError

POINTS = 40
"""Prices drawn: evenly spaced from LOW to HIGH times the example's liquidation price, the price itself added."""
LOW, HIGH = Fraction(97, 100), Fraction(2)
RATE = "margin_level"
"""The definition a unified rule's account margin rate is (Bybit's accountMMRate, Binance's uniMMR, OKX's
mgnRatio: docs/unified-margin.md)."""


@dataclass(frozen=True)
class Level:
    """An action level: the condition that compares the rate with it, the parameter and its value."""

    condition: str
    parameter: str
    value: Fraction


@dataclass(frozen=True)
class RateSeries:
    """The chart's data, exact: the coin's prices and the margin rate at each (None: not defined there, e.g. no
    margin balance), the action levels, the example it comes from and its liquidation price."""

    example: object
    mode: str
    prices: tuple
    rates: tuple
    levels: tuple
    liquidation_price: Fraction


def chart_example(rule):
    """The worked example the chart draws: the first that expects a liquidation price in a mode defining the
    margin rate (None: none does)."""
    for example in rule.examples:
        mode = rule.at(example.date).modes.get(example.mode)
        if mode is not None and RATE in mode.definitions and "liquidation_price" in example.expect:
            return example
    return None


def margin_rate_at(rule, example, price) -> Fraction | None:
    """The example's account margin rate with its coin at ``price`` and everything else as given (None where the
    rate is not defined at that price: a zero denominator)."""
    from verifier.derive.account.compiled import compiled_mode
    from verifier.derive.account.setting import parameter_values

    mode = rule.at(example.date).mode(example.mode)
    values = parameter_values(mode, example.date)
    for name, value in example.given.items():
        spec = mode.symbols.get(name) or mode.parameters.get(name)
        if spec is not None:
            values[spec.sympy] = Fraction(value)
    values[mode.symbols[rule.price].sympy] = Fraction(price)
    try:
        return compiled_mode(mode).value(mode, RATE, values)
    except (EvaluationError, ZeroDivisionError):
        return None


def action_levels(mode, date) -> tuple:
    """Each condition's level: the parameters of the mode each condition's formula uses, with their values on
    ``date`` (rule order of the conditions)."""
    from verifier.derive.account.setting import parameter_values

    values = parameter_values(mode, date)
    by_symbol = {p.sympy: p for p in mode.parameters.values()}
    out = []
    for name, condition in mode.conditions.items():
        for symbol in sorted(condition.formula.expr.free_symbols & set(by_symbol), key=str):
            if symbol in values:
                out.append(Level(name, by_symbol[symbol].name, values[symbol]))
    return tuple(out)


def margin_rate_series(rule) -> RateSeries | None:
    """The chart's data for ``rule`` (None: no worked example gives an account with a liquidation price)."""
    from verifier.derive import price_at

    example = chart_example(rule)
    if example is None:
        return None
    liquidation = price_at(rule, example.mode, "liquidation", example.given, market=example.market,
                           date=example.date)
    if liquidation is None or liquidation <= 0:
        return None
    step = (HIGH - LOW) / (POINTS - 1)
    prices = sorted({liquidation * (LOW + step * i) for i in range(POINTS)} | {liquidation})
    rates = tuple(margin_rate_at(rule, example, p) for p in prices)
    mode = rule.at(example.date).mode(example.mode)
    return RateSeries(example, example.mode, tuple(prices), rates, action_levels(mode, example.date), liquidation)


# --------------------------------------------------------------------------------------------- the page section


def unified_chart_section(rule, path: str, chart_path: str):
    """(markdown lines, svg or None) of a unified rule's page: the chart, the account it draws and its points."""
    from verifier.docs import charts
    from verifier.docs.markup import esc, html_table, number, rel

    lines = ["## Account margin rate against a coin's price", ""]
    series = margin_rate_series(rule)
    if series is None:
        return lines + ["No chart: no worked example of this rule gives an account with a liquidation price.",
                        ""], None
    example, mode = series.example, rule.at(series.example.date).mode(series.mode)
    held = [f"`{esc(k)}` = {esc(number(v))}" for k, v in example.given.items()
            if k != rule.price and k in mode.symbols and mode.symbols[k].others]
    own = [f"`{esc(k)}` = {esc(number(v))}" for k, v in example.given.items()
           if k != rule.price and not (k in mode.symbols and mode.symbols[k].others)]
    levels = [(f"{level.condition} ({level.parameter} {number(level.value)})", level.value)
              for level in series.levels]
    svg = charts.rate_chart(list(series.prices), list(series.rates), levels, series.liquidation_price,
                            title=f"{rule.id}: account margin rate against the coin's price",
                            xlabel=f"the coin's price {rule.price} (USD), every other coin held",
                            ylabel=f"account margin rate ({RATE})")
    lines += [f"The account of the worked example *{esc(example.name)}* ({series.mode} mode"
              + (f", {example.date}" if example.date else "") + "): the coin "
              + ", ".join(own) + "; the account's other coins held at " + ", ".join(held) + ". "
              f"Its margin rate (`{RATE}`) at each price of the coin is computed exactly by the code `evaluate` "
              "uses (the mode's compiled definitions, the parameters in force); the lines are the levels the rule's "
              f"conditions compare it with, and the example's liquidation price {esc(number(series.liquidation_price))}.",
              "", f"![Account margin rate against the coin's price, {series.mode} mode]({rel(path, chart_path)})", "",
              "<details>", "<summary>The chart's points, exact</summary>", "",
              html_table([f"price {esc(rule.price)}", f"margin rate ({RATE})"],
                         [[esc(number(p)), esc(number(r)) if r is not None else "not defined"]
                          for p, r in zip(series.prices, series.rates)]),
              "", "</details>", ""]
    return lines, svg
