"""A fast `check`: the result of an unchanged file comes from the cache without SymPy, and `check --watch` checks
again on every save.  Run as a user runs them (subprocess), each with its own cache folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
HEAVY = ("sympy", "jsonschema", "yaml", "numpy")


@pytest.fixture
def env(tmp_path):
    environment = {**os.environ, "MARGIN_VERIFIER_CACHE": str(tmp_path / "cache")}
    environment.pop("MARGIN_VERIFIER_NO_CACHE", None)
    return environment


def run(env, *args, importtime=False) -> subprocess.CompletedProcess:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run([sys.executable, *flags, "-m", "verifier", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def imported(stderr: str) -> set:
    """Top-level packages named by ``-X importtime`` lines."""
    return {line.split("|")[-1].strip().split(".")[0] for line in stderr.splitlines()
            if line.startswith("import time:")}


def project(tmp_path) -> Path:
    folder = tmp_path / "project"
    shutil.copytree(CORPUS / "valid" / "markets", folder / "markets")
    shutil.copy(CORPUS / "valid" / "minimal-linear.yaml", folder / "rule.yaml")
    return folder / "rule.yaml"


def test_a_warm_check_loads_no_sympy_and_says_the_same(env):
    rule = "rules/binance/usdm-perpetual.yaml"
    cold = run(env, "check", rule, importtime=True)
    warm = run(env, "check", rule, importtime=True)
    assert cold.returncode == warm.returncode == 0
    assert "sympy" in imported(cold.stderr)
    assert not set(HEAVY) & imported(warm.stderr), sorted(set(HEAVY) & imported(warm.stderr))
    assert warm.stdout == cold.stdout


def test_a_warm_json_check_and_version_load_nothing_heavy_either(env):
    """JSON carries the versions (the rules' data date, read by a text scan) and --version prints them: still no
    YAML, schema or SymPy."""
    rule = "rules/okx/linear-swap.yaml"
    run(env, "check", rule)
    for args in (["check", rule, "--format", "json"], ["--version"]):
        proc = run(env, *args, importtime=True)
        heavy = set(HEAVY) & imported(proc.stderr)
        assert proc.returncode == 0 and not heavy, (args, heavy)


@pytest.mark.parametrize("fmt", ["text", "json", "github", "junit"])
def test_cached_results_print_exactly_what_a_fresh_check_prints(env, fmt):
    files = [CORPUS / "invalid" / "example-wrong-value.yaml", "scenarios/binance-margin-cross-vs-isolated.yaml",
             "rules/okx/linear-swap.yaml", "rules/bybit/markets/linear-perpetual/markets-B.json"]
    fresh = run({**env, "MARGIN_VERIFIER_NO_CACHE": "1"}, "check", "--format", fmt, *files)
    run(env, "check", *files)
    warm = run(env, "check", "--format", fmt, *files)
    assert (warm.returncode, warm.stdout, warm.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)
    assert fresh.returncode == 1  # the wrong example: a finding, cached like any result


def break_the_second_bracket(shard: Path) -> None:
    """Another rate for the second bracket (the table stays consistent): the rule's worked example breaks."""
    shard.write_text(shard.read_text().replace("[50000, 250000, 0.005, 50, 100]", "[50000, 250000, 0.006, 100, 100]")
                     .replace("[250000, null, 0.01, 1300, 50]", "[250000, null, 0.01, 1100, 50]"))


def test_editing_a_file_the_check_read_is_seen(env, tmp_path):
    rule = project(tmp_path)
    assert run(env, "check", rule).returncode == 0
    break_the_second_bracket(rule.parent / "markets" / "example" / "markets-B.json")
    again = run(env, "check", rule)
    assert again.returncode == 1 and "computed 260" in again.stderr


def test_a_shard_added_to_the_catalog_is_seen(env, tmp_path):
    """The catalog folder's list of shards is a dependency: a second shard listing the market again is MV803."""
    rule = project(tmp_path)
    folder = rule.parent / "markets" / "example"
    assert run(env, "check", rule).returncode == 0
    shutil.copy(folder / "markets-B.json", folder / "markets-other.json")
    again = run(env, "check", rule)
    assert again.returncode == 2 and "error[MV803]" in again.stderr


def test_a_catalog_read_twice_in_one_run_is_a_dependency_of_both_rules(env, tmp_path):
    """The catalog is read once per process; the second rule that uses it depends on it all the same."""
    rule = project(tmp_path)
    twin = rule.with_name("twin.yaml")
    twin.write_text(rule.read_text().replace("rule: example/linear-perpetual", "rule: example/twin"))
    assert run(env, "check", rule, twin).returncode == 0
    break_the_second_bracket(rule.parent / "markets" / "example" / "markets-B.json")
    again = run(env, "check", rule, twin)
    assert again.returncode == 1 and again.stderr.count("computed 260") == 2, again.stderr


def test_invalid_input_is_never_served_from_the_cache(env, tmp_path):
    """A rule whose catalog is missing: creating it must be seen (nothing recorded it as read)."""
    rule = project(tmp_path)
    folder = rule.parent / "markets"
    shutil.move(folder, rule.parent / "elsewhere")
    assert run(env, "check", rule).returncode == 2
    shutil.move(rule.parent / "elsewhere", folder)
    assert run(env, "check", rule).returncode == 0


def _next_summary(process, expected: str) -> str:
    """The next summary line that starts with ``expected`` (a save caught half-written may show one round of an
    unreadable file first: the next round, after the write, is the one that counts)."""
    for _ in range(3):
        line = process.stdout.readline()
        if line.startswith(expected):
            return line
        assert "unreadable file" in line, line
    raise AssertionError(f"no summary starting {expected!r}")


def test_watch_checks_again_on_every_save_of_the_file_or_of_what_it_reads(env, tmp_path):
    rule = project(tmp_path)
    shard = rule.parent / "markets" / "example" / "markets-B.json"
    process = subprocess.Popen([sys.executable, "-m", "verifier", "check", "--watch", str(rule)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("checked 1 file (1 rule): 0 problems")
        time.sleep(0.2)
        rule.write_text(rule.read_text().replace("maintenance_margin: 250}", "maintenance_margin: 251}"))
        _next_summary(process, "checked 1 file (1 rule): 1 problem")
        time.sleep(0.2)
        rule.write_text(rule.read_text().replace("maintenance_margin: 251}", "maintenance_margin: 250}"))
        _next_summary(process, "checked 1 file (1 rule): 0 problems")
        time.sleep(0.2)
        break_the_second_bracket(shard)
        _next_summary(process, "checked 1 file (1 rule): 1 problem")
    finally:
        process.terminate()
        process.wait(timeout=30)
    errors = process.stderr.read()
    assert "error[MV500]" in errors and "checked again in" in errors and "Traceback" not in errors


def test_every_cache_lives_in_the_one_cache_folder(env, monkeypatch):
    from verifier.derive import cache as derive_cache
    from verifier.disk_cache import cache_dir
    from verifier.read.catalog import validated
    from verifier.verify import check_cache, results

    for variable in ("MARGIN_VERIFIER_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert cache_dir() == Path("/somewhere/margin-verifier")
    folders = {cache.folder.parent for cache in (derive_cache._DISK, check_cache._DISK, results._DISK,
                                                 validated._DISK)}
    assert folders == {cache_dir()}


def test_the_cli_names_the_formats_its_reporters_write():
    from verifier.cli import derive, evaluate, importing
    from verifier.report import derive as derive_report
    from verifier.report import evaluate as evaluate_report
    from verifier.report import importing as importing_report

    assert derive.FORMATS == derive_report.FORMATS and evaluate.FORMATS == evaluate_report.FORMATS
    assert importing.FORMATS == importing_report.FORMATS
