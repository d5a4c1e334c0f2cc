"""A JSON-lines run's output line (report/accounts.line_record) is the document ``json.dumps`` writes of the line's
record, byte for byte: its tail (unread fields, warnings, versions), encoded once per distinct tail, included."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from verifier.jobs.evaluate import evaluate_lines
from verifier.report.accounts import line_record, set_data
from verifier.report.diagnostics import set_versions, versions_held, with_versions
from verifier.report.evaluate import evaluated_warnings

ROOT = Path(__file__).resolve().parents[2]
EXPORT = ROOT / "examples" / "ccxt" / "binance-usdm-perpetual.json"


def as_written_before(number, result, warnings) -> str:
    """The line as one json.dumps of the whole record (what line_record wrote before its tail was cached)."""
    record = {"line": number, **set_data(result.evaluations, result.checks, result.skipped, result.unread)}
    if warnings:
        record["warnings"] = [d.to_json() for d in warnings]
    return json.dumps(with_versions(record), ensure_ascii=False) + "\n"


@pytest.mark.parametrize("versions", [None, {"marginVerifier": "0.1.0", "rules": "2026-12-07", "note": "é"}])
@pytest.mark.parametrize("held", [False, True])
def test_each_line_is_the_whole_record_as_json_dumps_writes_it(tmp_path, versions, held):
    export = json.loads(EXPORT.read_text())  # one cross position and its balance dump
    isolated = [{**export["positions"][0], "marginMode": "isolated", "symbol": symbol,
                 "info": {**export["positions"][0]["info"], "isolatedWallet": "50", "marginType": "isolated"}}
                for symbol in ("BTC/USDT:USDT", "ETH/USDT:USDT")]
    lines = tmp_path / "lines.jsonl"
    # lines sharing a tail (the same unread fields and warnings) and lines that do not
    lines.write_text("".join(json.dumps(line) + "\n" for line in
                             (export, [isolated[0]], [isolated[1]], export, isolated, [isolated[0]])))
    set_versions(None if versions is None else (lambda: dict(versions)))
    try:
        for date in (dt.date(2024, 7, 28), dt.date(2026, 10, 1)):  # without warnings, then with MV609's
            results = list(evaluate_lines("binance/usdm-perpetual", lines, date=date))
            assert len(results) == 6 and all(line.error is None for line in results), results
            if held:
                with versions_held():
                    found = [line_record(line.number, line.result.evaluations, line.result.checks,
                                         line.result.skipped, unread=line.result.unread,
                                         warnings=evaluated_warnings(line.result)) for line in results]
            else:
                found = [line_record(line.number, line.result.evaluations, line.result.checks, line.result.skipped,
                                     unread=line.result.unread, warnings=evaluated_warnings(line.result))
                         for line in results]
            expected = [as_written_before(line.number, line.result, evaluated_warnings(line.result))
                        for line in results]
            assert found == expected
            assert any('"warnings"' in text for text in found) == (date.year == 2026)
    finally:
        set_versions(None)


def test_explain_of_a_line_without_a_pool_is_a_line_not_an_internal_error(tmp_path):
    """An empty fetch_positions() list (no pool: no reason the reference evaluated it) beside an explained account:
    each is its line (it raised IndexError on the reasons of no pool)."""
    import subprocess
    import sys

    lines = tmp_path / "lines.jsonl"
    lines.write_text("[]\n" + json.dumps(json.loads(EXPORT.read_text())) + "\n")
    proc = subprocess.run([sys.executable, "-m", "verifier", "evaluate", "binance/usdm-perpetual", str(lines),
                           "--explain", "--date", "2024-07-28"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert first["line"] == 1 and first["accounts"] == [] and "explain" in second["accounts"][0]["positions"][0]
