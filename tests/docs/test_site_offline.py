"""The built site reads well offline, at 1280 px in headless Chromium: every character it shows has a glyph in
the fonts it carries or the system's, and no table is wider than the content column, its ids and numbers each on
one line.

A missing glyph is found by drawing each character shown, in the font its element uses, on a canvas and comparing
the pixels with those of a character no font has (the "tofu" box the browser draws instead): equal pixels, no
glyph.  The check itself is checked: a character no font here holds is reported.
"""

from __future__ import annotations

import pytest

from .conftest import open_page

pytestmark = pytest.mark.xdist_group("site")  # the site is built once, on one worker, for every browser test

PAGES = ["", "rules/binance/usdm-perpetual/", "rules/binance/coinm-perpetual/", "rules/binance/spot-margin/",
         "rules/binance/usdm-perpetual/markets/other/", "rules/binance/usdm-perpetual/markets/B/",
         "comparison/", "cross-vs-isolated/", "reference/rule-format/", "reference/cli/", "error-codes/",
         "writing-rules/"]

MISSING_GLYPHS = """
async (extra) => {
  await document.fonts.ready;
  const seen = new Map();
  const keep = (ch, el) => {
    if (/[\\p{Cc}\\p{Cf}\\p{Z}\\s]/u.test(ch)) return;
    const s = getComputedStyle(el);
    const font = `${s.fontStyle} ${s.fontWeight} 40px ${s.fontFamily}`;
    if (!seen.has(ch + "\\u0000" + font)) seen.set(ch + "\\u0000" + font, [ch, font]);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest("script, style, noscript, datalist, option, template") || !el.getClientRects().length) continue;
    for (const ch of walker.currentNode.textContent) keep(ch, el);
  }
  for (const ch of extra) keep(ch, document.querySelector("article") || document.body);
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 80;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const draw = (ch, font) => {
    ctx.clearRect(0, 0, 80, 80);
    ctx.font = font;
    ctx.fillText(ch, 10, 56);
    return ctx.getImageData(0, 0, 80, 80).data.join(",");
  };
  const missing = [];
  for (const [ch, font] of seen.values()) {
    await document.fonts.load(font, ch);
    if (draw(ch, font) === draw("\\u0378", font)) {  // U+0378 is unassigned: no font has it
      missing.push(`${ch} U+${ch.codePointAt(0).toString(16).toUpperCase()} in ${font}`);
    }
  }
  return missing;
}
"""

TABLE_PROBLEMS = """
() => {
  document.querySelectorAll("details").forEach(d => d.open = true);
  const article = document.querySelector("article");
  const box = article.getBoundingClientRect();
  const right = box.right - parseFloat(getComputedStyle(article).paddingRight) + 1;
  const out = [];
  const name = (t) => (t.querySelector("th") || t).textContent.trim().slice(0, 40);
  for (const table of article.querySelectorAll("table")) {
    if (table.getBoundingClientRect().right > right) out.push(`wider than the column: ${name(table)}`);
    for (let el = table; el && el !== article; el = el.parentElement) {
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible") {
        out.push(`scrolls sideways: ${name(table)}`);
        break;
      }
    }
  }
  for (const el of article.querySelectorAll("table code.mv-id, table td.mv-num")) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (tops.size > 1) out.push(`broken over ${tops.size} lines: ${el.textContent}`);
  }
  return out;
}
"""


@pytest.mark.parametrize("path", PAGES)
def test_every_character_shown_has_a_glyph_and_tables_fit(browser, server, path):
    page, errors, foreign = open_page(browser, server + path)
    missing = page.evaluate(MISSING_GLYPHS, "")
    assert not missing, f"{path or 'home'}: characters without a glyph: {missing}"
    problems = page.evaluate(TABLE_PROBLEMS)
    assert not problems, f"{path or 'home'}: {problems[:10]}"
    assert not errors and not foreign
    page.close()


def test_the_glyph_check_finds_a_missing_glyph(browser, server):
    page, _, _ = open_page(browser, server)
    missing = page.evaluate(MISSING_GLYPHS, "\U0001D11E")  # MUSICAL SYMBOL G CLEF: in no font here
    assert any(m.startswith("\U0001D11E U+1D11E") for m in missing), missing
    page.close()
