"""The functions a formula may call: the whole list, each with its unit rule.

Adding a function here is a format change: document it in docs/formula-language.md.
"""

from __future__ import annotations

import sympy

# name -> (SymPy constructor, minimum arguments, maximum arguments, one-line doc)
FUNCTIONS = {
    "min": (sympy.Min, 2, 8, "smallest of its arguments; all arguments share one unit"),
    "max": (sympy.Max, 2, 8, "largest of its arguments; all arguments share one unit"),
    "abs": (sympy.Abs, 1, 1, "absolute value; keeps the unit"),
}
