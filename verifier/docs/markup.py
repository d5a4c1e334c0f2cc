"""Markup the pages share: escaping, tables, links, anchors, numbers, MathML and status marks.

Numbers come from :mod:`verifier.report.numbers` (exact; ``~`` marks a value rounded for display).

>>> html_table(["a", "b"], [["<code>liq-price-faq</code>", "26,316.89"]]).split("<tbody>")[1]
'<tr><td><code class="mv-id">liq-price-faq</code></td><td class="mv-num">26,316.89</td></tr></tbody></table></div>'
>>> anchor("cross mode"), rel("rules/binance/usdm.md", "index.md"), number(Fraction(1, 3)), number(26316)
('cross-mode', '../../index.md', '~0.33333333', '26,316')
>>> math_html(__import__("sympy").Symbol("x") / 2).startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"')
True
"""

from __future__ import annotations

import html
import posixpath
import re
from fractions import Fraction

from verifier.report.numbers import grouped_text

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
STATUS = {"pass": "✅ pass", "fail": "❌ fail", "error": "💥 error", "skip": "⏭ skip", "n/a": "➖ n/a"}
"""A verify row's status as the pages show it."""


def esc(text) -> str:
    """Text safe inside HTML (attributes included)."""
    return html.escape(str(text), quote=True)


def md_cell(text) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def number(value) -> str:
    """An exact number for a table: exact when it terminates within 8 decimals, else ``~`` and 8 decimals."""
    return "none" if value is None else grouped_text(Fraction(value), places=8)


def math_html(expr, *, block: bool = False) -> str:
    """Presentation MathML for a SymPy expression or relational, on one line, safe inside tables."""
    from sympy.printing.mathml import mathml

    body = mathml(expr, printer="presentation").replace("\n", "").replace("|", "&#124;")
    display = ' display="block"' if block else ""
    return f'<math xmlns="{MATHML_NS}"{display} class="mv-math">{body}</math>'


def formula_block(expr) -> str:
    """A displayed formula (scrolls sideways when wide)."""
    return f'<div class="mv-formula">{math_html(expr, block=True)}</div>'


_ONE_WORD_CODE = re.compile(r"<code>([^<\s]+)</code>")
_NUMBER = re.compile(r"[~≈]?[-+]?([0-9][0-9,]*(\.[0-9]*)?|\.[0-9]+)( ?%)?|∞|[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _cell(content) -> str:
    """A table cell; an id in code (``liq-price-faq``, ``BTC/USDT:USDT``) is marked ``mv-id`` and a cell holding a
    number alone ``mv-num``: the stylesheet keeps them on one line while prose around them wraps."""
    content = _ONE_WORD_CODE.sub(r'<code class="mv-id">\1</code>', str(content))
    text = html.unescape(re.sub(r"<[^>]+>", "", content)).strip()
    return f'<td class="mv-num">{content}</td>' if _NUMBER.fullmatch(text) else f"<td>{content}</td>"


def html_table(headers, rows) -> str:
    """An HTML table (cells are HTML already) in a horizontally scrolling box (a last resort: prose wraps)."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f'<div class="mv-table"><table class="mv">\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody></table></div>'


def md_table(headers, rows) -> list[str]:
    """A Markdown table's lines (cells are Markdown already)."""
    return ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"] + [
        "| " + " | ".join(row) + " |" for row in rows]


def anchor(text: str) -> str:
    """The id MkDocs' toc extension gives a heading with this text."""
    return "-".join("".join(ch if ch.isalnum() or ch == " " else " " for ch in text.lower()).split())


def rel(from_page: str, to: str) -> str:
    """A relative link from one docs path to another (MkDocs resolves and checks it)."""
    return posixpath.relpath(to, posixpath.dirname(from_page) or ".")


def source_link(rule, source_id) -> str:
    """A link to a source of the rule, in the rule page's Sources table."""
    if not source_id:
        return ""
    source = rule.sources.get(source_id)
    if source is None:
        return esc(source_id)
    return f'<a href="#source-{esc(source_id)}" title="{esc(source.title)}">{esc(source_id)}</a>'


def passed_mark(passed) -> str:
    """A worked example's result: pass, fail, or not computed (with the reason beside it)."""
    return {True: "✅ pass", False: "❌ fail", None: "⏳ not computed"}[passed]
