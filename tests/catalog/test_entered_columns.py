"""Catalog values entered by hand (issue 29: a unified account's collateral ratios and loan rates, which no ccxt
method returns): the header says how each was read, check accepts them, and import refuses such a catalog rather
than write versions without them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    return subprocess.run([sys.executable, "-m", "verifier", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, check=False)


@pytest.fixture
def copy(tmp_path):
    """A copy of the Bybit rules (the UTA's catalog has an entered tier column and an entered market field)."""
    shutil.copytree(ROOT / "rules" / "bybit", tmp_path / "bybit")
    return tmp_path / "bybit"


def snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("flag, dump, what", [
    ("--tiers", {"BTC/USD": [{"tier": 1, "minNotional": 0, "maxNotional": 10, "maintenanceMarginRate": 0.1}]},
     "tier column(s) HR are entered by hand"),
    ("--markets", {"BTC/USD": {"symbol": "BTC/USD", "base": "BTC", "quote": "USD", "type": "spot", "spot": True,
                               "precision": {"price": 0.1}, "info": {}}},
     "market field(s) loanMMR are entered by hand"),
])
def test_import_refuses_a_catalog_with_values_entered_by_hand_and_writes_nothing(copy, tmp_path, flag, dump, what):
    before = snapshot(copy)
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(dump), encoding="utf-8")
    proc = run("import", copy / "unified-trading-account.yaml", flag, path, "--retrieved", "2026-12-07",
               "--source", "bybit-cvr-page")
    assert proc.returncode == 2 and "error[MV820]" in proc.stderr and what in proc.stderr, proc.stderr
    assert "by hand" in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot(copy) == before


def test_a_column_both_entered_and_read_from_ccxt_is_refused(copy):
    header = copy / "markets" / "unified-trading-account" / "catalog.yaml"
    text = header.read_text(encoding="utf-8")
    header.write_text(text.replace('      entered: "by hand: 1 - collateralRatio',
                                   '      ccxt: info.collateralRatio\n      entered: "by hand: 1 - collateralRatio'),
                      encoding="utf-8")
    proc = run("check", header)
    assert proc.returncode == 2 and "catalog.yaml:" in proc.stderr + proc.stdout, proc.stdout + proc.stderr


def test_the_shipped_unified_catalogs_check_clean():
    proc = run("check", *(ROOT / "rules" / e / "markets" / c for e, c in (
        ("bybit", "unified-trading-account"), ("binance", "portfolio-margin"), ("okx", "multi-currency-margin"))))
    assert proc.returncode == 0 and "0 problems" in proc.stdout, proc.stdout + proc.stderr
