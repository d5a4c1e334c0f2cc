"""The rule pages' worked examples, explained (verifier/docs/rule_page.py, ``_explained_examples``): each example's
trace, written at build time by the code of ``evaluate --explain``, agrees with the example's computed values."""

from __future__ import annotations

import html
import re

import pytest

from tests.shipped import SHIPPED_RULES
from verifier.derive.account.explain import explain_example
from verifier.docs import compute, layout
from verifier.docs.rule_page import rule_page
from verifier.read import load_rule
from verifier.report.explain import explanation_text


@pytest.mark.parametrize("rule_id", SHIPPED_RULES)
def test_every_worked_example_is_explained_and_agrees_with_its_computed_value(rule_id):
    rule = load_rule(rule_id)
    rows = compute.example_rows(rule)
    for example in rule.examples:
        trace = explain_example(rule, example)
        assert trace.example == example.name and trace.inputs
        steps = {s.name: s.value for s in trace.values}
        for row in (r for r in rows if r["example"] is example and r["computed"] is not None):
            quantity = row["quantity"]
            if quantity == "liquidation_price":
                assert trace.liquidation.price == row["computed"], example.name
            elif quantity in steps and not isinstance(row["computed"], bool):
                assert steps[quantity] == row["computed"], (example.name, quantity)
            elif quantity in dict((name, holds) for name, _, _, holds in trace.status):
                assert dict((n, h) for n, _, _, h in trace.status)[quantity] == row["computed"], example.name
        given = {i.symbol for i in trace.inputs if i.origin == "example"}
        assert given == set(example.given) & (set(rule.mode(example.mode).symbols)
                                              | set(rule.mode(example.mode).parameters))
        explanation_text(trace)  # writes


def test_the_rule_page_folds_each_example_trace():
    rule = load_rule("binance/usdm-perpetual")
    options = layout.Options(position={"contracts": 1, "contractSize": 1, "entryPrice": 60000},
                             market="BTC/USDT:USDT", leverage=[2, 10])
    markdown = rule_page(rule, options).markdown
    assert re.search(r"^### Each worked example, explained$", markdown, re.M)
    traces = re.findall(r'<pre class="mv-explain"><code>(.*?)</code></pre>', markdown, re.S)
    assert len(traces) == len(rule.examples)
    b5 = next(html.unescape(t) for t in traces if "(B5)" in t)
    assert "liquidation price ~26316.893308902603071827:" in b5
    assert "WB = 1535443.01" in b5 and "given by the worked example" in b5
    assert "(WB - TMM1 + UPNL1 + cum - s * q * EP) / (q * MMR - s * q)" in " ".join(b5.split())  # wrapped


def test_a_dated_worked_example_is_computed_with_the_formulas_of_its_date():
    """Bitget's maintenance margin before 2025-11-10 is the tier's rate on the whole position (500), after it
    tiered (450): the site computed both with today's formula and showed the first as failing."""
    rule = load_rule("bitget/usdt-perpetual")
    rows = {r["example"].name: r for r in compute.example_rows(rule) if r["quantity"] == "maintenance_margin"}
    before = next(r for name, r in rows.items() if name.startswith("before 2025-11-10"))
    assert before["computed"] == 500 and before["passed"]
