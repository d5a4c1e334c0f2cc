"""The text users see from ``verify``, exactly, for a fixed set of results (no timing: rows are built here)."""

import datetime as dt
import json
from fractions import Fraction

from verifier.errors import Diagnostic
from verifier.model.scenario import AccountSpec, Action, Scenario, Step
from verifier.read import load_rule
from verifier.report import verify as report
from verifier.verify.runner import FileReport, Row


def reports():
    rule = load_rule("binance/usdm-perpetual")
    story = Scenario("verify-story", "verify story of binance/usdm-perpetual", rule, dt.date(2026, 11, 21),
                     (AccountSpec("A", "alice", "cross", mode="cross"),),
                     (Step("open", None, {"BTC/USDT:USDT": Fraction(60000)},
                           (Action("deposit", {"account": "A", "asset": "USDT", "amount": Fraction(1, 4)}),
                            Action("set_margin_mode", {"user": "alice", "market": "BTC/USDT:USDT", "mode": "isolated"},
                                   refused=True))),),
                     rule_ref="binance/usdm-perpetual")
    good = FileReport("rules/okx/linear-swap.yaml", "okx/linear-swap", [], [
        Row("examples", "pass", 3, 0.25, prop="examples"),
        Row("published_proofs", "pass", 1, 0.5, prop="published_proofs"),
        Row("closed_form_agrees_with_simulator[isolated]", "pass", 100, 1.5, prop="closed_form_agrees_with_simulator",
            mode="isolated"),
        Row("chosen_tier_holds_notional_at_liquidation[isolated]", "n/a", message="no tier table",
            prop="chosen_tier_holds_notional_at_liquidation", mode="isolated")])
    bad = FileReport("tests/mutants/x.yaml", "binance/usdm-perpetual", [], [
        Row("examples", "pass", 7, 0.125, prop="examples"),
        Row("published_formula_equals_derivation[cross]", "fail", 16, 1.0,
            "published liquidation_price #1 gives 2, the derivation 3", 105,
            {"name": "verify counterexample: published_formula_equals_derivation", "source": "s", "mode": "cross",
             "given": {"q": Fraction(1, 3)}, "expect": {"liquidation_price": Fraction(2)}, "tolerance": Fraction(0)},
            "published_formula_equals_derivation", "cross"),
        Row("mode_switch_refused_with_open_position_or_order", "fail", 3, 2.0,
            "switching BTC/USDT:USDT's margin mode was allowed for A with an open position [story: ...]", 90,
            prop="mode_switch_refused_with_open_position_or_order", scenario=story),
        Row("insolvent_account_is_liquidated", "error", 1, 0.5, "KeyError: 'q'", 90,
            prop="insolvent_account_is_liquidated"),
        Row("cross_liquidates_no_earlier_than_isolated", "skip", message="skipped by the rule file: by design",
            prop="cross_liquidates_no_earlier_than_isolated")])
    invalid = FileReport("rules/x.yaml", None, [Diagnostic("MV201", "unknown key 'titel'", "rules/x.yaml", 3, 1,
                                                           "$.titel", "did you mean 'title'?")])
    return [good, bad, invalid], [Diagnostic("MV100", "no such file or folder", file="nope", hint="check the path")]

