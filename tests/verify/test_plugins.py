"""The plugins behave in other people's projects: pytest collects only rule files; the pre-commit hook checks the
rules a changed market catalog breaks.  Each runs as it would for a user: in a subprocess, in a temporary project."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus" / "valid"
BIN = Path(sys.executable).parent

PROMETHEUS = """groups:
  - name: example
    rules:
      - alert: HighRequestLatency
        expr: job:request_latency_seconds:mean5m{job="myjob"} > 0.5
        for: 10m
        labels: {severity: page}
"""


def project(tmp_path: Path) -> Path:
    """A small project with one rule (and its market catalog) under rules/example/."""
    folder = tmp_path / "rules" / "example"
    shutil.copytree(CORPUS / "markets", folder / "markets")
    shutil.copy(CORPUS / "minimal-linear.yaml", folder / "linear-perpetual.yaml")
    return tmp_path


def pytest_in(folder: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=folder,
                          capture_output=True, text=True, timeout=600)


def test_the_pytest_plugin_leaves_another_projects_rules_folder_alone(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "alerts.yaml").write_text(PROMETHEUS)
    (tmp_path / "rules" / "recording.json").write_text('{"groups": []}')
    (tmp_path / "test_app.py").write_text("def test_app():\n    assert True\n")
    result = pytest_in(tmp_path, "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^1 passed", result.stdout, re.M), result.stdout
    assert "alerts.yaml" not in result.stdout


def test_the_pytest_plugin_collects_rule_files_by_their_keys_or_modeline(tmp_path):
    root = project(tmp_path)
    (root / "rules" / "alerts.yaml").write_text(PROMETHEUS)
    text = (CORPUS / "minimal-linear.yaml").read_text()
    # without the modeline a rule file is still known by its 'format:' and 'rule:' keys
    (root / "rules" / "example" / "bare.yaml").write_text(text.split("\n", 1)[1].replace(
        "rule: example/linear-perpetual", "rule: example/bare"))
    result = pytest_in(root, "--collect-only", "-q", "rules")
    items = [line for line in result.stdout.splitlines() if "::" in line]
    assert any(line.endswith("linear-perpetual.yaml::check") for line in items), result.stdout
    assert any(line.endswith("bare.yaml::check") for line in items), result.stdout
    assert any("::example[maintenance margin in the second bracket]" in line for line in items)
    assert not any("alerts.yaml" in line or "markets" in line for line in items)


def _hook():
    """The hook as published in .pre-commit-hooks.yaml: its command and the files it is given."""
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return shlex.split(hook["entry"]), re.compile(hook["files"])


def _run_hook(folder: Path, changed: list[str], entry=None) -> subprocess.CompletedProcess:
    """What pre-commit runs for a commit that changes ``changed``: the entry with the matching files appended."""
    command, files = _hook()
    command = entry or command
    assert command[0] == "margin-verifier"
    exe = shutil.which("margin-verifier", path=str(BIN))
    return subprocess.run([exe, *command[1:], *[f for f in changed if files.search(f)]], cwd=folder,
                          capture_output=True, text=True, timeout=300)


SHARD = "rules/example/markets/example/markets-B.json"


def break_the_second_bracket(shard: Path) -> None:
    """A consistent table (it checks clean on its own) whose second bracket now has another rate: the rule's
    worked example (maintenance margin 250 at a notional of 60,000) no longer holds."""
    text = shard.read_text()
    edited = text.replace("[50000, 250000, 0.005, 50, 100]", "[50000, 250000, 0.006, 100, 100]") \
        .replace("[250000, null, 0.01, 1300, 50]", "[250000, null, 0.01, 1100, 50]")
    assert edited != text
    shard.write_text(edited)


def test_editing_only_a_catalog_tier_row_that_breaks_a_rule_fails_the_hook(tmp_path):
    root = project(tmp_path)
    break_the_second_bracket(root / SHARD)
    changed = [SHARD]
    alone = _run_hook(root, changed, entry=["margin-verifier", "check"])
    assert alone.returncode == 0, alone.stderr  # the shard alone is fine: checking only it missed the break
    result = _run_hook(root, changed)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "rules/example/linear-perpetual.yaml" in result.stderr and "error[MV500]" in result.stderr
    assert "expected maintenance_margin = 250" in result.stderr and "computed 260" in result.stderr


def test_the_hook_passes_an_edit_that_breaks_nothing(tmp_path):
    root = project(tmp_path)
    shard = root / SHARD
    shard.write_text(shard.read_text().replace('"seen": "2026-11-21", "retrieved": "2026-11-21", "source": "brackets", '
                                               '"rows"', '"seen": "2026-11-22", "retrieved": "2026-11-22", "source": '
                                               '"brackets", "rows"'))
    result = _run_hook(root, [SHARD, "README.md"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("checked 2 files (1 catalog shard, 1 rule)"), result.stdout


def test_editing_only_a_catalog_header_checks_the_rules_that_use_it(tmp_path):
    root = project(tmp_path)
    header = root / "rules" / "example" / "markets" / "example" / "catalog.yaml"
    header.write_text(header.read_text().replace("cum: {unit: quote,", "cum: {unit: base,"))
    result = _run_hook(root, ["rules/example/markets/example/catalog.yaml"])
    assert result.returncode == 2, result.stdout + result.stderr
    assert "rules/example/linear-perpetual.yaml" in result.stderr and "error[MV416]" in result.stderr


def test_the_pytest_plugin_runs_a_projects_own_rule_folder_by_option_or_ini(tmp_path):
    """A project depending on margin-verifier keeps its rules in a folder of any name: --mv-rules (or the mv_rules
    ini option) collects it, as --rules names it to the command line."""
    shutil.copytree(ROOT / "examples" / "my-rules", tmp_path / "team-rules")
    (tmp_path / "test_app.py").write_text("def test_app():\n    assert True\n")
    plain = pytest_in(tmp_path, "-q", "--collect-only")
    assert "usdt-perpetual-classic.yaml" not in plain.stdout  # not a folder named rules, not given: left alone
    given = pytest_in(tmp_path, "-q", "--mv-rules", "team-rules")
    assert given.returncode == 0, given.stdout + given.stderr
    assert re.search(r"^10 passed", given.stdout, re.M), given.stdout  # the app's test and the rule's nine items
    (tmp_path / "pytest.ini").write_text("[pytest]\nmv_rules = team-rules\n")
    by_ini = pytest_in(tmp_path, "-q", "--collect-only")
    assert "team-rules/bybit/usdt-perpetual-classic.yaml::check" in by_ini.stdout, by_ini.stdout


def test_the_pytest_plugin_refuses_a_rule_folder_that_is_not_there(tmp_path):
    result = pytest_in(tmp_path, "-q", "--mv-rules", "nowhere")
    assert result.returncode == 4  # pytest's usage error
    assert "error[MV003]: --mv-rules 'nowhere': no such folder" in result.stderr
