"""``evaluate --explain`` and ``compare --explain`` as a user runs them: the results are the same as without it
(text and JSON), the trace follows them, fits a 100-column terminal, and every format carries it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDTH = 100


def run(*args):
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, cwd=ROOT,
                          check=False, env={"NO_COLOR": "1", "PATH": str(Path(sys.executable).parent)})


def _without_explain(node):
    if isinstance(node, dict):
        return {k: _without_explain(v) for k, v in node.items() if k != "explain"}
    if isinstance(node, list):
        return [_without_explain(v) for v in node]
    return node


EVALUATE = [
    ("binance/usdm-perpetual", "examples/ccxt/binance-usdm-perpetual.json", "2024-07-28"),
    ("hyperliquid/perpetual", "examples/ccxt/hyperliquid-perpetual.json", "2024-10-10"),
    ("binance/usdm-perpetual", "examples/compare/hedged-two-markets.yaml", "2026-10-01"),
]


@pytest.mark.parametrize("rule, path, date", EVALUATE)
def test_evaluate_explain_keeps_the_result_and_adds_the_trace(rule, path, date):
    plain = run("evaluate", rule, path, "--date", date)
    explained = run("evaluate", rule, path, "--date", date, "--explain")
    assert plain.returncode == explained.returncode == 0, explained.stderr
    assert explained.stdout.startswith(plain.stdout)  # the result first, unchanged; then the trace
    trace = explained.stdout[len(plain.stdout):]
    assert trace.count("why these numbers ==") >= 1 and "evaluated by: the reference evaluation" in trace
    for line in trace.splitlines():
        assert len(line) <= WIDTH or " " not in line.strip(), line
    plain_json = json.loads(run("evaluate", rule, path, "--date", date, "--json").stdout)
    explained_json = json.loads(run("evaluate", rule, path, "--date", date, "--json", "--explain").stdout)
    assert _without_explain(explained_json) == plain_json
    positions = explained_json["accounts"] if "accounts" in explained_json else [explained_json]
    for pool in positions:
        for position in pool["positions"]:
            assert position["explain"]["liquidation"]["price"] == position["liquidationPriceExact"]


def test_compare_explain_keeps_the_comparison_in_every_format():
    args = ("compare", "binance/usdm-perpetual", "examples/compare/hedged-two-markets.yaml", "--shock", "-10%",
            "--date", "2026-10-01")
    plain = json.loads(run(*args, "--format", "json").stdout)
    explained = json.loads(run(*args, "--format", "json", "--explain").stdout)
    assert _without_explain(explained) == plain
    for position in explained["positions"]:
        for mode in ("cross", "isolated"):
            trace = position[mode]["explain"]
            assert trace["marginMode"] == mode and trace["liquidation"]["price"] == \
                position[mode]["liquidationPriceExact"]
    text = run(*args, "--explain").stdout
    assert text.startswith(run(*args).stdout)
    assert text.count("why these numbers ==") == 4  # two positions, two modes
    markdown = run(*args, "--format", "markdown", "--explain").stdout
    assert markdown.count("```text") == 4 and "held isolated: why its liquidation price is what it is" in markdown


def test_json_lines_carry_the_trace(tmp_path):
    export = json.loads((ROOT / "examples/ccxt/hyperliquid-perpetual.json").read_text(encoding="utf-8"))
    lines = tmp_path / "accounts.jsonl"
    lines.write_text(json.dumps(export) + "\n", encoding="utf-8")
    proc = run("evaluate", "hyperliquid/perpetual", str(lines), "--date", "2024-10-10", "--explain")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    traces = [p["explain"] for pool in record["accounts"] for p in pool["positions"]]
    assert traces and all(t["evaluatedBy"]["evaluation"] == "reference" for t in traces)
