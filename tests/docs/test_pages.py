"""Fast checks of the generated pages' content (no MkDocs build, no browser)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from verifier.cli.main import build_parser
from verifier.docs import layout
from verifier.docs.cli_reference import cli_page
from verifier.docs.comparison import comparison_page
from verifier.docs.cross_vs_isolated import cross_vs_isolated_page
from verifier.docs.home import home_page
from verifier.docs.rule_page import leverage_section, rule_page
from verifier.docs.schema_reference import schema_page
from verifier.read import expand_paths, load_rule, load_schema

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def rule():
    return load_rule("binance/usdm-perpetual")


@pytest.fixture(scope="module")
def options():
    return layout.Options(position={"contracts": 1, "contractSize": 1, "entryPrice": 60000},
                          market="BTC/USDT:USDT", leverage=[2, 10, 50])


@pytest.fixture
def build_errors(caplog):
    """The problems a page logged as errors (each would fail `mkdocs build --strict`)."""
    caplog.set_level(logging.ERROR, logger="mkdocs.plugins.margin-verifier")
    return lambda: [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_rule_page_has_every_section(rule, options, build_errors):
    page = rule_page(rule, options)
    for heading in ["# Binance USDⓈ-M perpetual futures", "## Calculator", "## Sources", "## Symbols", "## Parameters",
                    "## Definitions", "## Margin modes", "### cross mode", "### isolated mode",
                    "#### cross: liquidation", "#### cross: published liquidation price", "## Tier tables",
                    "## Worked examples", "## Liquidation price against leverage", "## Rule file"]:
        assert re.search(rf"^{re.escape(heading)}$", page.markdown, re.M), heading
    # sources linked with their retrieval dates
    assert 'href="https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price' in page.markdown
    assert "2026-11-21" in page.markdown
    # formulas as MathML, not raw source only
    assert page.markdown.count('<math xmlns="http://www.w3.org/1998/Math/MathML"') > 10
    # worked examples: expected and computed with pass marks, none failing, none left uncomputed
    assert "26,316.89" in page.markdown and "✅ pass" in page.markdown and "❌ fail" not in page.markdown
    assert "⏳ not computed" not in page.markdown and "<td>holds</td>" in page.markdown
    # proof status stated
    assert "**Proof status:** proved" in page.markdown
    # the chart and the shipped rule file
    [(chart, svg)] = [(path, data) for path, data in page.assets.items() if path.endswith(".svg")]
    assert chart.endswith(".svg") and svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert "(usdm-perpetual.yaml)" in page.markdown
    assert build_errors() == []


def test_home_has_coverage_matrix_and_two_click_path(rule):
    page = home_page([rule], {})
    assert "## Coverage" in page.markdown
    assert "| binance | linear-perpetual | cross |" in page.markdown
    assert "[cross liquidation formula](rules/binance/usdm-perpetual.md#cross-mode)" in page.markdown
    assert "(rules/binance/usdm-perpetual.md#worked-examples)" in page.markdown


def test_reference_pages():
    page = schema_page(load_schema("rule"), layout.RULE_FORMAT, "Rule-file format", "rule.schema.json")
    assert "| `sources` |" in page.markdown and "| `examples` |" in page.markdown
    account = schema_page(load_schema("account"), layout.ACCOUNT_FORMAT, "Account-snapshot format", "a.json")
    assert "| `walletBalance` |" in account.markdown and "| `maintenanceAmount` |" in account.markdown
    cli = cli_page(build_parser())
    assert "## margin-verifier check" in cli.markdown and "--format" in cli.markdown
    assert "## margin-verifier evaluate" in cli.markdown


def test_comparison_page(rule, options, build_errors):
    spot = load_rule("binance/spot-margin")
    page = comparison_page([rule, spot], options)
    assert "| [Binance USDⓈ-M perpetual futures](rules/binance/usdm-perpetual.md) | cross |" in page.markdown
    assert "being spot margin" in page.markdown and "| [Binance spot margin" not in page.markdown
    assert any(path.endswith(".svg") for path in page.assets)
    assert build_errors() == []


def test_cross_vs_isolated_page(rule, build_errors):
    page = cross_vs_isolated_page([rule], SCENARIOS)
    assert "## What each rule counts as equity" in page.markdown and "## Scenarios" in page.markdown
    assert any(path.endswith(".svg") for path in page.assets)
    assert "could not run" not in page.markdown and build_errors() == []


def test_rule_page_shows_verification_statuses(rule, options):
    md = rule_page(rule, options).markdown
    section = md.split("## Verification", 1)[1].split("## Rule file", 1)[0]
    assert "placeholder" not in section and "will appear" not in section
    assert "<th>property</th>" in section and "<th>examples tried</th>" in section
    assert re.search(r"<td>(✅ pass|❌ fail|⏭ skip|➖ n/a)</td>", section)
    assert '<code class="mv-id">examples</code>' in section and "Summary: **" in section
    home = home_page([rule], {}).markdown
    assert "| verified |" in home and re.search(r"\| \d+ pass", home)


def test_every_rule_with_a_liquidation_condition_has_a_chart_or_a_reason(options, build_errors):
    files, _ = expand_paths([ROOT / "rules"])
    for path in files:
        if "markets" in path.parts:
            continue
        other = load_rule(str(path))
        if not any("liquidation" in m.conditions for m in other.modes.values()):
            continue
        lines, svg = leverage_section(other, options, layout.rule_page_path(other), "assets/x.svg")
        text = "\n".join(lines)
        if svg is None:
            assert "No chart: " in text and ("spot margin" in text or "unified margin" in text), (other.id, text)
        else:
            assert b"<svg" in svg and "No chart" not in text, other.id
    assert build_errors() == []


def test_a_point_that_cannot_be_computed_fails_the_build_and_is_shown(rule, build_errors):
    """No silent gap: a derivation failure (here: no market named, so no tier table) is a logged error."""
    lines, _ = leverage_section(rule, layout.Options(position={"contracts": 1, "contractSize": 1, "entryPrice": 60000},
                                                     leverage=[10]),
                                layout.rule_page_path(rule), "assets/x.svg")
    assert any("name a market to pick a tier table" in e for e in build_errors())
    assert "not computed: " in "\n".join(lines) and rule.file in build_errors()[0]


def test_a_missing_price_is_a_gap_with_its_reason(rule, build_errors):
    options = layout.Options(position={"contracts": 1, "entryPrice": 60000}, market="BTC/USDT:USDT", leverage=[1, 10])
    text = "\n".join(leverage_section(rule, options, layout.rule_page_path(rule), "assets/x.svg")[0])
    assert "Points not drawn: long at 1x: no liquidation price for a long at 1x" in text and build_errors() == []


def test_scenario_chart_has_threshold_lines(rule):
    page = cross_vs_isolated_page([rule], SCENARIOS)
    svg = page.assets["assets/charts/scenario-binance-margin-cross-vs-isolated.svg"].decode()
    assert 'id="threshold-margin_call' in svg and 'id="threshold-liquidation' in svg
    assert "margin call at margin level 1.1" in page.markdown and "liquidation at margin level 1.05" in page.markdown


# -- the four kinds of docs (issue 15) -------------------------------------------------------------------------
def test_every_schema_has_a_format_page_and_prose_keeps_angle_brackets():
    from importlib import resources

    from verifier.docs.schema_reference import format_pages

    pages = {page.path: page for page in format_pages()}
    shipped = {entry.name.removesuffix(".schema.json") for entry in resources.files("verifier.schemas").iterdir()
               if entry.name.endswith(".schema.json")}
    assert {layout.format_page_path(name) for name in shipped} == set(pages)
    assert list(pages)[:5] == [layout.RULE_FORMAT, layout.CATALOG_FORMAT, layout.MARKETS_FORMAT,
                               "reference/scenario-format.md", layout.ACCOUNT_FORMAT]
    rule_format = pages[layout.RULE_FORMAT].markdown
    assert "keyed '&lt;condition&gt;_price'" in rule_format and "' _price'" not in rule_format


def test_the_properties_page_lists_every_registered_property_and_where_it_applies(rule):
    from verifier.docs.properties_reference import properties_page
    from verifier.verify.properties import properties

    page = properties_page([rule]).markdown
    for prop in properties():
        assert re.search(rf"^## {prop.name}$", page, re.M), prop.name
    assert "| [binance/usdm-perpetual](../rules/binance/usdm-perpetual.md) | isolated, cross |" in page


def test_the_navigation_holds_every_hand_written_page_in_four_kinds():
    from verifier.docs.navigation import nav

    docs = ROOT / "docs"
    present = [str(p.relative_to(docs)) for p in docs.rglob("*.md")]
    sections = nav([], present, [])

    def paths(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for value in node.values():
                yield from paths(value)
        else:
            for item in node:
                yield from paths(item)

    assert set(present) <= set(paths(sections)), set(present) - set(paths(sections))
    assert [next(iter(s)) for s in sections] == ["Home", "Tutorial", "How-to guides", "Reference", "Explanation",
                                                   "Rules"]
    assert "::: verifier.api" in (docs / "reference" / "api.md").read_text()


def test_rule_page_lists_its_markets_with_their_dates_and_letter_pages(rule):
    from verifier.docs.markets_page import market_pages, markets_section

    section = "\n".join(markets_section(rule, layout.rule_page_path(rule)))
    assert "**920 markets**, 907 with tier tables" in section and "<td>2026-09-29 – 2026-09-29</td>" in section
    assert "[0-9](usdm-perpetual/markets/0-9.md) (23)" in section and "freqtrade-2026.9" in section
    pages = {page.path: page.markdown for page in market_pages(rule)}
    assert len(pages) == 28 and max(len(text) for text in pages.values()) < 400_000
    btc = pages["rules/binance/usdm-perpetual/markets/B.md"].split("## BTC/USDT:USDT", 1)[1].split("\n## ", 1)[0]
    assert '<td class="mv-num">0.1</td>' in btc and "effective 2025-10-17" in btc  # its tick, dated
    assert btc.count("<details>") == 11 and "Older tier table, effective 2024-05-30, seen 2024-10-03" in btc  # folded
    assert "1 older specification version(s)" in btc  # the 2025-08-07 version of GoCryptoTrader's recording


def test_rule_page_shows_each_conformance_case_with_both_prices(options, build_errors):
    # rules/okx/inverse-swap.yaml: OKX's recorded BTC-USD-SWAP isolated long (ccxt static tests @ 02140ad0)
    md = rule_page(load_rule("okx/inverse-swap"), options).markdown
    section = md[md.index("## Recorded exchange responses"):]
    assert "~69536.5125000013838" in section and '<td class="mv-num">69536.6125000014</td>' in section
    assert "~-0.100000000016" in section and "2 ticks" in section and "✅ pass" in section
    assert '!!! warning "Known disagreement"' in section and "Recorded, not tuned away." in section
    bybit = rule_page(load_rule("bybit/linear-perpetual"), options).markdown
    assert "liqPrice" in bybit[bybit.index("## Recorded exchange responses"):]
    assert build_errors() == []
