"""The same positions get the same warnings on every input path (issue 28, item 5): a snapshot file, a ccxt
``fetch_positions()`` export, the same export as a JSON-lines line, the Python API and batch's exact path.

Two isolated Binance USDⓈ-M positions evaluated on 2026-12-07 (``$MARGIN_VERIFIER_TODAY``): the shipped catalog's
BTC and ETH data were last seen on 2025-12-24 (specification) and 2026-09-29 (tiers), longer ago than the rule's 30
days, so every path must say MV609 for both markets, in the same words.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-12-07"
RULE = "binance/usdm-perpetual"
POSITIONS = [("BTC/USDT:USDT", "BTCUSDT", "long", "0.5", "60000", "61000", "3000"),
             ("ETH/USDT:USDT", "ETHUSDT", "short", "2", "3000", "2950", "600")]
SNAPSHOT = {"marginMode": "isolated", "positions": [
    {"symbol": symbol, "side": side, "contracts": q, "entryPrice": entry, "markPrice": mark, "collateral": wallet}
    for symbol, _, side, q, entry, mark, wallet in POSITIONS]}
EXPORT = [{"info": {"symbol": raw, "positionAmt": q if side == "long" else "-" + q, "positionSide": "BOTH",
                    "isolatedWallet": wallet, "liquidationPrice": "0", "marginType": "isolated"},
           "symbol": symbol, "contracts": float(q), "contractSize": 1.0, "entryPrice": float(entry),
           "markPrice": float(mark), "side": side, "marginMode": "isolated", "hedged": False, "leverage": 10.0,
           "collateral": None, "liquidationPrice": None}
          for symbol, raw, side, q, entry, mark, wallet in POSITIONS]


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "snapshot.json").write_text(json.dumps(SNAPSHOT), encoding="utf-8")
    (tmp_path / "export.json").write_text(json.dumps(EXPORT), encoding="utf-8")
    (tmp_path / "export.jsonl").write_text(json.dumps(EXPORT) + "\n", encoding="utf-8")
    return tmp_path


def _stderr(path, *extra) -> str:
    proc = subprocess.run([sys.executable, "-m", "verifier", "evaluate", RULE, str(path), *extra], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, env={**os.environ, "MARGIN_VERIFIER_TODAY": TODAY})
    assert proc.returncode == 0, proc.stderr
    return proc.stderr, proc.stdout


def test_every_command_line_path_says_the_same_warnings(files):
    said = {name: _stderr(files / name, "--verbose")[0] for name in ("snapshot.json", "export.json", "export.jsonl")}
    assert "warning[MV609]: 2 markets" in said["snapshot.json"]
    assert "BTC/USDT:USDT" in said["snapshot.json"] and "ETH/USDT:USDT" in said["snapshot.json"]
    assert said["export.json"] == said["snapshot.json"]
    assert said["export.jsonl"] == said["snapshot.json"]


def test_the_api_a_json_lines_record_and_batchs_exact_path_carry_the_same_warnings(files, monkeypatch):
    import datetime as dt

    import verifier
    from verifier.jobs.batch import BatchOptions
    from verifier.jobs.batch_exact import exact_account
    from verifier.read import load_rule
    from verifier.read.positions_file import read_lines
    from verifier.report.evaluate import evaluated_warnings

    monkeypatch.setenv("MARGIN_VERIFIER_TODAY", TODAY)
    from_mapping = verifier.evaluate(RULE, SNAPSHOT).warnings
    assert [w.code for w in from_mapping] == ["MV609", "MV609"]
    assert verifier.evaluate(RULE, files / "snapshot.json").warnings == from_mapping
    # the JSON-lines record: each warning as JSON
    _, out = _stderr(files / "export.jsonl")
    record = json.loads(out.splitlines()[0])
    assert record["warnings"] == [w.to_json() for w in from_mapping]
    # batch's exact path: the account as batch reads it, through exact_account
    rule = load_rule(RULE)
    [(_, accounts)] = list(read_lines(rule, files / "export.jsonl", None))
    today = dt.date.fromisoformat(TODAY)
    found = exact_account(rule, accounts, BatchOptions(), today)
    assert evaluated_warnings(found["evaluated"]) == list(from_mapping)
