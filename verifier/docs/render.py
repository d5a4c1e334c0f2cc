"""Small renderers: SymPy -> presentation MathML (native browser maths), exact numbers, table cells.

>>> math_html(__import__("sympy").Symbol("x") / 2).startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"')
True
>>> show(Fraction(1, 3))
'0.33333333'
"""

from __future__ import annotations

import html
from fractions import Fraction

from sympy.printing.mathml import mathml

MATHML_NS = "http://www.w3.org/1998/Math/MathML"


def math_html(expr, *, block: bool = False) -> str:
    """Presentation MathML for a SymPy expression or relational, on one line, safe inside tables."""
    body = mathml(expr, printer="presentation").replace("\n", "").replace("|", "&#124;")
    display = ' display="block"' if block else ""
    return f'<math xmlns="{MATHML_NS}"{display} class="mv-math">{body}</math>'


def show(value, digits: int = 8) -> str:
    """An exact number as a short decimal (exact when it terminates within ``digits`` places)."""
    if value is None:
        return "none"
    value = Fraction(value)
    if value.denominator == 1:
        return f"{value.numerator:,}"
    rounded = round(value, digits)
    text = f"{float(rounded):,.{digits}f}".rstrip("0").rstrip(".")
    return text


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def md_cell(text) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()
