"""World stories are scenarios: printed as a scenario file, read back and run again, they give the same run."""

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from verifier.read import load_rule, load_scenario
from verifier.simulate import run_scenario
from verifier.verify.properties import properties
from verifier.verify.runner import run_property
from verifier.verify.stories import run_story, stories, story_scenario
from verifier.verify.stories.document import scenario_yaml

ROOT = Path(__file__).resolve().parents[2]


def _states(run):
    return [[(a.id, a.status, a.balances, a.debts, a.positions, a.liquidations, a.equity) for a in step.accounts]
            for step in run.steps]


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_scenarios_print_and_read_back_unchanged(path, tmp_path):
    scenario = load_scenario(path)
    copy = tmp_path / path.name
    copy.write_text(scenario_yaml(scenario), encoding="utf-8")
    again = load_scenario(copy)
    for name in ("id", "title", "date", "quote", "accounts", "steps", "overrides", "inputs", "sources"):
        assert getattr(again, name) == getattr(scenario, name), name


@pytest.mark.parametrize("rule_id", ["binance/usdm-perpetual", "binance/spot-margin", "bybit/inverse-perpetual"])
def test_a_generated_story_file_reproduces_the_run(rule_id, tmp_path):
    rule = load_rule(rule_id)
    seen = []

    @settings(max_examples=3, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    @given(stories(rule))
    def check(story):
        scenario, _ = story_scenario(rule, story)
        path = tmp_path / f"story-{len(seen)}.yaml"
        path.write_text(scenario_yaml(scenario), encoding="utf-8")
        assert _states(run_scenario(load_scenario(path))) == _states(run_scenario(scenario))
        seen.append(path)

    check()
    assert seen
    out = subprocess.run([sys.executable, "-m", "verifier", "simulate", str(seen[0])], capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode in (0, 1) and "Traceback" not in out.stderr and out.stdout.startswith("verify story of")


def test_refused_switches_are_expectations_and_nothing_is_written_into_the_simulator():
    rule = load_rule("binance/usdm-perpetual")
    story_args = (None, "BTC/USDT:USDT", "ETH/USDT:USDT", Fraction(100), Fraction(1, 10), 1, Fraction(4), Fraction(5),
                  0, Fraction(1), (Fraction(9, 10), Fraction(1, 2)))
    from verifier.verify.stories import Story

    story = Story(*story_args, funds2=Fraction(20))  # xavier pays in enough for his position X
    scenario, plan = story_scenario(rule, story)
    switches = [a for a in scenario.steps[0].actions if a.verb == "set_margin_mode"]
    assert len(switches) == 6 and all(a.refused is True for a in switches)
    trace = run_story(rule, story)
    assert trace.refused_switches == {"A": True, "D": True, "B-iso": True}
    assert run_scenario(scenario).failures == []  # every expected refusal happened


def test_a_world_property_failure_carries_its_scenario():
    mutant = ROOT / "tests/mutants/binance/binance-own-margin-counted-twice-in-cross.yaml"
    rule = load_rule(mutant)
    prop = next(p for p in properties() if p.name == "cross_liquidates_no_earlier_than_isolated")
    row = run_property(prop, rule, None, "ci")
    assert row.status == "fail" and row.scenario is not None
    assert f"rule: {mutant.resolve()}" in row.scenario_yaml  # the mutant's own file, not the shipped rule
