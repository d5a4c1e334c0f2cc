"""Where the generated pages and files live in the site, and what the plugin's options hold.

>>> from types import SimpleNamespace
>>> rule_page_path(SimpleNamespace(id="binance/usdm-perpetual"))
'rules/binance/usdm-perpetual.md'
>>> site_copy_path("/x/rules/binance/markets/usdm-perpetual/catalog.yaml", "/x/rules")
'rules/binance/markets/usdm-perpetual/catalog.yaml'
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

HOME = "index.md"
COMPARISON = "comparison.md"
CROSS_VS_ISOLATED = "cross-vs-isolated.md"
COMPARE_HOWTO = "how-to/cross-or-isolated.md"
RULE_FORMAT = "reference/rule-format.md"
CATALOG_FORMAT = "reference/catalog-format.md"
MARKETS_FORMAT = "reference/markets-format.md"
ACCOUNT_FORMAT = "reference/account-format.md"
CLI = "reference/cli.md"
PROPERTIES = "reference/properties.md"
TUTORIAL = "tutorial/index.md"

FORMAT_TITLES = {"rule": "Rule-file format", "catalog": "Market catalog: catalog.yaml",
                 "markets": "Market catalog: shard files", "scenario": "Scenario format",
                 "account": "Account-snapshot format"}
"""Titles of the format pages of the schemas we know; any other schema is titled from its own ``title``."""


def format_page_path(schema_name: str) -> str:
    """Where the format page generated from ``verifier/schemas/<name>.schema.json`` lives.

    >>> format_page_path("catalog") == CATALOG_FORMAT, format_page_path("scenario")
    (True, 'reference/scenario-format.md')
    """
    return f"reference/{schema_name}-format.md"


@dataclass
class Options:
    """What the site shows beyond the rules: the reference position of the charts and comparison (mkdocs.yml)."""

    position: dict = field(default_factory=lambda: {"contracts": 1, "contractSize": 1, "entryPrice": 100})
    market: str | None = None
    leverage: list = field(default_factory=lambda: [1, 2, 5, 10, 20, 50, 100])
    inverse_position: dict | None = None  # for rules whose collateral is the base coin
    comparison_leverage: float = 10
    chart_mode: str = "isolated"
    rules_dirs: tuple = ("rules",)  # the rule folders the site's rules come from (their files' site paths)


@dataclass
class Page:
    """A generated page: its docs path, Markdown, and the files it links to (site path -> bytes)."""

    path: str
    markdown: str
    assets: dict = field(default_factory=dict)
    scripts: tuple = ()  # site paths of the scripts the page loads, in order (added at the end of its body)


def rule_page_path(rule) -> str:
    return f"rules/{rule.id}.md"


def site_copy_path(file: str, rules_dirs) -> str:
    """Where a file of a rule folder is shipped inside the site (same relative place, under rules/); ``rules_dirs``
    is one folder or several (the first that holds the file counts)."""
    dirs = [rules_dirs] if isinstance(rules_dirs, (str, os.PathLike)) else list(rules_dirs)
    for folder in dirs:
        relative = os.path.relpath(os.path.abspath(file), os.path.abspath(folder))
        if not relative.startswith(os.pardir):
            break
    return "rules/" + relative.replace(os.sep, "/")


def chart_position(rule, options: Options) -> dict:
    """The reference position for this rule: the inverse one when the rule's collateral is the base coin."""
    if rule.collateral_unit is not None and str(rule.collateral_unit) == "base" and options.inverse_position:
        return options.inverse_position
    return options.position
