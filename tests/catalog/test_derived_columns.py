"""A tier column the exchange does not publish, computed by ``import`` (``derived: continuity`` in catalog.yaml):
Gate's risk-limit tiers and Bitget's position tiers give rates only, and their tiered maintenance margin needs the
amount that makes ``notional * MMR - cum`` continuous.  Imported from recorded dumps (tests/fixtures/ccxt/README.md)
into copies of the shipped rules, as a user runs it; never the network."""

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

CASES = {  # exchange: (rule id, tier dump, its source id, effective date, the rows import must write)
    "gate": ("gate/usdt-perpetual", "gate-usdt-tiers-2024-01-19.json", "ccxt-pr-20879", "2024-01-19",
             [[0, 1000000, 0.004, 0, 125], [1000000, 2000000, 0.008, 4000, 83.33]]),
    "bitget": ("bitget/usdt-perpetual", "bitget-usdt-tiers-2023-09-27.json", "bitget-docs-position-tier", "2023-09-27",
               [[0, 50000, 0.004, 0, 125], [50000, 200000, 0.005, 50, 100]]),
}


def workspace_for(tmp_path: Path, exchange: str) -> Path:
    """rules/<exchange>/ with the shipped rule (its conformance cases left out: they read files not copied) and its
    catalog header, no markets."""
    rule_id = CASES[exchange][0]
    product = rule_id.split("/")[1]
    folder = tmp_path / "rules" / exchange
    (folder / "markets" / product).mkdir(parents=True)
    text = (ROOT / "rules" / exchange / f"{product}.yaml").read_text(encoding="utf-8")
    text = text[:text.index("\nconformance:\n")] + "\nconformance: {cases: [], note: not part of this test}\n"
    (folder / f"{product}.yaml").write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "rules" / exchange / "markets" / product / "catalog.yaml", folder / "markets" / product)
    return tmp_path


def run(workspace: Path, *args) -> subprocess.CompletedProcess:
    # the suite's derivations shared (tests/shared_derivations.py): these tests are about import, not derivation
    env = {**os.environ, "MARGIN_VERIFIER_CACHE": str(own_cache(workspace / ".cache")),
           "MARGIN_VERIFIER_RULES": "rules"}
    return subprocess.run([sys.executable, "-m", "verifier", *map(str, args)], capture_output=True, text=True,
                          cwd=workspace, env=env, timeout=300)


def import_tiers(workspace: Path, exchange: str, dump: Path | None = None) -> subprocess.CompletedProcess:
    rule_id, name, source, effective, _ = CASES[exchange]
    return run(workspace, "import", rule_id, "--tiers", dump or FIXTURES / name, "--source", source,
               "--effective", effective, "--retrieved", "2026-12-07")


@pytest.mark.parametrize("exchange", sorted(CASES))
def test_import_writes_the_amount_continuity_gives_and_the_rule_checks(tmp_path, exchange):
    workspace = workspace_for(tmp_path, exchange)
    proc = import_tiers(workspace, exchange)
    assert proc.returncode == 0, proc.stderr
    product = CASES[exchange][0].split("/")[1]
    shard = json.loads((workspace / "rules" / exchange / "markets" / product / "markets-B.json").read_text())
    assert shard["markets"]["BTC/USDT:USDT"]["tiers"][0]["rows"] == CASES[exchange][4]
    check = run(workspace, "check", "rules")
    assert check.returncode == 0, check.stdout + check.stderr
    again = import_tiers(workspace, exchange)  # the same dump again: the derived column is the same, nothing changes
    assert again.returncode == 0 and "0 added, 0 changed" in again.stdout, again.stdout + again.stderr


def test_the_derived_amount_prices_gates_tiered_maintenance_margin_and_not_its_fixed_level(tmp_path):
    """1.2M USDT of BTC: 0.8 % on the whole position before 2025-07-29 (9,600), 1M x 0.4 % + 0.2M x 0.8 % after
    (5,600 = 9,600 - cum 4,000)."""
    workspace = workspace_for(tmp_path, "gate")
    assert import_tiers(workspace, "gate").returncode == 0
    snapshot = workspace / "snap.json"
    snapshot.write_text(json.dumps({"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "200000", "contractSize": "0.0001",
         "entryPrice": "60000", "markPrice": "60000", "collateral": "20000", "leverage": "10"}]}))
    margins = {}
    for date in ("2025-07-28", "2025-07-29"):
        proc = run(workspace, "evaluate", "gate/usdt-perpetual", snapshot, "--json", "--date", date)
        assert proc.returncode == 0, proc.stderr
        margins[date] = json.loads(proc.stdout)["positions"][0]["maintenanceMargin"]
    assert margins == {"2025-07-28": "9600", "2025-07-29": "5600"}


def test_a_falling_rate_is_still_refused_at_its_json_path_when_the_amount_is_derived(tmp_path):
    workspace = workspace_for(tmp_path, "bitget")
    data = json.loads((FIXTURES / CASES["bitget"][1]).read_text())
    data["BTC/USDT:USDT"][1]["maintenanceMarginRate"] = 0.003  # below tier 1's 0.004
    (workspace / "bad.json").write_text(json.dumps(data))
    proc = import_tiers(workspace, "bitget", workspace / "bad.json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "error[MV805]: BTC/USDT:USDT: row 2: MMR 0.003 is below row 1's 0.004" in proc.stderr, proc.stderr
    assert '(at $["BTC/USDT:USDT"][1].maintenanceMarginRate)' in proc.stderr
    assert not list((workspace / "rules" / "bitget" / "markets" / "usdt-perpetual").glob("markets-*.json"))
