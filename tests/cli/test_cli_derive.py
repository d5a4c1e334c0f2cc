"""``margin-verifier derive`` as a user runs it: the text users see is pinned (``expected/``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).parent / "expected"


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_derive_text_of_binance_usdm():
    proc = run("derive", "binance/usdm-perpetual")
    assert proc.returncode == 0, proc.stderr
    expected = EXPECTED / "derive-binance-usdm-perpetual.txt"
    if os.environ.get("MARGIN_VERIFIER_UPDATE_EXPECTED"):
        expected.write_text(proc.stdout, encoding="utf-8")
    assert proc.stdout == expected.read_text(encoding="utf-8")


def test_derive_json_and_latex_agree_with_the_text():
    data = json.loads(run("derive", "binance/usdm-perpetual", "--format", "json", "--mode", "isolated").stdout)
    assert {row["mode"] for row in data["closedForms"]} == {"isolated"}
    latex = run("derive", "binance/usdm-perpetual", "--format", "latex", "--mode", "isolated").stdout
    assert all(f"P = {row['latex'][0]}" in latex for row in data["closedForms"] if row["closedForm"])


def test_unknown_mode_is_a_usage_error():
    proc = run("derive", "binance/usdm-perpetual", "--mode", "portfolio")
    assert proc.returncode == 2 and "error[MV002]" in proc.stderr and "one of isolated, cross" in proc.stderr
