"""The evaluate job's two paths on every bad and hostile input the suite knows, and on every good account file: the
compiled path (the compiled snapshot check, the rule's compiled program) refuses exactly what the reference path
refuses, with the same located diagnostics, and answers exactly what it answers.  Then the command line: a warm
``evaluate`` of a shipped rule, and a first one with an empty cache (the shipped compiled program), load no SymPy,
no schema validator, no YAML and no NumPy."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_bad_input_every_verb import BAD_SNAPSHOTS, CORPUS
from tests.cli.test_bad_inputs import CASES as BAD_INPUTS
from tests.cli.test_bad_inputs import command, written
from tests.security.test_hostile_inputs import HOSTILE_FILES
from verifier.errors import VerifierError
from verifier.jobs.evaluate import evaluate_file, evaluate_lines

ROOT = Path(__file__).resolve().parents[2]
RULE = "binance/usdm-perpetual"
GOOD = sorted((ROOT / "tests" / "derive" / "snapshots").glob("*.json")) + sorted(
    (ROOT / "tests" / "fixtures" / "ccxt_exports").glob("*.json"))
HEAVY = ("sympy", "jsonschema", "yaml", "numpy")

MORE_BAD = {  # texts a JSON reader and the located (YAML) reader could read differently, each a snapshot otherwise
    "duplicate-key.json": '{"marginMode": "cross", "marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT",'
                          ' "side": "long", "contracts": "1", "entryPrice": 1, "markPrice": 1, "collateral": 1}]}',
    "tab.json": '{"marginMode":\t"isolated", "positions": [{"symbol": "BTC/USDT:USDT", "side": "long", '
                '"contracts": "1", "entryPrice": 1, "markPrice": 1, "collateral": 1}]}',
    "escape.json": '{"marginMode": "isolated", "positions": [{"symbol": "BTC\\/USDT:USDT", "side": "long", '
                   '"contracts": "1", "entryPrice": 1, "markPrice": 1, "collateral": 1}]}',
    "exponent.json": '{"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT", "side": "long", '
                     '"contracts": "1", "entryPrice": 1e101, "markPrice": 1, "collateral": 1}]}',
    "nan.json": '{"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT", "side": "long", '
                '"contracts": "1", "entryPrice": NaN, "markPrice": 1, "collateral": 1}]}',
    "bom.json": '\ufeff{"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT", "side": "long", '
                '"contracts": "1", "entryPrice": 1, "markPrice": 1, "collateral": 1}]}',
    "yaml.yaml": "marginMode: isolated\npositions:\n- {symbol: BTC/USDT:USDT, side: long, contracts: '1', "
                 "entryPrice: 60000, markPrice: 60000, collateral: 1000}\n",
    "no-collateral.json": '{"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT", "side": "long", '
                          '"contracts": "1", "entryPrice": 60000, "markPrice": 60000}]}',
    "unknown-market.json": '{"marginMode": "isolated", "positions": [{"symbol": "NOPE/USDT:USDT", "side": "long", '
                           '"contracts": "1", "entryPrice": 60000, "markPrice": 60000, "collateral": 5}]}',
    "hedge.json": '{"marginMode": "cross", "positionMode": "hedge", "walletBalance": "100000", "positions": ['
                  '{"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "entryPrice": 60000, '
                  '"markPrice": 60000}, {"symbol": "BTC/USDT:USDT", "side": "short", "contracts": "2", '
                  '"entryPrice": 61000, "markPrice": 60000}]}',
}


def outcome(call):
    """A call's result (its evaluations and what it reconciled), or its refusal as every diagnostic rendered."""
    try:
        result = call()
    except VerifierError as exc:
        return type(exc).__name__, exc.code, str(exc), [d.render() for d in exc.diagnostics]
    if isinstance(result, list):  # JSON lines
        return [(line.number, outcome(lambda: _raise(line.error)) if line.error else _plain(line.result))
                for line in result]
    return _plain(result)


def _raise(error):
    raise error


def _plain(result):
    checks = sorted((str(c) for c in result.checks.values()))
    return result.format, result.evaluations, checks, result.skipped, result.failed


def both(path, **options) -> tuple:
    compiled = outcome(lambda: evaluate_file(RULE, path, **options))
    reference = outcome(lambda: evaluate_file(RULE, path, reference=True, **options))
    return compiled, reference


