"""Where the evaluate job finds a rule's compiled program (verifier/jobs/programs.py): shipped programs are those of
the shipped rules and of this code (run tools/compile-shipped-rules.py when this fails), a cached one is used only
while every file it was built from is unchanged (and today is not before the day it was built), and a program
loaded from bytes evaluates as the one built in memory."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from tests.shipped import SHIPPED_RULES
from verifier.derive.account.program import build_program, from_bytes
from verifier.errors import SpecError
from verifier.derive.account.run import run_account
from verifier.jobs import programs
from verifier.read import load_rule
from verifier.read.account import account_from_data
from verifier.read.rule_sources import rules_root

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = {"marginMode": "cross", "walletBalance": "5000", "positions": [
    {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.25", "entryPrice": "60000", "markPrice": "61000"},
    {"symbol": "ETH/USDT:USDT", "side": "short", "contracts": "3", "entryPrice": "3000", "markPrice": "2900"}]}


@pytest.mark.parametrize("rule_id", SHIPPED_RULES)
def test_every_shipped_rule_has_its_current_compiled_program(rule_id):
    """Fails after a shipped rule, its catalog or the code that reads, derives or compiles rules changed: run
    tools/compile-shipped-rules.py (and commit verifier/jobs/compiled/)."""
    program = programs._shipped(os.path.realpath(rules_root() / f"{rule_id}.yaml"))
    assert program is not None, f"verifier/jobs/compiled/{rule_id}.program is missing or stale"
    assert program.rule_id == rule_id


def test_a_program_from_bytes_evaluates_as_the_one_built():
    rule = load_rule("binance/usdm-perpetual")
    built = build_program(rule)
    loaded = from_bytes(built.to_bytes())
    account = account_from_data(ACCOUNT)
    date = dt.date(2026, 10, 1)
    assert run_account(loaded, account, date=date) == run_account(built, account, date=date)
    assert from_bytes(b"not a program") is None


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A user's rule (a copy of a shipped one with its catalog, under another id) and an empty cache."""
    monkeypatch.setenv("MARGIN_VERIFIER_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MARGIN_VERIFIER_NO_CACHE", raising=False)
    rules = tmp_path / "rules"
    (rules / "okx").mkdir(parents=True)
    text = (rules_root() / "okx" / "linear-swap.yaml").read_text().replace("rule: okx/linear-swap", "rule: okx/my-swap")
    (rules / "okx" / "my-swap.yaml").write_text(text)
    shutil.copytree(rules_root() / "okx" / "markets", rules / "okx" / "markets")
    shutil.copytree(rules_root() / "okx" / "conformance", rules / "okx" / "conformance")  # its recorded cases
    programs.forget()
    yield rules / "okx" / "my-swap.yaml"
    programs.forget()


def _builds(monkeypatch) -> list:
    built = []
    original = programs._build
    monkeypatch.setattr(programs, "_build", lambda path, key: built.append(path) or original(path, key))
    return built


def test_a_cached_program_is_used_while_its_files_are_unchanged(folder, monkeypatch):
    built = _builds(monkeypatch)
    first = programs.program_for(folder)
    programs.forget()
    assert programs.program_for(folder).rule_id == first.rule_id == "okx/my-swap" and len(built) == 1
    shard = next((folder.parent / "markets" / "linear-swap").glob("markets*.json"))
    shard.write_text(shard.read_text().replace("\n", "\n ", 1))  # other bytes, the same catalog
    programs.forget()
    programs.program_for(folder)
    assert len(built) == 2  # the catalog's bytes changed: built again


def test_a_cached_program_is_not_used_on_a_day_before_it_was_built(folder, monkeypatch):
    built = _builds(monkeypatch)
    programs.program_for(folder)
    programs.forget()
    monkeypatch.setenv("MARGIN_VERIFIER_TODAY", "2026-01-01")  # a date after it would be an error when read
    with pytest.raises(SpecError):  # the rule's dates are after that day: loading it refuses it
        programs.program_for(folder)
    assert len(built) == 2


def test_a_corrupt_cache_entry_is_a_miss(folder, monkeypatch):
    built = _builds(monkeypatch)
    programs.program_for(folder)
    for entry in (Path(os.environ["MARGIN_VERIFIER_CACHE"]) / "programs").iterdir():
        entry.write_bytes(entry.read_bytes()[:-100])
    programs.forget()
    assert programs.program_for(folder).rule_id == "okx/my-swap" and len(built) == 2
