"""Every bad file, through every verb that takes it: exit 2 with a located message, never 3 and never a traceback.

Bad input is the user's to fix, so the answer is always a diagnostic that says where: ``file:line:col`` with a code
(or, for a bad command-line value, ``<command line>`` with a code).  The inputs are the invalid rule corpus, the
hostile files of the security tests, and sets of bad account snapshots, scenarios and dates.  The verbs run in
this process through :func:`verifier.cli.main.main`, exactly as the console script calls it; one subprocess run per
kind of input checks the real command line too.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.test_hostile_inputs import HOSTILE_FILES
from verifier.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted(p for p in (ROOT / "tests" / "corpus" / "invalid").rglob("*")
                if p.suffix in (".yaml", ".json") and "example" not in p.parts  # the valid catalog the rules read
                and not (p.name == "catalog.yaml" and p.parent.name in ("shards", "broken-tiers")))  # the shards' valid header
SNAPSHOT = ROOT / "tests" / "derive" / "snapshots" / "official-cross.json"
SCENARIO = ROOT / "scenarios" / "binance-futures-cross-vs-isolated.yaml"
RULE = "binance/usdm-perpetual"

LOCATED = re.compile(r"^\S[^\n]*:\d+:\d+: (error|warning)\[MV\d{3}\]: \S", re.M)
FAILED = re.compile(r"^\S[^\n]*:\d+: fail: \S", re.M)  # verify's failure lines: file:line of the rule
COMMAND_LINE = re.compile(r"(<command line>|margin-verifier[^\n]*): error\[MV00\d\]: \S", re.M)

BAD_SNAPSHOTS = {
    "ccxt-junk.json": '[{"symbol": "X/Y:Y", "contracts": null, "side": "up"}]',
    "not-json.json": '{"marginMode": "cross", "positions": [',
    "empty.json": "",
    "unknown-margin-mode.json": '{"marginMode": "crossed", "walletBalance": "1", "positions": []}',
    "negative-contracts.json": '{"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT", "side": "long", '
                               '"contracts": "-1", "contractSize": "1", "entryPrice": "60000", "markPrice": "60000", '
                               '"collateral": "100"}]}',
    "missing-entry.json": '{"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT", "side": "long", '
                          '"contracts": "1", "contractSize": "1", "markPrice": "60000", "collateral": "100"}]}',
    "text-as-number.json": '{"marginMode": "cross", "walletBalance": "lots", "positions": [{"symbol": '
                           '"BTC/USDT:USDT", "side": "long", "contracts": "1", "contractSize": "1", '
                           '"entryPrice": "60000", "markPrice": "60000"}]}',
    "zero-entry.json": '{"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT", "side": "short", '
                       '"contracts": "1", "contractSize": "1", "entryPrice": "0", "markPrice": "60000", '
                       '"collateral": "100"}]}',
}

BAD_SCENARIOS = {
    "unknown-kind.yaml": "scenario: x\ntitle: t\nrule: binance/usdm-perpetual\ndate: 2024-01-01\n"
                         "accounts: [{id: A, user: a, kind: cros}]\nsteps: [{label: s}]\n",
    "unknown-rule.yaml": "scenario: x\ntitle: t\nrule: nowhere/nothing\ndate: 2024-01-01\n"
                         "accounts: [{id: A, user: a, kind: cross}]\nsteps: [{label: s}]\n",
    "bad-date.yaml": "scenario: x\ntitle: t\nrule: binance/usdm-perpetual\ndate: 2024-02-30\n"
                     "accounts: [{id: A, user: a, kind: cross}]\nsteps: [{label: s}]\n",
    "before-the-rule.yaml": "scenario: x\ntitle: t\nrule: binance/usdm-perpetual\ndate: 1999-01-01\n"
                            "accounts: [{id: A, user: a, kind: cross}]\nsteps: [{label: s, prices: "
                            "{BTC/USDT:USDT: 60000}}]\n",
    "tab.yaml": "scenario: x\ntitle: t\n\trule: binance/usdm-perpetual\n",
}

BAD_DATES = ["1999-01-01", "2026-13-01", "yesterday", "2024-02-30"]


def run(argv, capsys) -> tuple[int, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out + out.err


def assert_bad_input(code: int, output: str, argv) -> None:
    assert "Traceback" not in output, f"{argv}: traceback\n{output}"
    assert code == 2, f"{argv}: exit {code}, expected 2\n{output}"
    assert LOCATED.search(output) or COMMAND_LINE.search(output), f"{argv}: no located message\n{output}"


def _write(tmp_path, name, text) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_invalid_rule_through_every_verb_that_takes_a_rule(path, capsys):
    for argv in (["check", path], ["verify", path, "--profile", "dev"], ["derive", path],
                 ["evaluate", path, SNAPSHOT], ["compare", path, SNAPSHOT], ["simulate", path]):
        code, output = run(argv, capsys)
        if path.name in WRONG_NOT_INVALID and argv[0] != "simulate":
            assert "Traceback" not in output and code in (0, 1, 2), f"{argv}: exit {code}\n{output}"
            if argv[0] in ("check", "verify"):
                assert code == 1 and (LOCATED.search(output) or FAILED.search(output)), f"{argv}: exit {code}\n{output}"
            continue
        assert_bad_input(code, output, argv)


# Well-formed rules whose worked example or published formula is wrong: a failure to report (exit 1, located, by
# check and verify), not invalid input; derive and evaluate still compute with them (or refuse the snapshot, located).
WRONG_NOT_INVALID = {"example-wrong-value.yaml", "published-formula-wrong.yaml"}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_every_hostile_file_through_every_verb(name, tmp_path, capsys):
    path = _write(tmp_path, f"{name}.yaml", HOSTILE_FILES[name])
    for argv in (["check", path], ["verify", path, "--profile", "dev"], ["derive", path],
                 ["evaluate", path, SNAPSHOT], ["evaluate", RULE, path], ["compare", RULE, path],
                 ["compare", RULE, SNAPSHOT, "--path", path], ["simulate", path]):
        assert_bad_input(*run(argv, capsys), argv)
    # migrate moves tier files: a rule listing none has nothing of the old format to move (exit 0, said so)
    code, output = run(["migrate", path, "--check"], capsys)
    if code != 0 or not output.startswith("nothing to migrate"):
        assert_bad_input(code, output, ["migrate", path])
    assert not Path("pwned").exists()


@pytest.mark.parametrize("name", sorted(BAD_SNAPSHOTS))
def test_every_bad_snapshot_through_evaluate(name, tmp_path, capsys):
    path = _write(tmp_path, name, BAD_SNAPSHOTS[name])
    for argv in (["evaluate", RULE, path], ["evaluate", RULE, path, "--format", "json"],
                 ["evaluate", RULE, path, "--date", "1999-01-01"], ["compare", RULE, path],
                 ["compare", RULE, path, "--format", "json"]):
        assert_bad_input(*run(argv, capsys), argv)


@pytest.mark.parametrize("name", sorted(BAD_SCENARIOS))
def test_every_bad_scenario_through_simulate_and_check(name, tmp_path, capsys):
    path = _write(tmp_path, name, BAD_SCENARIOS[name])
    for argv in (["simulate", path], ["simulate", path, "--format", "json"], ["check", path]):
        assert_bad_input(*run(argv, capsys), argv)


@pytest.mark.parametrize("date", BAD_DATES)
def test_every_bad_date_through_evaluate(date, capsys):
    for argv in (["evaluate", RULE, SNAPSHOT, "--date", date], ["compare", RULE, SNAPSHOT, "--date", date]):
        assert_bad_input(*run(argv, capsys), argv)


@pytest.mark.parametrize("argv", [
    ["evaluate", RULE, "{snapshot}"],
    ["simulate", "{scenario}"],
    ["check", "{corpus}"],
    ["evaluate", RULE, SNAPSHOT, "--date", "1999-01-01"],
], ids=["snapshot", "scenario", "rule", "date"])
def test_the_console_command_itself(argv, tmp_path):
    """One real process per kind of input: what a user's shell sees."""
    values = {"{snapshot}": _write(tmp_path, "junk.json", BAD_SNAPSHOTS["ccxt-junk.json"]),
              "{scenario}": _write(tmp_path, "tab.yaml", BAD_SCENARIOS["tab.yaml"]),
              "{corpus}": CORPUS[0]}
    argv = [str(values.get(a, a)) for a in argv]
    done = subprocess.run([sys.executable, "-m", "verifier", *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert_bad_input(done.returncode, done.stdout + done.stderr, argv)
