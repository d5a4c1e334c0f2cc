"""Every shipped rule (found in rules/, tests/shipped.py) loads, has worked examples, and passes `check`."""

import subprocess
import sys
from pathlib import Path

import pytest

from shipped import SHIPPED_RULES
from verifier.read import load_rule

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("rule_id", SHIPPED_RULES)
def test_rule_loads(rule_id):
    rule = load_rule(rule_id)
    assert rule.id == rule_id
    assert "liquidation" in next(iter(rule.modes.values())).conditions
    assert rule.examples, f"{rule_id} has no worked examples"


def test_check_passes_on_rules():
    result = subprocess.run([sys.executable, "-m", "verifier", "check", "rules"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
