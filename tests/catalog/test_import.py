"""``margin-verifier import`` as a user runs it, on recorded ccxt dumps (tests/fixtures/ccxt/README.md cites them):
a round trip into a copy of the Binance rule that passes ``check``, idempotence, the diff's text (pinned), --check,
and the located refusals.  Never the network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shared_derivations import own_cache

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "ccxt"
EXPECTED = Path(__file__).parent / "expected"
RULE = "binance/usdm-perpetual"
SHARDS = Path("rules/binance/markets/usdm-perpetual")


@pytest.fixture
def workspace(tmp_path):
    """A rules/ folder with the Binance USDⓈ-M rule and its catalog header but no markets, and the fixtures; commands
    run in it take that folder as the user's rules ($MARGIN_VERIFIER_RULES), so the rule id names the copy."""
    (tmp_path / SHARDS).mkdir(parents=True)
    text = (ROOT / "rules" / "binance" / "usdm-perpetual.yaml").read_text(encoding="utf-8")
    # its conformance cases need the brackets of 2024-07-28, which these imports do not bring: not this test's subject
    text = text[:text.index("\nconformance:\n")] + "\nconformance: {cases: [], note: not part of this test}\n"
    (tmp_path / "rules" / "binance" / "usdm-perpetual.yaml").write_text(text, encoding="utf-8")
    shutil.copy(ROOT / SHARDS / "catalog.yaml", tmp_path / SHARDS)
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    return tmp_path


def run(workspace, *args) -> subprocess.CompletedProcess:
    # the suite's derivations shared (tests/shared_derivations.py): these tests are about import, not derivation
    env = {**os.environ, "MARGIN_VERIFIER_CACHE": str(own_cache(workspace / ".cache")),
           "MARGIN_VERIFIER_RULES": "rules"}
    return subprocess.run([sys.executable, "-m", "verifier", *map(str, args)], capture_output=True, text=True,
                          cwd=workspace, env=env, timeout=300)


def shards(workspace) -> dict:
    return {p.name: p.read_bytes() for p in sorted((workspace / SHARDS).glob("markets*.json"))}


def history(workspace):
    """The three imports: the 2024 brackets, the 2025 market specifications, the 2026 brackets."""
    return [
        ("--tiers", "fixtures/binance-usdm-tiers-2024-10-03.json", "--source", "freqtrade-git-2024-10-03",
         "--effective", "2024-10-03", "--retrieved", "2026-11-28"),
        ("--markets", "fixtures/binance-usdm-markets-2025-12-24.json", "--source", "binance-exchangeinfo-2025-12-24",
         "--effective", "2025-12-24", "--retrieved", "2026-11-28"),
        ("--tiers", "fixtures/binance-usdm-tiers-2026-09-29.json", "--source", "freqtrade-2026.9",
         "--effective", "2026-09-29", "--retrieved", "2026-11-28"),
    ]


def test_round_trip_passes_check_and_a_second_run_changes_nothing(workspace):
    outputs = []
    for args in history(workspace):
        proc = run(workspace, "import", RULE, *args)
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    written = shards(workspace)
    assert set(written) == {"markets-0-9.json", "markets-B.json", "markets-E.json"}
    check = run(workspace, "check", "rules")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 problems" in check.stdout and "catalog shard" in check.stdout
    for args in history(workspace):  # the same inputs again: nothing changes, --check agrees
        again = run(workspace, "import", RULE, *args, "--check")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "would write 0" in again.stdout
        assert run(workspace, "import", RULE, *args).returncode == 0
    assert shards(workspace) == written
    # the 2026 import's diff, as a reviewer reads it (pinned; regenerate with MARGIN_VERIFIER_UPDATE_EXPECTED=1)
    path = EXPECTED / "import-2026-brackets.txt"
    if os.environ.get("MARGIN_VERIFIER_UPDATE_EXPECTED"):
        path.write_text(outputs[2], encoding="utf-8")
    assert outputs[2] == path.read_text(encoding="utf-8")


def test_the_catalog_keeps_both_dated_versions_and_date_picks_one(workspace):
    for args in history(workspace):
        assert run(workspace, "import", RULE, *args).returncode == 0
    entry = json.loads((workspace / SHARDS / "markets-B.json").read_text())["markets"]["BTC/USDT:USDT"]
    assert [v["effective"] for v in entry["tiers"]] == ["2024-10-03", "2026-09-29"]
    assert entry["tiers"][0]["rows"][1][:2] == [50000, 600000] and entry["tiers"][1]["rows"][1][:2] == [300000, 800000]
    snapshot = workspace / "snap.json"
    snapshot.write_text(json.dumps({"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "contractSize": "1", "entryPrice": "60000",
         "markPrice": "60000", "collateral": "1000"}]}))
    then = json.loads(run(workspace, "evaluate", RULE, snapshot, "--json", "--date", "2024-10-05").stdout)
    now = json.loads(run(workspace, "evaluate", RULE, snapshot, "--json", "--date", "2026-10-01").stdout)
    assert then["positions"][0]["tier"] == 2 and now["positions"][0]["tier"] == 1  # 60,000 notional


