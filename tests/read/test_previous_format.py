"""A rule in the previous format (tier tables listed under ``tiers.tables``, one tier file per market): one error per
mistake with its fix, and ``margin-verifier migrate`` moving the tables into the rule's market catalog, after which
the rule passes ``check`` with every worked example (tests/fixtures/previous-format/README.md)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.errors import SpecError
from verifier.read import check_file, load_rule

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "previous-format"


@pytest.fixture
def old(tmp_path) -> Path:
    """A copy of the fixture: the folder holding ``binance/usdm-perpetual.yaml`` and ``binance/tiers/``."""
    shutil.copytree(FIXTURE, tmp_path / "rules", ignore=shutil.ignore_patterns("README.md"))
    return tmp_path / "rules"


def margin_verifier(where: Path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "MARGIN_VERIFIER_CACHE": str(where / ".cache")}
    return subprocess.run([sys.executable, "-m", "verifier", *map(str, args)], capture_output=True, text=True,
                          cwd=where, env=env, timeout=600)


def files(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and ".cache" not in p.parts}


def test_check_gives_one_error_per_mistake_each_with_the_fix(old):
    done = margin_verifier(old.parent, "check", "rules")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "error[" in line]
    assert len(errors) == 3, done.stderr  # the rule's tables, and each old tier file: nothing else
    [tables] = [e for e in errors if "error[MV210]" in e]
    assert tables.startswith("rules/binance/usdm-perpetual.yaml:") and "(at $.tiers.tables)" in tables
    assert "margin-verifier migrate rules/binance/usdm-perpetual.yaml" in tables
    tier_files = [e for e in errors if "error[MV211]" in e]
    assert [e.split(":")[0] for e in tier_files] == ["rules/binance/tiers/BTCUSDT.yaml",
                                                     "rules/binance/tiers/ETHUSDT.yaml"]
    assert all("margin-verifier migrate rules/binance/usdm-perpetual.yaml moves it" in e for e in tier_files)
    assert "2 old tier files" in done.stdout


def test_an_old_tier_file_given_as_a_rule_is_recognised(old):
    with pytest.raises(SpecError) as error:
        load_rule(old / "binance" / "tiers" / "BTCUSDT.yaml")
    assert [d.code for d in error.value.diagnostics] == ["MV211"]


def test_the_other_mistakes_of_an_old_rule_are_said_at_once_but_not_what_follows_from_its_tables(old):
    rule = old / "binance" / "usdm-perpetual.yaml"
    text = rule.read_text(encoding="utf-8")
    rule.write_text(text.replace("  upnl:\n", "  upnl_:\n", 1), encoding="utf-8")  # a second, unrelated mistake
    codes = [d.code for d in check_file(rule).diagnostics]
    assert codes[0] == "MV210" and len(codes) > 1 and not {"MV410", "MV417", "MV811"} & set(codes), codes


def test_a_rule_wide_tick_over_several_tables_is_its_own_mistake_and_migrate_leaves_the_choice(old):
    rule = old / "binance" / "usdm-perpetual.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("    rounding: half-up\n",
                                                             "    rounding: half-up\n    tick: 0.01\n", 1))
    assert sorted(d.code for d in check_file(rule).diagnostics) == ["MV210", "MV812"]
    before = files(old)
    done = margin_verifier(old, "migrate", "binance/usdm-perpetual.yaml")
    assert done.returncode == 2 and "error[MV812]" in done.stderr and files(old) == before


def test_migrate_check_says_what_it_would_do_and_writes_nothing(old):
    before = files(old)
    done = margin_verifier(old, "migrate", "binance/usdm-perpetual.yaml", "--check")
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("would migrate binance/usdm-perpetual.yaml to the market-catalog format")
    assert "would remove binance/tiers/BTCUSDT.yaml, binance/tiers/ETHUSDT.yaml" in done.stdout
    assert files(old) == before


def test_migrate_moves_the_tables_and_the_rule_then_passes_check_with_every_example(old):
    done = margin_verifier(old, "migrate", "binance/usdm-perpetual.yaml")
    assert done.returncode == 0, done.stderr
    assert "BTC/USDT:USDT: 6 brackets from binance/tiers/BTCUSDT.yaml, effective 2024-10-01" in done.stdout
    assert "catalog header: exchange, price precision, select and fields, tier column keys from the shipped catalog" \
        in done.stdout
    assert not (old / "binance" / "tiers").exists()
    rule = (old / "binance" / "usdm-perpetual.yaml").read_text(encoding="utf-8")
    assert "tables:" not in rule and "\nmarkets:\n  catalog: markets/usdm-perpetual\n" in rule
    assert rule.startswith("# The shipped Binance USD-M rule")  # comments and layout kept
    shard = json.loads((old / "binance" / "markets" / "usdm-perpetual" / "markets-B.json").read_text())
    [version] = shard["markets"]["BTC/USDT:USDT"]["tiers"]
    assert version["effective"] == version["seen"] == "2024-10-01" and version["retrieved"] == "2026-11-21"
    assert version["rows"][1] == [50000, 600000, 0.005, 50, 100]
    check = margin_verifier(old, "check", "binance")
    assert check.returncode == 0, check.stdout + check.stderr
    assert re.search(r"0 problems; (\d+) of \1 example values match", check.stdout), check.stdout
    again = margin_verifier(old, "migrate", "binance/usdm-perpetual.yaml")
    assert again.returncode == 0 and again.stdout.startswith("nothing to migrate")


def test_without_a_shipped_catalog_to_follow_migrate_asks_for_what_tier_files_do_not_say(old):
    rule = old / "binance" / "usdm-perpetual.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("rule: binance/usdm-perpetual", "rule: binance/my-usdm",
                                                             1), encoding="utf-8")
    rule.rename(old / "binance" / "my-usdm.yaml")
    done = margin_verifier(old, "migrate", "binance/my-usdm.yaml")
    assert done.returncode == 2
    asked = [line for line in done.stderr.splitlines() if "error[MV831]" in line]
    assert len(asked) == 3 and any("--exchange ID" in a for a in asked) and any("--price-precision" in a for a in asked)
    assert any("tier column 'cum'" in a and "--ccxt cum=info." in a for a in asked)  # MMR, max_leverage: ccxt's own
    assert not (old / "binance" / "markets").exists()
    done = margin_verifier(old, "migrate", "binance/my-usdm.yaml", "--exchange", "binanceusdm", "--price-precision",
                           "tick", "--ccxt", "cum=info.cum")
    assert done.returncode == 0, done.stderr
    header = (old / "binance" / "markets" / "my-usdm" / "catalog.yaml").read_text(encoding="utf-8")
    assert "exchange: binanceusdm" in header and "ccxt: info.cum" in header and "ccxt: maintenanceMarginRate" in header


def test_a_broken_tier_file_is_refused_where_it_is_broken_and_nothing_changes(old):
    tier = old / "binance" / "tiers" / "BTCUSDT.yaml"
    tier.write_text(tier.read_text(encoding="utf-8").replace("{floor: 50000, cap: 600000,", "{floor: 60000, cap: "
                                                                                             "600000,"), "utf-8")
    before = files(old)
    done = margin_verifier(old, "migrate", "binance/usdm-perpetual.yaml")
    assert done.returncode == 2 and re.search(r"binance/tiers/BTCUSDT\.yaml:\d+:\d+: error\[MV411\]", done.stderr), \
        done.stderr
    assert files(old) == before


def test_a_migration_that_would_break_the_rule_is_put_back(old):
    """A tier file whose columns the rule's symbols do not read: the migrated rule would have a new problem."""
    for name in ("BTCUSDT", "ETHUSDT"):
        tier = old / "binance" / "tiers" / f"{name}.yaml"
        tier.write_text(tier.read_text(encoding="utf-8").replace("cum", "maint_amount"), encoding="utf-8")
    before = files(old)
    done = margin_verifier(old, "migrate", "binance/usdm-perpetual.yaml", "--ccxt", "maint_amount=info.cum")
    assert done.returncode == 2 and "error[MV417]" in done.stderr and done.stdout == ""
    assert files(old) == before and not (old / "binance" / "markets").exists()


def test_the_cli_offers_exactly_the_formats_the_reporter_renders(old):
    from verifier.cli.migrate import FORMATS as offered
    from verifier.report.migrate import FORMATS as rendered
    assert tuple(offered) == tuple(rendered)
    done = margin_verifier(old, "migrate", "binance/usdm-perpetual.yaml", "--check", "--format", "json")
    data = json.loads(done.stdout)
    assert done.returncode == 1 and data["dryRun"] and [t["symbol"] for t in data["tables"]] == [
        "BTC/USDT:USDT", "ETH/USDT:USDT"] and "versions" in data
