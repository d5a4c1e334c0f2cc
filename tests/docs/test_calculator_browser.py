"""The calculator on the built site's rule pages, typed into as a reader would (headless Chromium, Playwright).

For each rule family the test site has (linear: binance/usdm-perpetual, inverse: binance/coinm-perpetual), 200
random positions are typed field by field into the page's form (each keystroke batch an input event, as typing
is); the page's answers (liquidation price exact and at the tick, or why there is none; maintenance margin;
margin ratio; tier; unrealised PnL; status; or the refusal's codes and messages) are compared with the evaluate
job's for the same snapshot, run in process.  Spot margin has no calculator: its page says why.  A screenshot of
the calculator goes to test-artifacts/, and to docs/images/ with MV_UPDATE_DOCS_IMAGES=1 (the docs show it).
"""

from __future__ import annotations

import os
from fractions import Fraction
import random

import pytest

from verifier.docs import calculator as calc
from verifier.docs.layout import Options
from verifier.read import load_rule

from .calculator_cases import cases, expected
from .conftest import ROOT, open_page
from .test_calculator import split

pytestmark = pytest.mark.xdist_group("site")  # the site is built once, on one worker, for every browser test

ARTIFACTS = ROOT / "test-artifacts"
DOCS_IMAGE = ROOT / "docs" / "images" / "rule-page-calculator.png"
FAMILIES = {"linear": "binance/usdm-perpetual", "inverse": "binance/coinm-perpetual"}
POSITIONS = 200

READ_PAGE = """
(el) => {
  if (el.dataset.outcome === "error")
    return {errors: [...el.querySelectorAll(".mv-calc-errors li")].map(li => [li.dataset.code,
      li.textContent.slice(li.dataset.code.length + 2)])};
  const out = (key) => el.querySelector(`output[data-key="${key}"]`);
  const exact = (key) => out(key).dataset.exact === undefined ? null : out(key).dataset.exact;
  const price = exact("liquidationPrice");
  return {price, priceText: price === null ? null : out("liquidationPrice").textContent,
          reason: out("liquidationPrice").dataset.reason || null,
          tier: exact("tier") === null ? null : Number(exact("tier")),
          liquidationTier: out("tier").dataset.priceTier === undefined ? null : Number(out("tier").dataset.priceTier),
          maintenanceMargin: exact("maintenanceMargin"), unrealizedPnl: exact("unrealizedPnl"),
          marginRatio: exact("marginRatio"), status: exact("status")};
}
"""


@pytest.fixture(scope="module")
def rule_pages(browser, server):
    """rule id -> its page, opened once (positions are typed into the same form one after another)."""
    opened, problems = {}, []
    for rule_id in FAMILIES.values():
        page, errors, foreign = open_page(browser, server + f"rules/{rule_id}/")
        page.wait_for_selector('#mv-calculator[data-state="done"]')
        opened[rule_id] = page
        problems.append((rule_id, errors, foreign))
    yield opened
    for page in opened.values():
        page.close()
    for rule_id, errors, foreign in problems:
        assert not errors, (rule_id, errors)
        assert not foreign, (rule_id, foreign)


TYPE = """
(el, c) => {
  // as a reader types: each field's new text, then its input event (a select's change event), in form order
  const form = el.querySelector("form");
  const put = (name, text, event) => {
    const field = form.elements[name];
    field.value = text;
    field.dispatchEvent(new Event(event, {bubbles: true}));
  };
  put("mode", c.mode, "change");
  put("symbol", c.symbol, "input");
  put("side", c.side, "change");
  for (const [name, text] of Object.entries(c.raw)) put(name, text, "input");
}
"""


def _type(page, case) -> dict:
    """Type the case into the form, field by field; the page's answer once it has computed."""
    page.eval_on_selector("#mv-calculator", TYPE, case)
    page.wait_for_function("() => document.querySelector('#mv-calculator').dataset.state === 'done'")
    answer = page.eval_on_selector("#mv-calculator", READ_PAGE)
    if "errors" in answer:
        answer["errors"] = sorted(answer["errors"])
    return answer


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_typed_positions_get_the_answers_evaluate_gives(rule_pages, family):
    rule_id = FAMILIES[family]
    rule = load_rule(rule_id)
    built = calc.calculator(rule, f"rules/{rule_id}.md", Options())
    data, _ = split(built.assets[calc.spec_path(rule)].decode())
    page = rule_pages[rule_id]
    typed = cases(rule, data, random.Random(f"typed {rule_id}"), POSITIONS)
    agreed, priced, disagreements = 0, 0, []
    for case in typed:
        page_answer, want = _type(page, case), expected(rule, case)
        priced += "errors" not in want
        if page_answer == want:
            agreed += 1
        else:
            disagreements.append((case, page_answer, want))
    kinds = {case["mistake"] for case in typed} - {None}
    print(f"\n{family} ({rule_id}): {len(typed)} positions typed, {agreed} agree with evaluate; "
          f"{priced} priced, mistakes typed: {sorted(kinds)}")
    assert not disagreements, "\n".join(f"{c}\n  page:     {p}\n  evaluate: {w}" for c, p, w in disagreements[:3])
    assert priced > POSITIONS // 2 and len(kinds) >= 5  # the sample exercises both answers and refusals


