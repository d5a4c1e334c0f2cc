"""Fast checks of the generated pages' content (no MkDocs build, no browser)."""

from __future__ import annotations

import re

import pytest

from verifier.cli.main import build_parser
from verifier.docs import pages
from verifier.read import load_rule


@pytest.fixture(scope="module")
def rule():
    return load_rule("binance/usdm-perpetual")


@pytest.fixture(scope="module")
def options():
    return pages.Options(position={"contracts": 1, "contractSize": 1, "entryPrice": 60000},
                         market="BTC/USDT:USDT", leverage=[2, 10, 50])


def test_rule_page_has_every_section(rule, options):
    page = pages.rule_page(rule, options)
    for heading in ["# Binance USDⓈ-M perpetual futures", "## Sources", "## Symbols", "## Parameters",
                    "## Definitions", "## Margin modes", "### cross mode", "### isolated mode",
                    "#### cross: liquidation", "#### cross: published liquidation price", "## Tier tables",
                    "## Worked examples", "## Liquidation price against leverage", "## Rule file"]:
        assert re.search(rf"^{re.escape(heading)}$", page.markdown, re.M), heading
    # sources linked with their retrieval dates
    assert 'href="https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price' in page.markdown
    assert "2026-11-21" in page.markdown
    # formulas as MathML, not raw source only
    assert page.markdown.count('<math xmlns="http://www.w3.org/1998/Math/MathML"') > 10
    # worked examples: expected and computed with pass marks, none failing
    assert "26,316.89" in page.markdown and "✅ pass" in page.markdown and "❌ fail" not in page.markdown
    # proof status stated (proved, or the fallback sentence)
    assert "**Proof status:**" in page.markdown
    # the chart and the shipped rule file
    [(chart, svg)] = page.assets.items()
    assert chart.endswith(".svg") and svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert "(usdm-perpetual.yaml)" in page.markdown


def test_home_has_coverage_matrix_and_two_click_path(rule):
    page = pages.home_page([rule], {})
    assert "## Coverage" in page.markdown
    assert "| binance | linear-perpetual | cross |" in page.markdown
    assert "[cross liquidation formula](rules/binance/usdm-perpetual.md#cross-mode)" in page.markdown
    assert "(rules/binance/usdm-perpetual.md#worked-examples)" in page.markdown


def test_reference_pages():
    import json
    from pathlib import Path

    import verifier.schemas

    schema = json.loads((Path(verifier.schemas.__file__).parent / "rule.schema.json").read_text("utf-8"))
    page = pages.schema_page(schema, pages.RULE_FORMAT, "Rule-file format", "rule.schema.json")
    assert "| `sources` |" in page.markdown and "| `examples` |" in page.markdown
    cli = pages.cli_page(build_parser())
    assert "## margin-verifier check" in cli.markdown and "--format" in cli.markdown


def test_comparison_page(rule, options):
    page = pages.comparison_page([rule], options)
    assert "| [Binance USDⓈ-M perpetual futures](rules/binance/usdm-perpetual.md) | cross |" in page.markdown
    assert any(path.endswith(".svg") for path in page.assets)


def test_cross_vs_isolated_page(rule):
    from pathlib import Path

    from verifier.docs.stages import stage_function

    scenarios = Path(__file__).resolve().parents[2] / "scenarios"
    page = pages.cross_vs_isolated_page([rule], scenarios)
    assert "## What each rule counts as equity" in page.markdown and "## Scenarios" in page.markdown
    if scenarios.is_dir() and stage_function("verifier.simulate", "simulate_file") is not None:
        assert any(path.endswith(".svg") for path in page.assets)
        assert "could not run" not in page.markdown


def test_rule_page_shows_verification_statuses(rule, options):
    md = pages.rule_page(rule, options).markdown
    section = md.split("## Verification", 1)[1].split("## Rule file", 1)[0]
    assert "placeholder" not in section and "will appear" not in section
    assert "<th>property</th>" in section and "<th>examples tried</th>" in section
    assert re.search(r"<td>(✅ pass|❌ fail|⏭ skip|➖ n/a)</td>", section)
    assert "<code>examples</code>" in section and "Summary: **" in section
    home = pages.home_page([rule], {}).markdown
    assert "| verified |" in home and re.search(r"\| \d+ pass", home)


def test_every_rule_with_a_liquidation_condition_has_a_chart_or_a_reason(options):
    from pathlib import Path

    from verifier.read import expand_paths

    files, _ = expand_paths([Path(__file__).resolve().parents[2] / "rules"])
    for path in files:
        try:
            other = load_rule(str(path))
        except Exception:  # noqa: BLE001 - tier tables are not rules
            continue
        if other is None or not any("liquidation" in m.conditions for m in other.modes.values()):
            continue
        lines, svg = pages._leverage_chart(other, options, pages.rule_page_path(other), "assets/x.svg")
        text = "\n".join(lines)
        if svg is None:
            assert "No chart: " in text and "spot margin" in text, (other.id, text)
        else:
            assert b"<svg" in svg and "No chart" not in text, other.id


def test_scenario_chart_has_threshold_lines(rule):
    from pathlib import Path

    from verifier.docs.stages import stage_function

    if stage_function("verifier.simulate", "simulate_file") is None:
        pytest.skip("simulate stage not available")
    scenarios = Path(__file__).resolve().parents[2] / "scenarios"
    page = pages.cross_vs_isolated_page([rule], scenarios)
    svg = page.assets["assets/charts/scenario-binance-margin-cross-vs-isolated.svg"].decode()
    assert 'id="threshold-margin_call' in svg and 'id="threshold-liquidation' in svg
    assert "margin call at margin level 1.1" in page.markdown and "liquidation at margin level 1.05" in page.markdown
