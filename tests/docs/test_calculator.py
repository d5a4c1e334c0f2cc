"""The rule pages' calculators: generated code within its allow-list, and answers equal to the evaluate job's.

No site build here: each shipped rule's calculator is generated in process (verifier.docs.calculator) and run in
headless Chromium on a blank page (its runtime, its script and the market scripts a case needs), so every shipped
rule is checked, not only the browser test's subset; tests/docs/test_calculator_browser.py types positions into the
built site's pages.
"""

from __future__ import annotations

import json
import random
from functools import cache
from importlib import resources

import pytest

from shipped import SHIPPED_RULES
from verifier.docs import calculator as calc
from verifier.docs.js_exact import problems
from verifier.docs.layout import Options
from verifier.read import load_rule, load_schema
from verifier.read.account import DECIMAL_PATTERN

from .calculator_cases import PAGE_RESULT_JS, cases, expected

FUTURES = [rule_id for rule_id in SHIPPED_RULES if not load_rule(rule_id).product.spot]
SPOT = [rule_id for rule_id in SHIPPED_RULES if load_rule(rule_id).product.spot]


@cache
def built(rule_id: str):
    rule = load_rule(rule_id)
    return rule, calc.calculator(rule, f"rules/{rule_id}.md", Options(market="BTC/USDT:USDT"))


def split(script: str) -> tuple[dict, str]:
    """(data, generated code) of a rule's calculator script."""
    assert script.startswith(calc.PREFIX) and script.endswith(calc.SUFFIX)
    body = script[len(calc.PREFIX):-len(calc.SUFFIX)]
    data, end = json.JSONDecoder().raw_decode(body)
    assert body[end:end + 2] == ",\n"
    return data, body[end + 2:]


@pytest.mark.parametrize("rule_id", FUTURES)
def test_generated_code_uses_only_the_allowed_constructs(rule_id):
    rule, built_calc = built(rule_id)
    data, code = split(built_calc.assets[calc.spec_path(rule)].decode())
    assert problems(code) == [], problems(code)[:5]
    if any("unusable" not in mode for mode in data["modes"]):
        assert code.count("(v) =>") > 5 and "Q.v(v, " in code
    for name, script in built_calc.assets.items():
        if name != calc.spec_path(rule):  # market data: one call with a JSON literal, no code at all
            head = f"MVCalculator.market({json.dumps(rule.id)}, "
            text = script.decode()
            assert text.startswith(head) and text.endswith(");\n")
            json.JSONDecoder().raw_decode(text[len(head):].split(", ", 1)[1])


def test_the_allow_list_refuses_what_is_not_generated():
    for bad in ['(v) => eval("1")', '(v) => Q.v(v, "a").constructor', "(v) => fetch('x')", "(v) => Q.exec(1n)",
                '(v) => Q.v(v, "a") + 1', "(v) => new Function()", '(v) => Q.v(window, "a")']:
        assert problems(bad), bad


def test_the_calculator_reads_decimals_and_requires_fields_as_the_account_schema_does():
    schema = load_schema("account")
    assert schema["$defs"]["decimal"]["anyOf"][1]["pattern"] == DECIMAL_PATTERN
    assert set(schema["$defs"]["position"]["required"]) == {"symbol", "side", *calc.REQUIRED}


@pytest.mark.parametrize("rule_id", SPOT)
def test_a_spot_margin_rule_says_why_it_has_no_calculator(rule_id):
    rule, built_calc = built(rule_id)
    text = "\n".join(built_calc.lines)
    kind = "unified margin" if rule.product.unified else "spot margin"
    assert kind in text and "balances" in text and not built_calc.assets


def test_a_mode_evaluate_cannot_use_says_why_in_its_words():
    rule, built_calc = built("kucoin/linear-perpetual")
    data, _ = split(built_calc.assets[calc.spec_path(rule)].decode())
    reasons = {m["name"]: m["unusable"] for m in data["modes"]}
    assert reasons["isolated"]["code"] == "MV605" and "needs LFR" in reasons["isolated"]["message"]


@pytest.fixture(scope="module")
def blank(browser):
    """A blank page carrying the calculators' runtime."""
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_content("<!doctype html><html><body></body></html>")
    for name in ("mv-exact.js", "mv-calculator.js"):
        page.add_script_tag(content=resources.files("verifier.docs").joinpath("static", name).read_text("utf-8"))
    yield page
    assert not errors, errors
    page.close()


PER_RULE = 40


@pytest.mark.parametrize("rule_id", FUTURES)
def test_every_shipped_rules_calculator_answers_as_evaluate_does(blank, rule_id):
    rule, built_calc = built(rule_id)
    script = built_calc.assets[calc.spec_path(rule)].decode()
    data, _ = split(script)
    if not any("unusable" not in m for m in data["modes"]):
        pytest.skip(f"{rule_id}: no mode can be evaluated from a position ({data['modes'][0]['unusable']['code']})")
    blank.add_script_tag(content=script)
    rng = random.Random(f"calculator {rule_id}")
    disagreements = []
    for case in cases(rule, data, rng, PER_RULE):
        file = data["markets"].get(case["symbol"])
        if file is not None:
            blank.add_script_tag(content=built_calc.assets[f"{calc.ASSETS}/{file}"].decode())
        page = blank.evaluate(
            f"""async (c) => {{
                const data = c.file ? await MVCalculator.loadMarket(c.rule, c.symbol) : null;
                const raw = Object.assign({{side: c.side}}, c.raw);
                return ({PAGE_RESULT_JS})(MVCalculator.evaluate(c.rule, c.mode, c.symbol, data, raw));
            }}""", {**case, "rule": rule.id, "file": file})
        if "errors" in page:
            page["errors"] = sorted(page["errors"])
        want = expected(rule, case)
        if page != want:
            disagreements.append((case, page, want))
    assert not disagreements, "\n".join(f"{c}\n  page:     {p}\n  evaluate: {w}" for c, p, w in disagreements[:3])
