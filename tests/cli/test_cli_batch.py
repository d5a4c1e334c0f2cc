"""``margin-verifier batch`` as a user runs it: the summary on stdout, located bad lines on stderr, exit codes.

One real process (what a shell sees); the others run :func:`verifier.cli.main.main` in this process, as the console
script calls it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from verifier.cli import batch as cli_batch
from verifier.cli.main import main
from verifier.report import batch as report_batch

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "batch" / "accounts.jsonl"
RULE = "hyperliquid/perpetual"


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verifier", "batch", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def run_here(capsys, *args) -> tuple:
    try:
        code = main(["batch", *map(str, args)])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_bad_line_exits_2_located_and_writes_nothing(tmp_path):
    out = tmp_path / "out.jsonl"
    done = run(RULE, FIXTURE, "--out", out)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    first, last = done.stderr.splitlines()
    assert first.startswith(f"{FIXTURE}:2:28: error[MV100]: JSON syntax error")  # where the line stops short
    assert "error[MV620]: 1 bad account(s) (above): nothing was written" in last and "--skip-bad" in last
    assert not out.exists()


def test_skipped_bad_lines_are_counted_in_the_summary(tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    code, stdout, stderr = run_here(capsys, RULE, FIXTURE, "--out", out, "--skip-bad", "--format", "json")
    assert code == 0 and stderr == "", stderr  # no progress bar off a terminal
    summary = json.loads(stdout)
    assert (summary["accounts"], summary["positions"], summary["badAccounts"]["byCode"]) == (3, 3, {"MV100": 1})
    assert summary["badAccounts"]["first"][0]["where"] == "line 2" and "versions" in summary
    records = [json.loads(line)["record"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert records == ["position"] * 3 + ["pool"] * 2  # a chunk's positions, then its pools
    text = run_here(capsys, RULE, FIXTURE, "--out", out, "--skip-bad")[1]
    assert "bad accounts skipped: 1 (MV100 1)" in text and "3 accounts, 3 positions in 2 margin pools" in text


def test_usage_mistakes_exit_2_on_the_command_line(tmp_path, capsys):
    for args, code in (([FIXTURE, "--out", tmp_path / "o.jsonl", "--engine", "dask"], "MV624"),
                       ([FIXTURE, "--out", tmp_path / "o.jsonl", "--scheduler", "tcp://x:1"], "MV002"),
                       ([FIXTURE, "--out", FIXTURE], "MV006"),
                       ([tmp_path / "accounts.csv", "--out", tmp_path / "o.jsonl"], "MV002")):
        exit_code, _, stderr = run_here(capsys, RULE, *args)
        assert exit_code == 2 and f"error[{code}]" in stderr and "Traceback" not in stderr, (args, stderr)


def test_the_verb_lists_its_reporters_formats():
    assert cli_batch.FORMATS == report_batch.FORMATS


def test_the_progress_bar_is_drawn_on_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # capsys's stream, seen as a terminal
    code, _, stderr = run_here(capsys, RULE, FIXTURE, "--out", tmp_path / "out.jsonl", "--skip-bad")
    assert code == 0 and stderr.startswith("\r") and "3 accounts, 3 positions, 1 bad" in stderr
    assert stderr.endswith("\n")
