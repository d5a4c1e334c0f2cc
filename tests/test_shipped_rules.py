"""The Bybit, KuCoin, OKX and Hyperliquid rule files load and pass `check` (issue 7)."""

import subprocess
import sys
from pathlib import Path

import pytest

from verifier.read import load_rule

ROOT = Path(__file__).resolve().parents[1]

RULE_IDS = [
    "bybit/linear-perpetual",
    "bybit/inverse-perpetual",
    "kucoin/spot-margin",
    "kucoin/linear-perpetual",
    "kucoin/inverse-perpetual",
    "okx/linear-swap",
    "okx/inverse-swap",
    "okx/spot-margin",
    "hyperliquid/perpetual",
]


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_loads(rule_id):
    rule = load_rule(rule_id)
    assert rule.id == rule_id
    assert "liquidation" in next(iter(rule.modes.values())).conditions
    assert rule.examples, f"{rule_id} has no worked examples"


def test_check_passes_on_rules():
    result = subprocess.run([sys.executable, "-m", "verifier", "check", "rules"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
