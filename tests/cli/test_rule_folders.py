"""The user's own rules layered over the shipped ones, as a user runs the commands: from a folder outside the
checkout, with ``--rules DIR`` (before or after the verb) or ``$MARGIN_VERIFIER_RULES``.

A rule id in the user's folder wins and says so once; the other shipped rules stay reachable; a folder that does
not exist or holds no rule is MV003, a user's rule in place of a shipped one of another exchange or product MV004,
a write into the shipped rules from outside the checkout (or into an installed package) MV005: each exit 2,
located.  Every JSON output carries ``versions``.  (The same, from an installed wheel: tests/test_installed.py.)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from diagnostic_lines import errors
from shipped import SHIPPED_RULES
from verifier.read.paths import rule_files
from json_versions import expected_versions
from shared_derivations import own_cache

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "rules"
MY_RULES = ROOT / "examples" / "my-rules"
OKX = "okx/linear-swap"


def run(cwd, *args, env=None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "MARGIN_VERIFIER_RULES"}
    # a cache of the test's own, the suite's derivations shared (tests/shared_derivations.py): no test here is about
    # deriving from nothing, and the full checks below derived all 18 rules cold each time
    environment.update({"MARGIN_VERIFIER_CACHE": str(own_cache(Path(cwd) / ".cache")), **(env or {})})
    return subprocess.run([sys.executable, "-m", "verifier", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def mine(tmp_path) -> Path:
    """A user's folder: the example's own rule, and the shipped OKX linear rule with its market data, adapted."""
    folder = tmp_path / "mine"
    shutil.copytree(MY_RULES, folder)
    (folder / "okx").mkdir()
    shutil.copytree(SHIPPED / "okx" / "markets" / "linear-swap", folder / "okx" / "markets" / "linear-swap")
    (folder / "okx" / "conformance").mkdir()  # the rule's recorded case comes with it
    shutil.copy(SHIPPED / "okx" / "conformance" / "okx-linear-cross-btc-ccxtcomment-2021-07-25.json",
                folder / "okx" / "conformance")
    text = (SHIPPED / "okx" / "linear-swap.yaml").read_text(encoding="utf-8")
    (folder / "okx" / "linear-swap.yaml").write_text(text.replace("title: OKX USDT-margined perpetual swaps (linear)",
                                                                  "title: My OKX linear swaps"), encoding="utf-8")
    return folder


def digest(folder: Path) -> str:
    """The bytes of every file under ``folder``, hashed (to show nothing was written there)."""
    hashed = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            hashed.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return hashed.hexdigest()


# ------------------------------------------------------------------------------------------------ bad folders


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_rules_folder_that_does_not_exist_is_a_usage_error(tmp_path, where):
    args = ["--rules", "nowhere", "rules"] if where == "before" else ["rules", "--rules", "nowhere"]
    proc = run(tmp_path, *args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "<command line>:0:0: error[MV003]: --rules 'nowhere': no such folder" in proc.stderr


def test_a_rules_folder_with_no_rule_is_a_usage_error_for_every_verb(tmp_path):
    (tmp_path / "other" / "rules").mkdir(parents=True)
    (tmp_path / "other" / "rules" / "alerts.yaml").write_text("groups: []\n")
    for verb in (["check"], ["derive", OKX], ["rules"], ["verify", "x"]):
        proc = run(tmp_path, *verb, "--rules", "other")
        assert proc.returncode == 2, (verb, proc.stderr)
        assert "error[MV003]: --rules 'other' holds no rule file" in proc.stderr and "Traceback" not in proc.stderr


def test_the_environment_variable_is_checked_the_same_way(tmp_path):
    proc = run(tmp_path, "rules", env={"MARGIN_VERIFIER_RULES": str(tmp_path / "gone")})
    assert proc.returncode == 2
    assert f"MARGIN_VERIFIER_RULES:0:0: error[MV003]: $MARGIN_VERIFIER_RULES '{tmp_path / 'gone'}'" \
        .replace("$MARGIN_VERIFIER_RULES", "MARGIN_VERIFIER_RULES") in proc.stderr


def test_a_file_given_as_rules_folder_is_refused(tmp_path, mine):
    proc = run(tmp_path, "rules", "--rules", mine / "okx" / "linear-swap.yaml")
    assert proc.returncode == 2 and "is a file, not a folder" in proc.stderr


# ------------------------------------------------------------------------------------------------ layering


def test_the_users_rule_wins_says_so_once_and_the_shipped_ones_stay_reachable(tmp_path, mine):
    proc = run(tmp_path, "--rules", mine, "derive", OKX, "--mode", "isolated")
    assert proc.returncode == 0, proc.stderr
    note = f"margin-verifier: note: rule {OKX} is your mine/okx/linear-swap.yaml (from mine), not the shipped one\n"
    assert proc.stderr.count("note:") == 1 and note in proc.stderr
    checked = run(tmp_path, "--rules", mine, "check", OKX, "--format", "json")  # the same lookup: which file
    assert [f["file"] for f in json.loads(checked.stdout)["files"]] == ["mine/okx/linear-swap.yaml"]
    other = run(tmp_path, "derive", "binance/usdm-perpetual", "--mode", "isolated", "--rules", mine)
    assert other.returncode == 0 and other.stderr == "" and "solved for P" in other.stdout


def test_rules_lists_where_each_rule_comes_from(tmp_path, mine):
    proc = run(tmp_path, "rules", "--rules", mine, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    listed = {rule["id"]: rule for rule in data["rules"]}
    assert listed[OKX]["origin"] == "mine" and listed[OKX]["replaces"].endswith("okx/linear-swap.yaml")
    assert listed[OKX]["title"] == "My OKX linear swaps" and listed[OKX]["marketData"]["markets"] == 8
    assert listed["bybit/usdt-perpetual-classic"]["origin"] == "mine"  # as shown: under the working folder
    assert listed["bybit/usdt-perpetual-classic"]["marketData"] is None
    assert listed["binance/usdm-perpetual"]["origin"] == "shipped"
    shipped = len(SHIPPED_RULES) - 1  # every shipped rule but the one replaced
    assert len([r for r in data["rules"] if r["origin"] == "shipped"]) == shipped
    assert data["versions"] == {**expected_versions(), "userRules": {"mine": "2026-12-07"}}
    text = run(tmp_path, "--rules", mine, "rules")
    assert text.returncode == 0 and text.stdout.endswith(f"{shipped + 2} rules in force ({shipped} shipped, 2 yours)\n")
    assert "mine (replaces shipped)" in text.stdout


def test_the_environment_variable_layers_like_the_option(tmp_path, mine):
    proc = run(tmp_path, "rules", env={"MARGIN_VERIFIER_RULES": str(mine)})
    assert proc.returncode == 0 and "2 yours" in proc.stdout


def test_check_and_verify_take_rule_ids_and_check_defaults_to_the_folders_in_force(tmp_path, mine):
    proc = run(tmp_path, "check", "bybit/usdt-perpetual-classic", "--rules", mine)
    assert proc.returncode == 0 and proc.stdout.startswith("checked 1 file (1 rule): 0 problems"), proc.stderr
    everything = run(tmp_path, "check", "--rules", mine, "--format", "json")
    assert everything.returncode == 0, everything.stdout
    files = [entry["file"] for entry in json.loads(everything.stdout)["files"]]
    assert files[0].startswith("mine/") and any(f.endswith("binance/usdm-perpetual.yaml") for f in files)
    assert len(files) == len(rule_files(SHIPPED)) + len(rule_files(mine))  # every file of both folders


def test_a_users_rule_for_another_exchange_in_a_shipped_rules_place_is_refused(tmp_path, mine):
    rule = mine / "okx" / "linear-swap.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("exchange: okx", "exchange: okex"), encoding="utf-8")
    for args in (["derive", OKX], ["rules"], ["check", rule]):
        proc = run(tmp_path, *args, "--rules", mine)
        assert proc.returncode == 2, (args, proc.stderr)
        [problem] = [e for e in errors(proc.stderr) if e["code"] == "MV004"]
        assert problem["file"].endswith("mine/okx/linear-swap.yaml"), proc.stderr
        assert (problem["line"], problem["path"]) == ("5", "$.exchange"), proc.stderr
        assert "takes the place of the shipped rule 'linear-swap' of okx linear-perpetual" in problem["message"]


def test_a_new_rule_of_the_users_is_no_note(tmp_path, mine):
    proc = run(tmp_path, "derive", "bybit/usdt-perpetual-classic", "--rules", mine)
    assert proc.returncode == 0 and proc.stderr == ""


# ------------------------------------------------------------------------------------------------ versions


def test_every_json_output_carries_the_versions(tmp_path, mine):
    snapshot = ROOT / "tests" / "derive" / "snapshots" / "official-cross.json"
    for args in (["check", SHIPPED / "okx" / "linear-swap.yaml"], ["derive", OKX], ["rules"],
                 ["evaluate", "binance/usdm-perpetual", snapshot],
                 ["compare", "binance/usdm-perpetual", ROOT / "examples" / "compare" / "futures-isolated-1000.yaml"],
                 ["simulate", ROOT / "scenarios" / "binance-margin-cross-vs-isolated.yaml"],
                 ["verify", MY_RULES, "--profile", "dev"]):
        proc = run(tmp_path, *args, "--format", "json")
        assert proc.returncode == 0, (args, proc.stderr)
        assert json.loads(proc.stdout)["versions"] == expected_versions(), args
    lines = run(tmp_path, "evaluate", "binance/usdm-perpetual", _jsonl(tmp_path, snapshot), "--format", "json",
                "--rules", mine)
    records = [json.loads(line) for line in lines.stdout.splitlines()]
    assert len(records) == 2 and all(r["versions"]["userRules"] == {"mine": "2026-12-07"} for r in records)


def _jsonl(tmp_path, snapshot) -> Path:
    path = tmp_path / "two.jsonl"
    line = json.dumps(json.loads(snapshot.read_text()))
    path.write_text(line + "\n" + line + "\n")
    return path


def test_version_prints_the_rules_data_date(tmp_path):
    proc = run(tmp_path, "--version")
    assert proc.stdout == f"margin-verifier {expected_versions()['marginVerifier']}\n" \
                          f"rules {expected_versions()['rules']} (shipped: {SHIPPED})\n"


# ------------------------------------------------------------------------------------------------ import


IMPORT = ["--tiers", ROOT / "tests" / "fixtures" / "ccxt" / "binance-usdm-tiers-2026-09-29.json", "--source",
          "freqtrade-2026.9", "--effective", "2026-09-29", "--retrieved", "2026-11-28"]


def test_import_from_outside_the_checkout_never_writes_into_its_shipped_rules(tmp_path):
    before = digest(SHIPPED)
    proc = run(tmp_path, "import", "binance/usdm-perpetual", *IMPORT)
    assert proc.returncode == 2 and digest(SHIPPED) == before
    [problem] = errors(proc.stderr)
    assert problem["code"] == "MV005" and "runs outside it" in problem["message"] and "--rules DIR" in proc.stderr


def test_import_copies_a_shipped_rule_into_the_users_folder_and_updates_the_copy(tmp_path):
    before = digest(SHIPPED)
    mine = tmp_path / "mine"
    mine.mkdir()  # a folder with no rule yet is fine for import: the copy goes there
    proc = run(tmp_path, "import", "binance/usdm-perpetual", *IMPORT, "--rules", mine)
    assert proc.returncode == 0, proc.stderr
    assert "copied the shipped rule binance/usdm-perpetual and the 31 files it reads into" in proc.stderr
    assert digest(SHIPPED) == before
    copy = mine / "binance" / "usdm-perpetual.yaml"
    assert copy.read_bytes() == (SHIPPED / "binance" / "usdm-perpetual.yaml").read_bytes()
    assert (mine / "binance" / "conformance" / "binance-usdm-cross-2024-07-28-1.json").is_file()
    listed = run(tmp_path, "rules", "--rules", mine, "--format", "json")
    [entry] = [r for r in json.loads(listed.stdout)["rules"] if r["id"] == "binance/usdm-perpetual"]
    assert entry["origin"] == "mine" and entry["replaces"]
    again = run(tmp_path, "import", "binance/usdm-perpetual", *IMPORT, "--rules", mine)
    assert again.returncode == 0 and "copied" not in again.stderr  # the copy is the rule in force now
    checked = run(tmp_path, "check", copy, "--rules", mine)
    assert checked.returncode == 0, checked.stderr


def test_import_into_an_installed_package_is_refused(monkeypatch, tmp_path):
    from verifier.read import rule_sources

    site = tmp_path / "lib" / "python3.11" / "site-packages" / "margin_verifier_rules" / "okx" / "markets"
    problem = rule_sources.write_problem(site)
    assert problem.code == "MV005" and "inside the installed margin-verifier package" in problem.message
    assert "--rules DIR" in problem.hint
    assert rule_sources.write_problem(tmp_path / "mine") is None
    monkeypatch.chdir(ROOT)
    assert rule_sources.write_problem(SHIPPED / "okx" / "markets" / "linear-swap") is None  # a rule author's


def test_the_example_users_folder_holds_the_tutorials_rule():
    """examples/my-rules is the tutorial's finished rule, kept where a user keeps their own (only the path to the
    schema in its first line differs)."""
    tutorial = (ROOT / "docs" / "tutorial" / "files" / "usdt-perpetual.yaml").read_text(encoding="utf-8")
    example = (MY_RULES / "bybit" / "usdt-perpetual-classic.yaml").read_text(encoding="utf-8")
    assert example.split("\n", 1)[1] == tutorial.split("\n", 1)[1]


def test_a_users_rule_in_a_shipped_rules_place_is_judged_again_once_its_file_changes(tmp_path):
    # shadow_problems is remembered per process while both files are unchanged; a changed file is read again
    from verifier.read.rule_sources import shadow_problems

    shipped = ROOT / "rules" / "okx" / "linear-swap.yaml"
    mine = tmp_path / "linear-swap.yaml"
    text = shipped.read_text(encoding="utf-8")
    mine.write_text(text, encoding="utf-8")
    assert shadow_problems(mine, shipped) == []
    mine.write_text(text.replace("\nexchange: okx\n", "\nexchange: bybit\n", 1), encoding="utf-8")
    [problem] = shadow_problems(mine, shipped)
    assert problem.code == "MV004" and "its exchange is 'bybit'" in problem.message
    assert shadow_problems(mine, shipped) == [problem]  # remembered, the same answer