TEXT = """\
nope:0:0: error[MV100]: no such file or folder (at $); hint: check the path
rules/x.yaml:3:1: error[MV201]: unknown key 'titel' (at $.titel); hint: did you mean 'title'?

okx/linear-swap  (rules/okx/linear-swap.yaml)
  examples                                     ok        3 tried    0.25s
  published_proofs                             ok        1 tried    0.50s
  closed_form_agrees_with_simulator[isolated]  ok      100 tried    1.50s
  (1 property/mode pairs not applicable to this rule)

binance/usdm-perpetual  (tests/mutants/x.yaml)
  examples                                         ok        7 tried    0.12s
  published_formula_equals_derivation[cross]       FAIL     16 tried    1.00s
  mode_switch_refused_with_open_position_or_order  FAIL      3 tried    2.00s
  insolvent_account_is_liquidated                  ERROR     1 tried    0.50s
  cross_liquidates_no_earlier_than_isolated        skip      0 tried    0.00s  skipped by the rule file: by design

tests/mutants/x.yaml:105: fail: published_formula_equals_derivation[cross]: published liquidation_price #1 gives 2, the derivation 3
  counterexample, ready to paste under 'examples:' (check then reproduces the failure):
  - name: "verify counterexample: published_formula_equals_derivation"
    source: s
    mode: cross
    given: {q: 0.333333333333333333333333333333}
    expect: {liquidation_price: 2}
    tolerance: 0

tests/mutants/x.yaml:90: fail: mode_switch_refused_with_open_position_or_order: switching BTC/USDT:USDT's margin mode was allowed for A with an open position [story: ...]
  the story as a scenario file (margin-verifier simulate FILE runs it again):
    # yaml-language-server: $schema=https://margin-verifier.example/schemas/scenario.schema.json
    format: 1
    scenario: verify-story
    rule: binance/usdm-perpetual
    date: 2026-11-21
    title: verify story of binance/usdm-perpetual
    accounts:
      - {id: A, user: alice, kind: cross, mode: cross}
    steps:
      - label: open
        prices: {"BTC/USDT:USDT": 60000}
        actions:
          - deposit: {account: A, asset: USDT, amount: 0.25}
          - set_margin_mode: {user: alice, market: "BTC/USDT:USDT", mode: isolated}
            refused: true

tests/mutants/x.yaml:90: error: insolvent_account_is_liquidated: KeyError: 'q'

verified 3 rule files with profile ci in 12.3s: 4 passed, 3 failed, 1 skipped; 120 generated examples
"""

GITHUB = """\
::error file=nope,line=0,col=0,title=MV100::no such file or folder (at $); hint: check the path
::error file=rules/x.yaml,line=3,col=1,title=MV201::unknown key 'titel' (at $.titel); hint: did you mean 'title'?
::error file=tests/mutants/x.yaml,line=105,col=1,title=MV510::published_formula_equals_derivation[cross]: published liquidation_price #1 gives 2, the derivation 3%0Acounterexample:%0A  - name: "verify counterexample: published_formula_equals_derivation"%0A    source: s%0A    mode: cross%0A    given: {q: 0.333333333333333333333333333333}%0A    expect: {liquidation_price: 2}%0A    tolerance: 0 (at $)
::error file=tests/mutants/x.yaml,line=90,col=1,title=MV510::mode_switch_refused_with_open_position_or_order: switching BTC/USDT:USDT's margin mode was allowed for A with an open position [story: ...]%0Ascenario:%0A# yaml-language-server: $schema=https://margin-verifier.example/schemas/scenario.schema.json%0Aformat: 1%0Ascenario: verify-story%0Arule: binance/usdm-perpetual%0Adate: 2026-11-21%0Atitle: verify story of binance/usdm-perpetual%0Aaccounts:%0A  - {id: A, user: alice, kind: cross, mode: cross}%0Asteps:%0A  - label: open%0A    prices: {"BTC/USDT:USDT": 60000}%0A    actions:%0A      - deposit: {account: A, asset: USDT, amount: 0.25}%0A      - set_margin_mode: {user: alice, market: "BTC/USDT:USDT", mode: isolated}%0A        refused: true%0A (at $)
::error file=tests/mutants/x.yaml,line=90,col=1,title=MV510::insolvent_account_is_liquidated: KeyError: 'q' (at $)
"""

