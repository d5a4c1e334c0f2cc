"""The lines of one position of a JSON-lines ccxt export read by their shape's template (verifier/read/ccxt_lines.py)
against the usual reading of each line: the same AccountSet, or the same error with the same located diagnostics,
on a file mixing shapes, exports of several positions, broken and flat lines; an error on line N of a run of lines of
one shape says exactly what it says read alone."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.errors import SpecError, VerifierError
from verifier.model.account import Place
from verifier.read import load_rule
from verifier.read import ccxt_lines
from verifier.read.located import Located
from verifier.read.positions_file import export_from_data, line_documents, read_lines

RULE = "binance/usdm-perpetual"

BASE = {"info": {"symbol": "BTCUSDT", "positionAmt": "0.5", "positionSide": "BOTH", "isolatedWallet": "1200.5",
                 "liquidationPrice": "0", "marginType": "isolated"},
        "symbol": "BTC/USDT:USDT", "contracts": 0.5, "contractSize": 1.0, "entryPrice": 60000.1, "markPrice": 59000.0,
        "side": "long", "marginMode": "isolated", "hedged": False, "leverage": 20.0, "collateral": None,
        "liquidationPrice": None}


def _short(position):
    position = copy.deepcopy(position)
    position["side"], position["info"]["positionAmt"] = "short", "-" + position["info"]["positionAmt"]
    return position


def _set(position, path, value):
    position = copy.deepcopy(position)
    *head, last = path
    target = position
    for key in head:
        target = target.get(key) if isinstance(target, dict) else None
    if not isinstance(target, dict):  # an edit before took the path away (info made a list): nothing to set
        return position
    if value is _DELETE:
        target.pop(last, None)
    else:
        target[last] = value
    return position


_DELETE = object()


def _sized(position, size):
    """``position`` holding ``size`` contracts (its raw signed size agreeing)."""
    position = _set(position, ("contracts",), size)
    sign = "-" if position["side"] == "short" else ""
    return _set(position, ("info", "positionAmt"), sign + str(size))

CHANGES = [  # (path, value): each makes a line the template must not read as the others, or reads the same
    (("contracts",), 1.25), (("contracts",), 0.0), (("contracts",), -1.0), (("contracts",), "abc"),
    (("contracts",), "0.75"), (("contracts",), None), (("contracts",), 1e400), (("info", "positionAmt"), "-0.5"),
    (("info", "positionAmt"), "x"), (("info", "positionAmt"), ""), (("info", "isolatedWallet"), "-3"),
    (("info", "isolatedWallet"), "1e999999"), (("info", "isolatedWallet"), _DELETE), (("info", "liquidationPrice"), "61000"),
    (("info", "liquidationPrice"), "abc"), (("side",), "up"), (("side",), _DELETE), (("marginMode",), "cross"),
    (("marginMode",), None), (("symbol",), "FOO/USDT:USDT"), (("symbol",), "BTC/USDT"), (("leverage",), 2.5),
    (("leverage",), 500.0), (("entryPrice",), 0.0), (("entryPrice",), -1.0), (("markPrice",), None),
    (("hedged",), True), (("info", "positionSide"), "LONG"), (("contractSize",), 2.0), (("notional",), 25.5),
    (("timestamp",), 1700000000000), (("info", "extra"), "1"), (("info",), []), (("info", "nested"), {"a": 1}),
]


def _usual(rule, document, margin_mode):
    """The line read as any export is (no template)."""
    if isinstance(document, VerifierError):  # broken JSON: refused before any reading
        return document
    if not isinstance(document.data, (list, dict)):
        return "not JSON"
    try:
        return export_from_data(rule, document.data, {"positions": Located(document)}, margin_mode=margin_mode)
    except SpecError as exc:
        return exc


def _same(found, usual) -> None:
    if isinstance(usual, VerifierError):
        assert type(found) is type(usual)
        assert [d.to_json() for d in found.diagnostics] == [d.to_json() for d in usual.diagnostics]
        assert str(found) == str(usual) and found.code == usual.code
    elif usual == "not JSON":
        assert isinstance(found, SpecError)
    else:
        assert _without_locators(found) == _without_locators(usual)
        for mine, theirs in zip(found.accounts, usual.accounts):  # each locates at its own line
            for place in (Place(("positions", 0, "contracts")), Place(("positions",))):
                assert mine.locator.diagnostic("MV600", "x", place).to_json() == \
                    theirs.locator.diagnostic("MV600", "x", place).to_json()


def _without_locators(found):
    """An AccountSet without its pools' locators (each holds its line's Document, which compares by identity)."""
    return dataclasses.replace(found, accounts=tuple(dataclasses.replace(a, locator=None) for a in found.accounts))


@pytest.fixture(scope="module")
def rule():
    return load_rule(RULE)


def _lines(tmp_path, rows, name="mixed.jsonl"):
    path = tmp_path / name
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return path


def _compare(rule, path, margin_mode=None) -> int:
    """Every line read through the templates and the usual way: the same; how many lines the templates read."""
    read = dict(read_lines(rule, path, margin_mode))
    for number, document in line_documents(path):
        _same(read[number], _usual(rule, document, margin_mode))
    return len(read)


def test_a_file_mixing_shapes_reads_as_each_line_alone(rule, tmp_path):
    long, short = BASE, _short(BASE)
    eth = _set(_set(BASE, ("symbol",), "ETH/USDT:USDT"), ("info", "symbol"), "ETHUSDT")
    rows = []
    for i, (path, value) in enumerate(CHANGES):
        rows += [[long], [short], [_sized(long, 0.5 + i)], [eth]]
        rows.append([_set(long, path, value)])
        rows.append([_set(short, path, value)])
        rows.append([long, eth] if i % 3 == 0 else {"positions": [short], "walletBalance": "100"} if i % 3 == 1
                    else "{broken")
    rows += ["[]", "{}", "[1]", "\"x\""]
    path = _lines(tmp_path, rows)
    assert _compare(rule, path) == len(rows)
    assert _compare(rule, path, "isolated") == len(rows)
    assert _compare(rule, path, "cross") == len(rows)


def test_the_template_reads_the_lines_of_its_shape(rule, tmp_path, monkeypatch):
    """The lines after the first of a shape are read by the template (not the usual way): counted."""
    import verifier.read.positions_file as positions_file

    calls = []
    usual = positions_file.export_from_data
    monkeypatch.setattr(positions_file, "export_from_data", lambda *a, **k: calls.append(1) or usual(*a, **k))
    rows = [[_sized(BASE, 0.25 * (i + 1))] for i in range(20)]
    path = _lines(tmp_path, rows, "same.jsonl")
    monkeypatch.setattr(ccxt_lines, "_SHAPES", {})
    assert len(list(read_lines(rule, path))) == 20
    assert len(calls) == 1  # the first line only


def test_an_error_on_line_n_of_a_run_of_one_shape_says_what_it_says_alone(rule, tmp_path):
    rows = [[_sized(BASE, 0.25 * (i + 1))] for i in range(12)]
    rows[6] = [_set(BASE, ("info", "positionAmt"), "-1.75")]  # same shape: the side check refuses it
    rows[9] = [_set(BASE, ("contracts",), -0.5)]  # same shape: a negative size refused
    rows[10] = [_sized(BASE, 0.0)]  # same shape: flat, skipped
    path = _lines(tmp_path, rows, "errors.jsonl")
    read = dict(read_lines(rule, path))
    assert isinstance(read[7], SpecError) and isinstance(read[10], SpecError)
    assert read[11].skipped and not read[11].accounts
    _compare(rule, path)
    alone = _lines(tmp_path, [rows[6]], "alone.jsonl")
    [(_, by_itself)] = list(read_lines(rule, alone))
    assert [(d.code, d.message, d.hint, d.json_path, d.col) for d in read[7].diagnostics] == \
        [(d.code, d.message, d.hint, d.json_path, d.col) for d in by_itself.diagnostics]
    assert [d.line for d in read[7].diagnostics] == [7] and [d.line for d in by_itself.diagnostics] == [1]


def test_the_command_line_says_the_error_of_line_n(tmp_path):
    rows = [[_sized(BASE, 0.25 * (i + 1))] for i in range(8)]
    rows[5] = [_set(BASE, ("info", "positionAmt"), "-2")]
    path = _lines(tmp_path, rows, "cli.jsonl")
    done = subprocess.run([sys.executable, "-m", "verifier", "evaluate", RULE, str(path), "--date", "2026-10-01"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert f"{path}:6" in done.stderr and "MV611" in done.stderr and "side is 'long' but info.positionAmt is" \
        in done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [("errors" in r) for r in records] == [False] * 5 + [True] + [False] * 2


changes = st.sampled_from(CHANGES)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.booleans(), st.lists(changes, max_size=2), st.integers(1, 40)), min_size=1,
                max_size=12), st.sampled_from([None, "isolated", "cross"]))
def test_any_run_of_lines_reads_as_each_line_alone(rule, tmp_path_factory, drawn, margin_mode):
    rows = []
    for short, edits, size in drawn:
        position = _sized(_short(BASE) if short else BASE, size / 4)
        for path, value in edits:
            position = _set(position, path, value)
        rows.append([position])
    _compare(rule, _lines(tmp_path_factory.mktemp("drawn"), rows), margin_mode)
