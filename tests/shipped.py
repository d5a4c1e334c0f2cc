"""The shipped rules, found in rules/ (not listed by hand): a rule folder added is tested at once.

>>> "binance/usdm-perpetual" in SHIPPED_RULES and "okx/linear-swap" in SHIPPED_RULES
True
"""

from __future__ import annotations

from pathlib import Path

from verifier.read.paths import is_catalog_file, is_conformance_file, rule_files

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"


def shipped_rule_ids() -> list[str]:
    """Every rule id under rules/ (catalog and conformance files left out), sorted."""
    return sorted(str(path.relative_to(RULES_DIR).with_suffix("")) for path in rule_files(RULES_DIR)
                  if not is_catalog_file(path) and not is_conformance_file(path))


SHIPPED_RULES = shipped_rule_ids()
