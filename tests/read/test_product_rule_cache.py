"""A unified rule's product rules are loaded once per process while their file is unchanged
(``verifier.read.ccxt_balances.product_rule``): the same Rule again, a new one once the file changes."""

from __future__ import annotations

import shutil
from pathlib import Path

from verifier.read.ccxt_balances import product_rule

ROOT = Path(__file__).resolve().parents[2]


def test_a_product_rule_is_loaded_again_only_when_its_file_changes(tmp_path, monkeypatch):
    folder = tmp_path / "bybit"
    (folder / "markets").mkdir(parents=True)
    shutil.copy(ROOT / "rules/bybit/linear-perpetual.yaml", folder)
    shutil.copytree(ROOT / "rules/bybit/conformance", folder / "conformance")
    shutil.copytree(ROOT / "rules/bybit/markets/linear-perpetual", folder / "markets/linear-perpetual")
    monkeypatch.setenv("MARGIN_VERIFIER_RULES", str(tmp_path))
    first = product_rule("bybit/linear-perpetual")
    assert product_rule("bybit/linear-perpetual") is first
    path = folder / "linear-perpetual.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    again = product_rule("bybit/linear-perpetual")
    assert again is not first and again.id == first.id
    monkeypatch.delenv("MARGIN_VERIFIER_RULES")
    assert product_rule("bybit/linear-perpetual") is not again  # the shipped file, another rule
