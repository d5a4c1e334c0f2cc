"""A copy of the shipped Bybit UTA rule, its catalog and conformance files, for tests that give the catalog what no
source gives (a fixture's collateral ratios or loan rates): the copy is edited, never the shipped rule."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOG = "markets/unified-trading-account/markets.json"


def copy_uta_rule(folder: Path) -> dict:
    """Copy the rule into ``folder`` (a ``.../bybit`` folder, made here) and return its catalog's markets file, read;
    write it back with :func:`write_catalog`."""
    (folder / "markets").mkdir(parents=True)
    (folder / "conformance").mkdir()
    shutil.copy(ROOT / "rules/bybit/unified-trading-account.yaml", folder)
    shutil.copytree(ROOT / "rules/bybit/markets/unified-trading-account", folder / "markets/unified-trading-account")
    for case in sorted((ROOT / "rules/bybit/conformance").glob("bybit-uta-*.json")):  # every case the rule names
        shutil.copy(case, folder / "conformance")
    return json.loads((folder / CATALOG).read_text(encoding="utf-8"))


def write_catalog(folder: Path, data: dict) -> None:
    (folder / CATALOG).write_text(json.dumps(data), encoding="utf-8")