JUNIT = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites name="margin-verifier verify" time="12.340">
  <testsuite name="nope" tests="1" failures="0" errors="1">
    <testcase name="load" classname="nope">
      <error message="no such file or folder">nope:0:0: error[MV100]: no such file or folder (at $); hint: check the path</error>
    </testcase>
  </testsuite>
  <testsuite name="okx/linear-swap" tests="3" failures="0" errors="0" skipped="0" time="2.250">
    <testcase name="examples" classname="okx/linear-swap" time="0.250" file="rules/okx/linear-swap.yaml" line="0" />
    <testcase name="published_proofs" classname="okx/linear-swap" time="0.500" file="rules/okx/linear-swap.yaml" line="0" />
    <testcase name="closed_form_agrees_with_simulator[isolated]" classname="okx/linear-swap" time="1.500" file="rules/okx/linear-swap.yaml" line="0" />
  </testsuite>
  <testsuite name="binance/usdm-perpetual" tests="5" failures="2" errors="1" skipped="1" time="3.625">
    <testcase name="examples" classname="binance/usdm-perpetual" time="0.125" file="tests/mutants/x.yaml" line="0" />
    <testcase name="published_formula_equals_derivation[cross]" classname="binance/usdm-perpetual" time="1.000" file="tests/mutants/x.yaml" line="105">
      <failure message="published liquidation_price #1 gives 2, the derivation 3">tests/mutants/x.yaml:105: published liquidation_price #1 gives 2, the derivation 3
  - name: "verify counterexample: published_formula_equals_derivation"
    source: s
    mode: cross
    given: {q: 0.333333333333333333333333333333}
    expect: {liquidation_price: 2}
    tolerance: 0</failure>
    </testcase>
    <testcase name="mode_switch_refused_with_open_position_or_order" classname="binance/usdm-perpetual" time="2.000" file="tests/mutants/x.yaml" line="90">
      <failure message="switching BTC/USDT:USDT's margin mode was allowed for A with an open position [story: ...]">tests/mutants/x.yaml:90: switching BTC/USDT:USDT's margin mode was allowed for A with an open position [story: ...]
# yaml-language-server: $schema=https://margin-verifier.example/schemas/scenario.schema.json
format: 1
scenario: verify-story
rule: binance/usdm-perpetual
date: 2026-11-21
title: verify story of binance/usdm-perpetual
accounts:
  - {id: A, user: alice, kind: cross, mode: cross}
steps:
  - label: open
    prices: {"BTC/USDT:USDT": 60000}
    actions:
      - deposit: {account: A, asset: USDT, amount: 0.25}
      - set_margin_mode: {user: alice, market: "BTC/USDT:USDT", mode: isolated}
        refused: true
</failure>
    </testcase>
    <testcase name="insolvent_account_is_liquidated" classname="binance/usdm-perpetual" time="0.500" file="tests/mutants/x.yaml" line="90">
      <error message="KeyError: 'q'">tests/mutants/x.yaml:90: KeyError: 'q'</error>
    </testcase>
    <testcase name="cross_liquidates_no_earlier_than_isolated" classname="binance/usdm-perpetual" time="0.000" file="tests/mutants/x.yaml" line="0">
      <skipped message="skipped by the rule file: by design" />
    </testcase>
  </testsuite>
  <testsuite name="rules/x.yaml" tests="1" failures="0" errors="1" skipped="0" time="0.000">
    <testcase name="check" classname="rules/x.yaml">
      <error message="invalid rule file">rules/x.yaml:3:1: error[MV201]: unknown key 'titel' (at $.titel); hint: did you mean 'title'?</error>
    </testcase>
  </testsuite>
</testsuites>
"""


def test_text():
    assert report.render_text(*reports(), 12.34, "ci") == TEXT


def test_github_annotations():
    assert report.render_github(*reports(), 12.34, "ci") == GITHUB


def test_junit():
    assert report.render_junit(*reports(), 12.34, "ci") == JUNIT


def test_json():
    data = json.loads(json.dumps(report.render_json(*reports(), 12.34, "ci")))
    assert data["summary"] == {"rules": 3, "failed": 3, "invalid": 2}
    assert [r["ok"] for r in data["rules"]] == [True, False, False]
    story = data["rules"][1]["results"][2]
    assert story["status"] == "fail" and story["scenario"].startswith("# yaml-language-server")
    assert data["pathErrors"][0]["code"] == "MV100"


def test_failed_and_invalid_are_fields():
    good, bad, invalid = reports()[0]
    assert (good.failed, good.invalid, bad.failed, bad.invalid, invalid.failed, invalid.invalid) == (
        False, False, True, False, False, True)