def _written(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("name", sorted({**BAD_SNAPSHOTS, **MORE_BAD}))
def test_a_bad_or_doubtful_snapshot_is_refused_or_answered_alike(name, tmp_path):
    path = _written(tmp_path, name, {**BAD_SNAPSHOTS, **MORE_BAD}[name])
    for options in ({}, {"date": dt.date(2026, 10, 1)}, {"date": dt.date(1999, 1, 1)}):
        compiled, reference = both(path, **options)
        assert compiled == reference, (name, options)


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_a_hostile_file_is_refused_alike(name, tmp_path):
    for suffix in (".yaml", ".json"):
        compiled, reference = both(_written(tmp_path, name + suffix, HOSTILE_FILES[name]))
        assert compiled == reference and isinstance(compiled[0], str) and compiled[1], (name, suffix)


def test_the_invalid_corpus_as_account_files_is_refused_alike():
    for path in CORPUS:
        compiled, reference = both(path)
        assert compiled == reference, path


EVALUATE_BAD_INPUTS = sorted(name for name, case in BAD_INPUTS.items() if case.argv[0] == "evaluate")


@pytest.mark.parametrize("name", EVALUATE_BAD_INPUTS)
def test_every_bad_input_of_the_reading_layer_is_refused_alike(name, tmp_path):
    """The reading layer's bad-input corpus (tests/cli/test_bad_inputs.py: digits, exponents, depth, NaN, byte-order
    mark, UTF-8, duplicate keys, ranges, two positions in a market...), each ``evaluate`` case through both paths:
    refused, and the refusal the same, diagnostic for diagnostic."""
    case = BAD_INPUTS[name]
    rule, path, *rest = command(case, written(tmp_path, case.files), tmp_path)[1:]
    options = dict(zip(rest[::2], rest[1::2]))
    assert set(options) <= {"--balance", "--date"}, options
    kwargs = {"balance": options.get("--balance"),
              "date": dt.date.fromisoformat(options["--date"]) if "--date" in options else None}
    compiled = outcome(lambda: evaluate_file(rule, path, **kwargs))
    reference = outcome(lambda: evaluate_file(rule, path, reference=True, **kwargs))
    assert compiled == reference and isinstance(compiled[0], str) and compiled[1] == case.code, (name, compiled)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_every_good_account_file_is_answered_alike(path):
    rule = {"hyperliquid": "hyperliquid/perpetual", "okx": "okx/inverse-swap"}.get(path.name.split("-")[0], RULE)
    for date in (None, dt.date(2024, 10, 10), dt.date(2026, 10, 1)):
        compiled = outcome(lambda: evaluate_file(rule, path, date=date))
        reference = outcome(lambda: evaluate_file(rule, path, date=date, reference=True))
        assert compiled == reference, (path.name, date)


def test_json_lines_are_answered_and_refused_alike(tmp_path):
    export = json.loads((ROOT / "tests" / "fixtures" / "ccxt_exports" / "hyperliquid-cross-2024-10-10.json").read_text())
    path = tmp_path / "accounts.jsonl"
    path.write_text(json.dumps(export) + "\n" + "not json\n" + json.dumps(export) + "\n[{\"symbol\": 5}]\n")
    rule = "hyperliquid/perpetual"
    compiled = outcome(lambda: list(evaluate_lines(rule, path, date=dt.date(2024, 10, 10))))
    reference = outcome(lambda: list(evaluate_lines(rule, path, date=dt.date(2024, 10, 10), reference=True)))
    assert compiled == reference and len(compiled) == 4


# ----------------------------------------------------------------------------------------------- the command line


def _run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "verifier", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _imported(stderr: str) -> set:
    return {line.split("|")[-1].strip().split(".")[0] for line in stderr.splitlines()
            if line.startswith("import time:")}


@pytest.fixture
def env(tmp_path):
    environment = {**os.environ, "MARGIN_VERIFIER_CACHE": str(tmp_path / "cache")}
    environment.pop("MARGIN_VERIFIER_NO_CACHE", None)
    environment.pop("MARGIN_VERIFIER_RULES", None)
    return environment


def test_evaluating_a_shipped_rule_loads_no_sympy_first_run_or_warm(env, tmp_path):
    """The first run after install finds the shipped compiled program; a warm run finds it (or the cached one);
    neither loads SymPy, the schema validator, YAML or NumPy, and both print what the reference path prints."""
    snapshot = _written(tmp_path, "one.json", MORE_BAD["hedge.json"].replace('"hedge"', '"one-way"').replace(
        'BTC/USDT:USDT", "side": "short"', 'ETH/USDT:USDT", "side": "short"'))
    args = ("evaluate", RULE, snapshot, "--date", "2026-10-01", "--format", "json")
    first, warm = _run(env, *args), _run(env, *args)
    for proc in (first, warm):
        heavy = set(HEAVY) & _imported(proc.stderr)
        assert proc.returncode == 0 and not heavy, (sorted(heavy), proc.stderr[-400:])
    expected = outcome(lambda: evaluate_file(RULE, snapshot, date=dt.date(2026, 10, 1), reference=True))
    assert json.loads(first.stdout)["positions"] == json.loads(warm.stdout)["positions"]
    assert len(json.loads(first.stdout)["positions"]) == len(expected[1][0].positions) == 2


CCXT_LINE = json.dumps([  # what bench_peer.py writes: fetch_positions() of binanceusdm, one position a market
    {"info": {"symbol": "ETHUSDT", "positionAmt": "119.805658", "positionSide": "BOTH", "isolatedWallet": "120971.37",
              "liquidationPrice": "0", "marginType": "isolated"}, "symbol": "ETH/USDT:USDT", "contracts": 119.805658,
     "contractSize": 1.0, "entryPrice": 3029.19, "markPrice": 3113.75, "side": "long", "marginMode": "isolated",
     "hedged": False, "leverage": 3.0, "collateral": None, "liquidationPrice": None},
    {"info": {"symbol": "BTCUSDT", "positionAmt": "-0.5", "positionSide": "BOTH", "isolatedWallet": "3000",
              "liquidationPrice": "0", "marginType": "isolated"}, "symbol": "BTC/USDT:USDT", "contracts": 0.5,
     "contractSize": 1.0, "entryPrice": 60000.0, "markPrice": 60100.0, "side": "short", "marginMode": "isolated",
     "hedged": False, "leverage": 10.0, "collateral": None, "liquidationPrice": None}])


def test_a_ccxt_export_of_a_shipped_rule_loads_no_sympy_first_run_or_warm(env, tmp_path):
    """A ccxt export's mapping comes with the compiled program (issue 26): JSON lines of fetch_positions() lists
    load no SymPy, schema validator, YAML or NumPy, first run or warm; the same export as one file loads no SymPy
    (its reader is the located one: YAML's); both print what the reference path answers."""
    lines = _written(tmp_path, "positions.jsonl", CCXT_LINE + "\n" + CCXT_LINE + "\n")
    whole = _written(tmp_path, "positions.json", CCXT_LINE)
    args = ("--date", "2026-10-01", "--format", "json")
    first, warm = _run(env, "evaluate", RULE, lines, *args), _run(env, "evaluate", RULE, lines, *args)
    for proc in (first, warm):
        heavy = set(HEAVY) & _imported(proc.stderr)
        assert proc.returncode == 0 and not heavy, (sorted(heavy), proc.stderr[-400:])
    assert first.stdout == warm.stdout
    from verifier.report.accounts import line_record
    from verifier.report.evaluate import evaluated_warnings

    reference = [line_record(line.number, line.result.evaluations, line.result.checks, line.result.skipped,
                             unread=line.result.unread, warnings=evaluated_warnings(line.result))
                 for line in evaluate_lines(RULE, lines, date=dt.date(2026, 10, 1), reference=True)]
    printed, expected = ([json.loads(text) for text in texts] for texts in (first.stdout.splitlines(), reference))
    for record in (*printed, *expected):
        record.pop("versions", None)  # the command line's (today's), and the renderer's once a command set them
    assert printed == expected and len(expected) == 2
    assert '"liquidationPriceExact": null' not in first.stdout
    single = _run(env, "evaluate", RULE, whole, *args)
    assert single.returncode == 0 and "sympy" not in _imported(single.stderr), single.stderr[-400:]


def test_a_snapshot_the_program_hands_over_is_answered_the_reference_way(env, tmp_path):
    """A hedge account's two legs of one market: the reference answers (SymPy is loaded then), the output is the
    same as the reference path's."""
    snapshot = _written(tmp_path, "hedge.json", MORE_BAD["hedge.json"])
    proc = _run(env, "evaluate", RULE, snapshot, "--date", "2026-10-01", "--format", "json")
    assert proc.returncode == 0 and "sympy" in _imported(proc.stderr)
    reference = evaluate_file(RULE, snapshot, date=dt.date(2026, 10, 1), reference=True)
    from verifier.report.evaluate import render

    printed = json.loads(proc.stdout)
    rendered = json.loads(render(reference.evaluations[0], "json"))
    printed.pop("versions"), rendered.pop("versions", None)  # the command line's, the renderer's: today's
    assert printed == rendered
