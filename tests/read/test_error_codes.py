"""docs/error-codes.md stays true: every code the package can raise or report is documented there."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = {"MV000", "MV200"}  # the root's and SpecError's defaults: raised only with diagnostics that carry codes


def test_every_code_in_the_package_is_documented():
    documented = set(re.findall(r"^\| (MV\d{3}) \|", (ROOT / "docs" / "error-codes.md").read_text(), re.M))
    used = {}
    for path in (ROOT / "verifier").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"MV\d{3}", node.value):
                used.setdefault(node.value, str(path.relative_to(ROOT)))
    assert len(used) > 40, "the scan found too few codes to be looking in the right place"
    assert {code: where for code, where in used.items() if code not in documented | DEFAULTS} == {}
