"""End-to-end: ``margin-verifier verify`` exit codes and formats (subprocess)."""

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--property", "closed_form_agrees_with_simulator", "--property", "published_formula_equals_derivation"]


def verify(*args):
    return subprocess.run([sys.executable, "-m", "verifier", "verify", *args], capture_output=True, text=True,
                          cwd=ROOT)


def test_shipped_rule_passes_with_exit_0_and_a_summary_table():
    out = verify("rules/okx/linear-swap.yaml", *FAST)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "closed_form_agrees_with_simulator[isolated]" in out.stdout
    assert "tried" in out.stdout and "verified 1 rule file with profile ci" in out.stdout
    assert "\r" not in out.stderr  # progress only on a terminal


def test_mutant_fails_with_exit_1_file_line_and_a_pasteable_example():
    out = verify("tests/mutants/okx/okx-linear-fee-counted-twice.yaml", *FAST)
    assert out.returncode == 1
    assert "okx-linear-fee-counted-twice.yaml:" in out.stdout
    assert "- name: \"verify counterexample: published_formula_equals_derivation\"" in out.stdout
    assert "Traceback" not in out.stderr


def test_invalid_input_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rule: x/y\nformat: 1\nsymbols: [\n", encoding="utf-8")
    out = verify(str(bad))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "bad.yaml:" in out.stderr
    missing = verify("no/such/path.yaml")
    assert missing.returncode == 2 and "MV100" in missing.stderr


def test_unknown_property_and_profile_are_usage_errors():
    assert verify("rules/okx/linear-swap.yaml", "--property", "nonsense").returncode == 2
    assert verify("rules/okx/linear-swap.yaml", "--profile", "forever").returncode == 2


def test_json_format():
    out = verify("rules/okx/linear-swap.yaml", *FAST, "--format", "json")
    data = json.loads(out.stdout)
    assert data["profile"] == "ci" and data["summary"]["failed"] == 0
    results = {r["name"]: r for r in data["rules"][0]["results"]}
    assert results["closed_form_agrees_with_simulator[isolated]"]["examplesTried"] > 0


def test_github_and_junit_formats_on_a_failure():
    gh = verify("tests/mutants/okx/okx-linear-fee-counted-twice.yaml", *FAST, "--format", "github")
    assert gh.returncode == 1 and gh.stdout.startswith("::error file=")
    junit = verify("tests/mutants/okx/okx-linear-fee-counted-twice.yaml", *FAST, "--format", "junit")
    tree = ET.fromstring(junit.stdout)
    assert tree.tag == "testsuites" and tree.find(".//failure") is not None


def test_ci_profile_is_deterministic():
    a = verify("rules/okx/linear-swap.yaml", *FAST, "--format", "json")
    b = verify("rules/okx/linear-swap.yaml", *FAST, "--format", "json")
    strip = lambda text: [(r["name"], r["status"], r["examplesTried"]) for r in json.loads(text)["rules"][0]["results"]]  # noqa: E731
    assert strip(a.stdout) == strip(b.stdout)


def test_skip_with_unknown_property_is_invalid(tmp_path):
    text = (ROOT / "rules/okx/linear-swap.yaml").read_text(encoding="utf-8")
    target = tmp_path / "okx" / "linear-swap.yaml"
    shutil.copytree(ROOT / "rules/okx/markets", target.parent / "markets")  # the rule's market catalog, beside it
    shutil.copytree(ROOT / "rules/okx/conformance", target.parent / "conformance")  # and its recorded cases
    target.write_text(text.replace("\nexamples:\n", "\nverify:\n  skip: {no_such_property: because}\n\nexamples:\n"),
                      encoding="utf-8")
    out = verify(str(target), *FAST)
    assert out.returncode == 2 and "MV470" in out.stderr


def test_pytest_plugin_collects_rule_files_as_items():
    out = subprocess.run([sys.executable, "-m", "pytest", "rules/okx/linear-swap.yaml", "-q", "--collect-only",
                          "-p", "no:cacheprovider"], capture_output=True, text=True, cwd=ROOT)
    assert "linear-swap.yaml::check" in out.stdout
    assert "linear-swap.yaml::closed_form_agrees_with_simulator[isolated]" in out.stdout
    assert "example[" in out.stdout and "published_proofs" in out.stdout
