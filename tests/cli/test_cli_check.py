"""End-to-end: `margin-verifier check` run as a user runs it, in a subprocess."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"


def run(*args, cwd=ROOT):
    exe = shutil.which("margin-verifier", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "verifier"]
    return subprocess.run(command + list(args), cwd=cwd, capture_output=True, text=True, timeout=120)


def test_check_shipped_rules_exits_zero():
    result = run("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problems" in result.stdout


def test_python_dash_m_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "verifier", "check", "rules"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and "0 problems" in result.stdout


def test_invalid_file_exits_two_with_located_message_and_no_traceback():
    result = run("check", str(CORPUS / "invalid" / "typo-in-key.yaml"))
    assert result.returncode == 2
    assert "typo-in-key.yaml:8:1: error[MV201]: unknown key 'titel' (at $.titel); hint: did you mean 'title'?" \
        in result.stderr  # diagnostics for people go to stderr; stdout has the summary
    assert result.stdout.startswith("checked 1 file")
    assert "Traceback" not in result.stdout + result.stderr


def test_every_invalid_corpus_file_exits_nonzero_without_traceback():
    files = [p for p in (CORPUS / "invalid").rglob("*") if p.suffix in (".yaml", ".json")
             and "example" not in p.parts and not (p.name == "catalog.yaml" and p.parent.name in ("shards", "broken-tiers"))]
    result = run("check", *map(str, files))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    # one diagnostic per file, except that the rule using a broken tier table shares the table's (listed once)
    assert result.stderr.count("error[MV") == len(files) - 1


def test_wrong_example_value_exits_one():
    result = run("check", str(CORPUS / "invalid" / "example-wrong-value.yaml"))
    assert result.returncode == 1
    assert "expected maintenance_margin = 251" in result.stderr


def test_json_output_is_machine_readable():
    result = run("check", "--format", "json", str(CORPUS / "invalid" / "unknown-unit.yaml"))
    payload = json.loads(result.stdout)
    diagnostic = payload["files"][0]["diagnostics"][0]
    assert diagnostic["code"] == "MV301" and diagnostic["line"] == 19 and diagnostic["jsonPath"] == "$.symbols.P.unit"
    assert payload["summary"]["problems"] >= 1


def test_github_format_prints_annotations():
    result = run("check", "--format", "github", str(CORPUS / "invalid" / "unknown-unit.yaml"))
    assert result.stdout.startswith("::error file=") and ",line=19,col=13,title=MV301::" in result.stdout


@pytest.mark.parametrize("args", [["check", "no/such/path"], ["check", "--format", "xml"], ["no-such-verb"], []])
def test_usage_errors_exit_two(args):
    result = run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_check_never_modifies_the_checked_files(tmp_path):
    target = tmp_path / "rule.yaml"
    shutil.copytree(CORPUS / "valid", tmp_path / "valid")
    target = tmp_path / "valid" / "minimal-linear.yaml"
    before = {p: p.read_bytes() for p in (tmp_path / "valid").rglob("*") if p.is_file()}
    run("check", str(tmp_path / "valid"))
    after = {p: p.read_bytes() for p in (tmp_path / "valid").rglob("*") if p.is_file()}
    assert before == after and target.exists()


def test_python_syntax_warnings_never_reach_the_user(tmp_path):
    """'1if' makes Python's parser warn on stderr; the user must see only our located message."""
    rule = (CORPUS / "valid" / "minimal-linear.yaml").read_text().replace(
        "{formula: q * P, source: doc}", '{formula: "q * P * (1if q > 0 else 2)", source: doc}')
    shutil.copytree(CORPUS / "valid" / "markets", tmp_path / "markets")
    path = tmp_path / "rule.yaml"
    path.write_text(rule)
    result = run("check", str(path))
    assert "SyntaxWarning" not in result.stderr + result.stdout


# -- the text users see, exactly (snapshots: a change here is a change people notice) -----------------------------
CHECK_DIAGNOSTICS = """\
tests/corpus/invalid/example-wrong-value.yaml:65:34: error[MV500]: example 'maintenance margin in the second bracket': \
expected maintenance_margin = 251 (tolerance 0), computed 250 (at $.examples[0].expect.maintenance_margin); \
hint: check the inputs under 'given', the formula, or the tolerance
tests/corpus/invalid/example-wrong-value.yaml:56:23: warning[MV458]: condition 'liquidation' \
(equity <= maintenance_margin) has no example exactly on its boundary: nothing tells its '<=' from the other \
comparison (at $.conditions.liquidation.when); hint: add an example whose inputs make both sides equal, expecting \
the condition true or false (e.g. liquidation: true), from a source that states the boundary (or note in \
'disagreements' that none does)
warning[MV408]: 2 dated regimes no worked example pins (swapping their effective dates would pass): \
tests/corpus/invalid/example-wrong-value.yaml:31:13 (fee_rate = 0.005 from 2020-01-01 until 2024-08-12), \
tests/corpus/invalid/example-wrong-value.yaml:31:13 (fee_rate = 0.01 from 2024-08-12); \
hint: add an example dated in that interval whose expectation uses it
tests/corpus/invalid/unknown-unit.yaml:19:13: error[MV301]: unknown unit 'qoute' (at $.symbols.P.unit); \
hint: did you mean 'quote'?
"""
CHECK_SUMMARY = """\
checked 4 files (2 rules, 2 scenarios): 2 problems (3 warnings); 0 of 1 example values match; 0 of 0 published \
formulas proved
"""
CHECK_GITHUB = """\
::error file=tests/corpus/invalid/unknown-unit.yaml,line=19,col=13,title=MV301::unknown unit 'qoute' \
(at $.symbols.P.unit); hint: did you mean 'quote'?
"""


def test_check_text_snapshot(capsys, monkeypatch):
    from verifier.cli.main import main

    monkeypatch.chdir(ROOT)
    code = main(["check", "tests/corpus/invalid/example-wrong-value.yaml", "tests/corpus/invalid/unknown-unit.yaml",
                 "scenarios/binance-margin-cross-vs-isolated.yaml", "scenarios/binance-futures-cross-vs-isolated.yaml"])
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, CHECK_SUMMARY, CHECK_DIAGNOSTICS)
    assert main(["check", "--format", "github", "tests/corpus/invalid/unknown-unit.yaml"]) == 2
    assert capsys.readouterr().out == CHECK_GITHUB
    assert main(["check", "tests/corpus/invalid/example-wrong-value.yaml"]) == 1  # a failed example alone: exit 1
    capsys.readouterr()


def test_check_tells_invalid_from_failed_by_field_not_code(tmp_path, monkeypatch):
    """A scenario the simulator cannot drive on its date is invalid input (exit 2), located in the scenario."""
    from verifier.verify.check import check_paths

    bad = tmp_path / "s.yaml"
    bad.write_text("scenario: x\ntitle: t\nrule: binance/usdm-perpetual\ndate: 2001-01-01\n"
                   "accounts: [{id: A, user: a, kind: cross}]\nsteps: [{label: s}]\n")
    monkeypatch.chdir(ROOT)
    [report], _ = check_paths([bad])
    assert [(d.code, d.line) for d in report.invalid] == [("MV712", 4)]
    assert report.failures == [] and not report.ok
    result = run("check", str(bad))
    assert result.returncode == 2 and "error[MV712]" in result.stderr