REFUSALS = [  # (field, text typed, the code evaluate gives)
    ("contracts", "-2", "MV602"), ("contracts", "0", "MV602"), ("markPrice", "0", "MV602"),
    ("entryPrice", "0", "MV602"), ("leverage", "1000", "MV602"), ("contracts", "abc", "MV602"),
    ("entryPrice", "", "MV600"), ("collateral", "", "MV600"), ("collateral", "-1", "MV602"),
    # the reading layer's number limits (inputs.numeral_problem), in evaluate's words
    ("contracts", "1e400", "MV105"), ("markPrice", "5e-101", "MV105"), ("entryPrice", "1" * 101, "MV107"),
    ("collateral", "1." + "0" * 1000, "MV107"), ("contracts", "-1e400", "MV105"),
    # a position past its table's last cap at the mark (legs.OUTGROWN_AT_MARK)
    ("contracts", "1000000", "MV619"),
]


@pytest.mark.parametrize("field, text, code", REFUSALS)
def test_bad_input_is_refused_with_evaluates_words(rule_pages, field, text, code):
    rule = load_rule(FAMILIES["linear"])
    raw = {"contracts": "0.5", "entryPrice": "60000", "markPrice": "59000", "collateral": "3000", "leverage": "10",
           field: text}
    case = {"mode": "isolated", "symbol": "BTC/USDT:USDT", "side": "long", "raw": raw, "mistake": field}
    answer, want = _type(rule_pages[rule.id], case), expected(rule, case)
    assert answer == want and want["errors"][0][0] == code, (answer, want)


def test_a_position_whose_price_lies_past_the_table_has_outgrown_it(rule_pages):
    rule = load_rule(FAMILIES["linear"])
    table = rule.tiers.table("BTC/USDT:USDT")
    last = table.rows[-1]
    entry = Fraction(60000)
    contracts = (last.floor + last.cap) / 2 / entry  # a short in the last bracket at its mark
    beyond = last.cap * Fraction(6, 5) / contracts  # the price where its notional is past the cap
    collateral = contracts * beyond * (1 + last.values["MMR"]) - last.values["cum"] - contracts * entry
    text = lambda v: str(round(Fraction(v), 6))  # noqa: E731
    case = {"mode": "isolated", "symbol": "BTC/USDT:USDT", "side": "short", "mistake": None,
            "raw": {"contracts": text(contracts), "entryPrice": "60000", "markPrice": "60000",
                    "collateral": text(collateral), "leverage": "1"}}
    want = expected(rule, case)
    assert want["price"] is None and want["reason"].startswith("outgrown the tier table"), want
    assert _type(rule_pages[rule.id], case) == want


def test_spot_margin_page_says_why_it_has_no_calculator(browser, server):
    page, errors, _ = open_page(browser, server + "rules/binance/spot-margin/")
    section = page.locator("h2#calculator + p")
    assert "spot margin" in section.inner_text() and page.locator("#mv-calculator").count() == 0
    assert not errors
    page.close()


def test_screenshot_of_a_rule_pages_calculator(rule_pages):
    page = rule_pages[FAMILIES["linear"]]
    case = {"mode": "isolated", "symbol": "BTC/USDT:USDT", "side": "long", "mistake": None,
            "raw": {"contracts": "0.5", "entryPrice": "60000", "markPrice": "58250", "collateral": "3000",
                    "leverage": "10"}}
    answer = _type(page, case)
    assert answer == expected(load_rule(FAMILIES["linear"]), case) and answer["price"] is not None
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#mv-calculator").screenshot(path=str(ARTIFACTS / "rule-page-calculator.png"))
    if os.environ.get("MV_UPDATE_DOCS_IMAGES"):
        DOCS_IMAGE.parent.mkdir(exist_ok=True)
        page.locator("#mv-calculator").screenshot(path=str(DOCS_IMAGE))