def test_check_mode_reports_a_change_with_exit_1_and_writes_nothing(workspace):
    first = history(workspace)[0]
    proc = run(workspace, "import", RULE, *first, "--check", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["counts"]["added"] == 2 and report["dryRun"] is True
    assert report["files"]["written"] == ["markets-B.json", "markets-E.json"] and shards(workspace) == {}


def test_a_broken_bracket_in_the_dump_is_refused_at_its_json_path(workspace):
    data = json.loads((FIXTURES / "binance-usdm-tiers-2024-10-03.json").read_text())
    data["BTC/USDT:USDT"][2]["info"]["cum"] = 951.0  # continuity gives 950
    (workspace / "bad.json").write_text(json.dumps(data))
    proc = run(workspace, "import", RULE, "--tiers", "bad.json", "--source", "freqtrade-git-2024-10-03",
               "--effective", "2024-10-03", "--retrieved", "2026-11-28")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    column = json.dumps(data).index("951.0") + 1  # located in the dump (one line), not 0:0
    assert f'bad.json:1:{column}: error[MV414]: BTC/USDT:USDT: row 3: cum is 951 but continuity gives' in proc.stderr
    assert '(at $["BTC/USDT:USDT"][2].info.cum)' in proc.stderr and shards(workspace) == {}


def test_different_data_on_a_day_already_imported_is_a_conflict_not_an_overwrite(workspace):
    first = history(workspace)[0]
    assert run(workspace, "import", RULE, *first).returncode == 0
    data = json.loads((FIXTURES / "binance-usdm-tiers-2024-10-03.json").read_text())
    data["BTC/USDT:USDT"][-1]["maxNotional"] += 1  # a different (still valid) last bracket
    (workspace / "other.json").write_text(json.dumps(data))
    proc = run(workspace, "import", RULE, "--tiers", "other.json", *first[2:])
    assert proc.returncode == 2 and proc.stdout == ""
    assert "BTC/USDT:USDT: a different version is already effective on 2024-10-03" in proc.stderr
    assert "--replace" in proc.stderr  # the hint names the way to correct it


def test_replace_corrects_a_version_of_the_same_date_and_shows_the_diff(workspace):
    """A correction of a day's data (a transcription mistake, a dump read again) replaces that day's version, asked
    explicitly; the other markets' versions and the other dates stay as they were."""
    first = history(workspace)[0]
    assert run(workspace, "import", RULE, *first).returncode == 0
    before = shards(workspace)
    data = json.loads((FIXTURES / "binance-usdm-tiers-2024-10-03.json").read_text())
    last = data["BTC/USDT:USDT"][-1]
    old_cap = last["maxNotional"]
    last["maxNotional"] = old_cap + 1
    (workspace / "corrected.json").write_text(json.dumps(data))
    dry = run(workspace, "import", RULE, "--tiers", "corrected.json", *first[2:], "--replace", "--check")
    assert dry.returncode == 1 and shards(workspace) == before, dry.stderr
    proc = run(workspace, "import", RULE, "--tiers", "corrected.json", *first[2:], "--replace")
    assert proc.returncode == 0, proc.stderr
    bracket = len(data["BTC/USDT:USDT"])
    assert "  BTC/USDT:USDT: (corrected: the tiers version of this date replaced)" in proc.stdout
    assert f"    tiers: bracket {bracket}: cap {int(old_cap)} -> {int(old_cap) + 1}" in proc.stdout, proc.stdout
    assert "1 changed" in proc.stdout and "ETH/USDT:USDT" not in proc.stdout.split("changed (")[1].split("files:")[0]
    after = json.loads((workspace / SHARDS / "markets-B.json").read_text())["markets"]["BTC/USDT:USDT"]["tiers"]
    assert len(after) == 1 and after[0]["rows"][-1][1] == old_cap + 1 and after[0]["effective"] == "2024-10-03"
    assert (workspace / SHARDS / "markets-E.json").read_bytes() == before["markets-E.json"]


@pytest.mark.parametrize("args, message", [
    (("--tiers", "fixtures/binance-usdm-tiers-2024-10-03.json", "--source", "nope"), "unknown source 'nope'"),
    (("--tiers", "fixtures/binance-usdm-tiers-2024-10-03.json", "--source", "freqtrade-2026.9",
      "--effective", "2026-12-01", "--retrieved", "2026-11-28"), "is after retrieved"),
    (("--tiers", "fixtures/binance-usdm-tiers-2024-10-03.json"), "name the source of this data"),
    (("--tiers", "fixtures/README.md", "--source", "freqtrade-2026.9"), "error[MV100]: JSON syntax error"),
    ((), "give --markets FILE, --tiers FILE"),
])
def test_bad_import_usage_is_exit_2_with_a_clear_message(workspace, args, message):
    proc = run(workspace, "import", RULE, *args)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("dates, codes", [
    (("--retrieved", "2026-12-08"), ["MV405"]),
    (("--effective", "2026-12-09", "--retrieved", "2026-12-10"), ["MV405", "MV406"]),
])
def test_an_import_dated_after_today_is_refused_before_anything_is_written(workspace, dates, codes):
    """check would refuse the catalog (MV405/MV406), so import refuses the dates first (today: tests/conftest.py)."""
    first = history(workspace)[0]
    assert run(workspace, "import", RULE, *first).returncode == 0
    before = shards(workspace)
    proc = run(workspace, "import", RULE, "--tiers", "fixtures/binance-usdm-tiers-2026-09-29.json",
               "--source", "freqtrade-2026.9", *dates, "--format", "text")
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert [code for code in ("MV405", "MV406") if f"[{code}]" in proc.stderr] == codes, proc.stderr
    assert f"--retrieved {dates[-1]} is after today (2026-12-07)" in proc.stderr
    assert shards(workspace) == before
