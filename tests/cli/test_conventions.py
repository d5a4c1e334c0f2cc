"""One CLI convention, run as a user runs the command (subprocess), with the text pinned in ``expected/``.

* every verb takes ``--format`` (``text`` and ``json`` at least; ``evaluate --json`` is kept as an alias);
* stdout carries the result only; diagnostics for people go to stderr; a machine format is one document on stdout;
* the global options (``--debug``, ``--version``, ``--color``/``--no-color``, ``--rules``) work before or after the
  verb;
* colour only on a terminal, never in a pipe or a file, never with ``NO_COLOR``.

Regenerate a pinned text after an intended change with ``MARGIN_VERIFIER_UPDATE_EXPECTED=1``.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from json_versions import expected_versions, without_versions

from verifier import __version__
from verifier.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).parent / "expected"
INVALID = ["tests/corpus/invalid/example-wrong-value.yaml", "tests/corpus/invalid/unknown-unit.yaml"]
ESC = "\x1b["


def run(*args, env=None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "verifier", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, env=environment)


def pinned(name: str, text: str) -> str:
    path = EXPECTED / name
    if os.environ.get("MARGIN_VERIFIER_UPDATE_EXPECTED"):
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8")


def verbs() -> dict:
    parser = build_parser()
    [sub] = [a for a in parser._actions if a.dest == "command"]  # argparse has no public accessor
    return dict(sub.choices)


@pytest.mark.parametrize("verb", sorted(verbs()))
def test_every_verb_takes_format_text_and_json(verb):
    [fmt] = [a for a in verbs()[verb]._actions if "--format" in a.option_strings]
    assert {"text", "json"} <= set(fmt.choices) and fmt.default == "text"


@pytest.mark.parametrize("verb", sorted(verbs()))
def test_every_verb_takes_the_global_options_after_its_name(verb):
    options = {o for a in verbs()[verb]._actions for o in a.option_strings}
    assert {"--debug", "--version", "--color", "--no-color", "--rules"} <= options


@pytest.mark.parametrize("where", [["--version"], ["check", "--version"], ["verify", "--version"]])
def test_version_before_or_after_the_verb(where):
    proc = run(*where)
    rules = expected_versions()["rules"]
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"margin-verifier {__version__}\nrules {rules} (shipped: "
                                                              f"rules)\n", "")


def test_global_options_before_and_after_the_verb_give_the_same_run():
    before = run("--debug", "--no-color", "check", *INVALID)
    after = run("check", *INVALID, "--debug", "--no-color")
    assert (before.returncode, before.stdout, before.stderr) == (after.returncode, after.stdout, after.stderr)
    assert before.returncode == 2


def test_check_text_puts_diagnostics_on_stderr_and_the_summary_on_stdout():
    proc = run("check", *INVALID)
    assert proc.returncode == 2
    assert proc.stdout == pinned("check-invalid.stdout.txt", proc.stdout)
    assert proc.stderr == pinned("check-invalid.stderr.txt", proc.stderr)
    assert ESC not in proc.stdout + proc.stderr  # a pipe: no colour


@pytest.mark.parametrize("fmt", ["json", "github", "junit"])
def test_check_machine_formats_are_one_document_on_stdout(fmt):
    proc = run("check", "--format", fmt, *INVALID)
    assert proc.returncode == 2 and proc.stderr == ""
    output = without_versions(proc.stdout) if fmt == "json" else proc.stdout
    assert output == pinned(f"check-invalid.{fmt}.txt", output)
    if fmt == "json":
        assert json.loads(proc.stdout)["summary"]["problems"] == 2
    elif fmt == "junit":
        suite = ET.fromstring(proc.stdout)
        assert (suite.get("tests"), suite.get("errors"), suite.get("failures")) == ("2", "1", "1")


@pytest.mark.parametrize("args", [
    ["evaluate", "binance/usdm-perpetual", "tests/corpus/invalid/unknown-unit.yaml"],
    ["derive", "no/such-rule"],
    ["simulate", "tests/corpus/invalid/unknown-unit.yaml"],
    ["verify", "tests/corpus/invalid/unknown-unit.yaml", "--format", "json"],
])
def test_bad_input_is_on_stderr_and_stdout_holds_only_a_result(args):
    proc = run(*args)
    assert proc.returncode == 2
    if "--format" in args:  # a machine format: the document, with the diagnostics inside, and a quiet stderr
        assert json.loads(proc.stdout)["summary"]["invalid"] == 1 and proc.stderr == ""
    else:
        assert proc.stdout == "" and "error[MV" in proc.stderr


def test_evaluate_json_flag_is_an_alias_of_format_json():
    a = run("evaluate", "binance/usdm-perpetual", "tests/derive/snapshots/official-cross.json", "--json")
    b = run("evaluate", "binance/usdm-perpetual", "tests/derive/snapshots/official-cross.json", "--format", "json")
    assert a.returncode == b.returncode == 0 and a.stdout == b.stdout and json.loads(a.stdout)["status"]


def _on_a_terminal(*args, env=None) -> str:
    """Run the command with stdout and stderr on a pseudo-terminal; what the terminal showed."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update({"TERM": "xterm", **(env or {})})
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "verifier", *args], cwd=ROOT, env=environment,
                            stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    proc.wait(timeout=120)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_only_on_a_terminal_and_never_with_no_color():
    assert ESC + "1;31merror[MV301]" in _on_a_terminal("check", INVALID[1])
    assert ESC not in _on_a_terminal("check", INVALID[1], env={"NO_COLOR": "1"})
    assert ESC not in _on_a_terminal("check", INVALID[1], "--no-color")
    assert ESC not in _on_a_terminal("--color", "never", "check", INVALID[1])
    assert ESC not in run("check", INVALID[1]).stderr  # a pipe
    assert ESC + "1;31m" in run("check", INVALID[1], "--color", "always").stderr  # asked for explicitly
