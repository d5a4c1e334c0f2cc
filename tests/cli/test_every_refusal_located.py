"""Every refusal has a code and a place: swept over every bad input the suite knows, every diagnostic line (not
only the first) says ``file:line:col: error[MVnnn]: message (at $.path)``, with a line of at least 1 wherever the
file it names has lines; a problem that is about no file says its code too.

The bad inputs: the invalid corpus (tests/corpus/invalid, through ``check``), the kinds of issue 24
(tests/cli/test_bad_inputs.py, through their verbs), the bad snapshots and scenarios and the hostile files of
tests/cli/test_bad_input_every_verb.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.test_bad_input_every_verb import BAD_SCENARIOS, BAD_SNAPSHOTS, CORPUS
from tests.cli.test_bad_inputs import CASES, command, run, written
from tests.security.test_hostile_inputs import HOSTILE_FILES

RULE = "binance/usdm-perpetual"
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning)\[(?P<code>MV\d{3})\]: "
                     r"(?P<message>.+?) \(at (?P<path>\$[^)]*)\)(?:; hint: .*)?$")
UNPLACED = re.compile(r"^margin-verifier[^:\n]*: error\[MV\d{3}\]: \S")
"""An error about no place (argparse's usage errors, an error without diagnostics): its code at least."""


WARNING = re.compile(r"^warning\[MV\d{3}\]: \S")
"""A warning about no file (stale market data, MV609): coded."""


def assert_every_refusal_located(stderr: str, where: str) -> int:
    """Every line of ``stderr`` is a located diagnostic (in a file that has lines: line and col >= 1), a coded
    problem about no place, a coded warning, or argparse's usage text; the number of diagnostics."""
    count, usage = 0, False
    for line in stderr.splitlines():
        if not line.strip():
            continue
        if line.startswith("usage: "):
            usage = True
            continue
        if usage and line.startswith(" "):  # argparse's usage continues on indented lines
            continue
        usage = False
        found = LOCATED.match(line)
        if found is None:
            assert UNPLACED.match(line) or WARNING.match(line), f"{where}: a line without a code or a place:\n{line}"
            count += 1
            continue
        count += 1
        file = found["file"]
        if file != "<command line>" and Path(file).is_file() and Path(file).stat().st_size > 0:
            assert int(found["line"]) >= 1 and int(found["col"]) >= 1, f"{where}: 0:0 in a file with lines:\n{line}"
    return count


def _sweep(argv, where):
    code, out, err = run(argv)
    assert "Traceback" not in err and "internal error" not in err, f"{where}: {err}"
    assert code == 2, f"{where}: exit {code}\n{err}"
    assert assert_every_refusal_located(err, where) >= 1, f"{where}: no diagnostic\n{err}"


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_diagnostic_of_the_invalid_corpus_is_located(path):
    code, out, err = run(["check", path])
    assert code in (1, 2) and "Traceback" not in err
    assert assert_every_refusal_located(err, path.name) >= 1


@pytest.mark.parametrize("name", list(CASES))
def test_every_diagnostic_of_every_kind_of_bad_input_is_located(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    case = CASES[name]
    _sweep(command(case, written(tmp_path, case.files), tmp_path), name)


@pytest.mark.parametrize("name", sorted(BAD_SNAPSHOTS))
def test_every_diagnostic_of_the_bad_snapshots_is_located(name, tmp_path):
    path = written(tmp_path, {name: BAD_SNAPSHOTS[name]})[name]
    for argv in (["evaluate", RULE, path], ["compare", RULE, path]):
        _sweep(argv, f"{name} {argv[0]}")


@pytest.mark.parametrize("name", sorted(BAD_SCENARIOS))
def test_every_diagnostic_of_the_bad_scenarios_is_located(name, tmp_path):
    path = written(tmp_path, {name: BAD_SCENARIOS[name]})[name]
    for argv in (["simulate", path], ["check", path]):
        _sweep(argv, f"{name} {argv[0]}")


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_every_diagnostic_of_the_hostile_files_read_as_accounts_is_located(name, tmp_path):
    path = written(tmp_path, {f"{name}.yaml": HOSTILE_FILES[name]})[f"{name}.yaml"]
    _sweep(["evaluate", RULE, path], name)


def test_the_sweep_catches_a_refusal_at_0_0_in_a_file_with_lines(tmp_path):
    """The check itself can fail: a diagnostic at 0:0 in a file that has lines, or one without a code."""
    path = written(tmp_path, {"x.json": "{\n}"})["x.json"]
    with pytest.raises(AssertionError, match="0:0 in a file with lines"):
        assert_every_refusal_located(f"{path}:0:0: error[MV600]: no (at $)", "self-test")
    with pytest.raises(AssertionError, match="without a code"):
        assert_every_refusal_located("name the source of this data (--source); hint: ...", "self-test")
