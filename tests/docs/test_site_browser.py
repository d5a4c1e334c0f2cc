"""The built site in a real browser: headless Debian Chromium driven by Playwright (never downloads browsers).

Builds the site (``mkdocs build --strict``), serves it on 127.0.0.1 with http.server in a thread, and checks
that formulas render as MathML with a size, charts are present, every internal link answers 200, nothing is
fetched from another host, and no page logs a console error. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest

from .conftest import ROOT, open_page as _open

pytestmark = pytest.mark.xdist_group("site")  # one worker builds the site once for every browser test

ARTIFACTS = ROOT / "test-artifacts"
RULE_PAGE = "rules/binance/usdm-perpetual/"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def test_internal_links_resolve(server, built_site):
    host = urllib.parse.urlsplit(server).netloc
    pages = [p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html")]
    checked, broken = set(), []
    for page in pages:
        url = urllib.parse.urljoin(server, page)
        parser = _Links()
        parser.feed(urllib.request.urlopen(url, timeout=10).read().decode("utf-8"))
        for link in parser.links:
            target = urllib.parse.urljoin(url, link)
            parts = urllib.parse.urlsplit(target)
            if parts.scheme not in ("http", "https") or parts.netloc != host:
                continue
            target = urllib.parse.urlunsplit(parts._replace(fragment=""))
            if target in checked:
                continue
            checked.add(target)
            try:
                status = urllib.request.urlopen(target, timeout=10).status
            except urllib.error.HTTPError as exc:
                status = exc.code
            if status != 200:
                broken.append(f"{page} -> {link} ({status})")
    assert len(checked) > 20
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def _math_sizes(page):
    return page.eval_on_selector_all(
        "article math", "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })")


def test_home_page(browser, server):
    ARTIFACTS.mkdir(exist_ok=True)
    page, errors, foreign = _open(browser, server)
    assert "margin-verifier" in page.title()
    assert page.locator("text=Coverage").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
    # two clicks to the cross formula: home -> the rule page's cross section
    page.click("li:has-text('binance/usdm-perpetual') a:has-text('cross liquidation formula')")
    page.wait_for_load_state("networkidle")
    assert RULE_PAGE in page.url and page.url.endswith("#cross-mode")
    # the one-way formula's heading (the hedge-mode formula has its own, '... (hedge mode)')
    heading = page.locator("h4", has_text=re.compile(r"cross: published liquidation price(?!\s*\(hedge)"))
    assert heading.count() == 1
    assert not errors, errors
    assert not foreign, f"fetched from other hosts: {foreign}"
    page.close()


def test_rule_page_renders_math_and_chart(browser, server):
    ARTIFACTS.mkdir(exist_ok=True)
    page, errors, foreign = _open(browser, server + RULE_PAGE)
    sizes = _math_sizes(page)
    assert len(sizes) > 10, "expected MathML formulas on the rule page"
    assert all(w > 0 and h > 0 for w, h in sizes), f"a <math> element has no size: {sizes}"
    # rendered as mathematics: the MathML namespace, fraction layout, no raw formula source in the maths
    assert page.eval_on_selector("article math", "e => e.namespaceURI") == "http://www.w3.org/1998/Math/MathML"
    assert page.locator("article math mfrac").count() > 0
    chart = page.locator("article img[src$='.svg']").first
    assert chart.count() == 1
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("h2:has-text('Worked examples')").count() == 1
    assert page.locator("article td:has-text('✅ pass')").count() > 0
    page.screenshot(path=str(ARTIFACTS / "rule-binance-usdm-perpetual.png"), full_page=True)
    assert not errors, errors
    assert not foreign, f"fetched from other hosts: {foreign}"
    page.close()


@pytest.mark.parametrize("path", ["comparison/", "cross-vs-isolated/", "reference/rule-format/", "reference/cli/"])
def test_other_pages_load_cleanly(browser, server, path):
    page, errors, foreign = _open(browser, server + path)
    assert page.locator("article h1").count() == 1
    assert not errors, errors
    assert not foreign, f"fetched from other hosts: {foreign}"
    page.close()
