"""A unified rule's page chart (issue 29, item 7): the account margin rate against one coin's price.

The chart's points are the margin rate ``evaluate`` gives the same account: a two-coin account evaluated by the
evaluate job's reference path (:func:`verifier.derive.account.evaluate_account`) at each price of the chart.  Only
the Bybit rule can evaluate an account with a loan today (the other two rules' loan rate BMMR has no reading), and
its catalog has one BTC ratio per date, so the equivalence is held on the example's account at the catalog's ratio
in force (0.85), and the chart's own account (the example's ratio 0.95) against the example's arithmetic.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from fractions import Fraction as F

import pytest

from verifier.derive.account import evaluate_account
from verifier.docs import layout
from verifier.docs.markup import number
from verifier.docs.rule_page import rule_page
from verifier.docs.unified_chart import margin_rate_at, margin_rate_series
from verifier.model.account import Account, Position
from verifier.read import load_rule

UNIFIED = ("bybit/unified-trading-account", "binance/portfolio-margin", "okx/multi-currency-margin")


def coin(symbol, total, debt, price, mm, index) -> Position:
    fields = {"total": F(total), "debt": F(debt), "interest": F(0), "price": F(price), "markPrice": F(price),
              "maintenanceMargin": F(mm)}
    # the example's loan rate (BMMR 0: its loan's maintenance margin is the other coin's MM1), given with the coin
    return Position(symbol, "long" if F(total) >= F(debt) else "short", fields, index=index,
                    market_fields={"loanMMR": F(0)})


def test_the_charts_rate_is_evaluates_margin_rate_for_the_same_account():
    rule = load_rule("bybit/unified-trading-account")
    series = margin_rate_series(rule)
    # the chart's account with the BTC ratio the catalog has on 2026-12-07 (0.85: HR 0.15), so evaluate can price it
    example = dataclasses.replace(series.example, given={**series.example.given, "HR": F("0.15")})
    for price in series.prices:
        account = Account("spot", "cross", (coin("BTC/USD", 1, 0, price, 0, 0), coin("USDT/USD", 0, 57000, 1, 2280, 1)),
                          quote="USD")
        evaluated = evaluate_account(rule, account, date=datetime.date(2026, 12, 7))
        assert margin_rate_at(rule, example, price) == evaluated.margin_level, price


def test_the_bybit_chart_is_the_loan_examples_account():
    series = margin_rate_series(load_rule("bybit/unified-trading-account"))
    assert series.example.name.startswith("a USDT loan liquidates") and series.liquidation_price == 62400
    # 1 BTC at ratio 0.95 against a 57,000 USDT loan whose maintenance margin is 2,280: rate = MM / margin balance
    assert series.rates == tuple(F(2280) / (F("0.95") * p - 57000) for p in series.prices)
    assert series.rates[series.prices.index(F(62400))] == 1
    assert [(lv.condition, lv.value) for lv in series.levels] == [("liquidation", 1)]


def test_the_binance_and_okx_charts_are_their_loan_examples_accounts():
    binance = margin_rate_series(load_rule("binance/portfolio-margin"))
    assert binance.rates == tuple((F("0.95") * p - 38000) / 3800 for p in binance.prices)  # uniMMR
    assert binance.rates[binance.prices.index(F(44200))] == F("1.05")
    okx = margin_rate_series(load_rule("okx/multi-currency-margin"))
    assert okx.rates == tuple((p - 40000) / F(4020) for p in okx.prices)  # adjEq / (MM + liquidation fees)
    assert okx.rates[okx.prices.index(F(44020))] == 1


@pytest.mark.parametrize("rule_id", UNIFIED)
def test_each_unified_rule_page_draws_the_chart_and_lists_its_points(rule_id):
    rule = load_rule(rule_id)
    page = rule_page(rule, layout.Options(position={"contracts": 1, "contractSize": 1, "entryPrice": 60000}))
    chart = f"assets/charts/{rule_id.replace('/', '-')}-margin-rate.svg"
    assert chart in page.assets and page.assets[chart].startswith(b"<?xml")
    assert b'id="margin-rate"' in page.assets[chart] and b'id="level-0"' in page.assets[chart]
    md = page.markdown
    assert "## Account margin rate against a coin's price" in md and chart.split("/")[-1] in md
    series = margin_rate_series(rule)
    assert f"*{series.example.name}*" in md
    # the page's table of points: every point of the chart, in order
    section = md.split("The chart's points, exact")[1].split("</details>")[0]
    rows = re.findall(r"<tr><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td></tr>", section)
    assert len(rows) == len(series.prices) > 30
    assert [price for price, _ in rows] == [number(p) for p in series.prices]
    at_liquidation = dict(rows)[number(series.liquidation_price)]
    assert F(at_liquidation) == next(lv.value for lv in series.levels if lv.condition == "liquidation")
