"""Dates after today in a market catalog are errors, as in rules (MV405, MV406): found when a rule using the
catalog is checked, when the shard itself is checked, and even in a shard checked clean on an earlier "today" (the
check of a shard is remembered by content, but "after today" moves with today).  Each on a temporary copy of the
corpus's small valid catalog, with ``$MARGIN_VERIFIER_TODAY`` fixed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.read.catalog import forget_read
from verifier.read.catalog.validated import forget_memory
from verifier.verify import check_paths

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "tests" / "corpus" / "valid"
TODAY = "2026-11-29"
SECOND_SPEC = '"effective": "2024-07-01", "seen": "2026-11-21", "retrieved": "2026-11-21"'
TIER_TABLE = '"effective": "2024-01-01", "seen": "2026-11-21", "retrieved": "2026-11-21", "source": "brackets", "rows"'


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """The minimal rule and its catalog in a temporary folder; today fixed; a private, empty shard cache."""
    monkeypatch.setenv("MARGIN_VERIFIER_TODAY", TODAY)
    monkeypatch.setenv("MARGIN_VERIFIER_CACHE", str(tmp_path / ".cache"))
    forget_memory()
    forget_read()
    shutil.copy(VALID / "minimal-linear.yaml", tmp_path / "rule.yaml")
    shutil.copytree(VALID / "markets", tmp_path / "markets")
    return tmp_path


def _edit(folder: Path, old: str, new: str) -> Path:
    shard = folder / "markets" / "example" / "markets-B.json"
    text = shard.read_text()
    assert text.count(old) == 1, old
    shard.write_text(text.replace(old, new))
    return shard


def _errors(*paths):
    results, _ = check_paths(list(paths))
    return [d for r in results for d in r.diagnostics if d.severity == "error"]


def _where(diagnostic) -> tuple:
    return diagnostic.code, Path(diagnostic.file).name, diagnostic.line, diagnostic.json_path


@pytest.mark.parametrize("old, new, expected, message", [
    (SECOND_SPEC, SECOND_SPEC.replace("2024-07-01", "2027-07-01").replace('"seen": "2026-11-21"', '"seen": "2027-07-01"'),
     ("MV406", "markets-B.json", 8, '$.markets["BTC/USDT:USDT"].market[1].effective'),
     "BTC/USDT:USDT market version 2: effective date 2027-07-01 is after today (2026-11-29)"),
    (SECOND_SPEC, SECOND_SPEC.replace('"seen": "2026-11-21"', '"seen": "2026-12-21"'),
     ("MV405", "markets-B.json", 8, '$.markets["BTC/USDT:USDT"].market[1].seen'),
     "BTC/USDT:USDT market version 2: seen date 2026-12-21 is after today (2026-11-29)"),
    (TIER_TABLE, TIER_TABLE.replace('"retrieved": "2026-11-21"', '"retrieved": "2026-11-30"'),
     ("MV405", "markets-B.json", 11, '$.markets["BTC/USDT:USDT"].tiers[0].retrieved'),
     "BTC/USDT:USDT tier table version 1: retrieved date 2026-11-30 is after today (2026-11-29)"),
    (TIER_TABLE, TIER_TABLE.replace("2024-01-01", "2027-01-01").replace('"seen": "2026-11-21"', '"seen": "2027-01-01"'),
     ("MV406", "markets-B.json", 11, '$.markets["BTC/USDT:USDT"].tiers[0].effective'),
     "BTC/USDT:USDT tier table version 1: effective date 2027-01-01 is after today (2026-11-29)"),
], ids=["spec-effective", "spec-seen", "tiers-retrieved", "tiers-effective"])
def test_a_future_date_in_the_catalog_fails_the_rule_that_reads_it(copy, old, new, expected, message):
    _edit(copy, old, new)
    errors = _errors(copy / "rule.yaml")
    assert [_where(d) for d in errors] == [expected], [d.render() for d in errors]
    assert errors[0].message == message and errors[0].col >= 1 and "check the year" in errors[0].hint


def test_the_shard_checked_alone_says_the_same(copy):
    shard = _edit(copy, TIER_TABLE, TIER_TABLE.replace('"retrieved": "2026-11-21"', '"retrieved": "2062-11-21"'))
    assert [_where(d) for d in _errors(shard)] == [
        ("MV405", "markets-B.json", 11, '$.markets["BTC/USDT:USDT"].tiers[0].retrieved')]


def test_a_future_effective_date_is_one_mistake_not_also_a_seen_date_before_it(copy):
    _edit(copy, SECOND_SPEC, SECOND_SPEC.replace("2024-07-01", "2027-07-01"))  # seen stays 2026-11-21
    assert [d.code for d in _errors(copy / "rule.yaml")] == ["MV406"]


def test_a_shard_checked_clean_on_a_later_today_is_judged_again(copy, monkeypatch):
    """The shard's clean check is remembered by content (on disk and in memory), the catalog by its files' stats:
    neither may hide a date that is after an earlier today."""
    _edit(copy, SECOND_SPEC, SECOND_SPEC.replace("2024-07-01", "2027-07-01").replace("2026-11-21", "2027-07-01"))
    shard = copy / "markets" / "example" / "markets-B.json"
    monkeypatch.setenv("MARGIN_VERIFIER_TODAY", "2027-08-01")
    assert _errors(copy / "rule.yaml", shard) == []  # remembered as checked now
    monkeypatch.setenv("MARGIN_VERIFIER_TODAY", TODAY)
    expected = {"MV406": '$.markets["BTC/USDT:USDT"].market[1].effective',
                "MV405": '$.markets["BTC/USDT:USDT"].market[1].retrieved'}
    for path in (copy / "rule.yaml", shard):
        assert {d.code: d.json_path for d in _errors(path)} == expected


def test_check_on_the_command_line_exits_2(copy):
    _edit(copy, TIER_TABLE, TIER_TABLE.replace('"retrieved": "2026-11-21"', '"retrieved": "2026-11-30"'))
    proc = subprocess.run([sys.executable, "-m", "verifier", "check", "rule.yaml"], cwd=copy, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "markets-B.json:11:" in proc.stdout + proc.stderr and "error[MV405]" in proc.stdout + proc.stderr
