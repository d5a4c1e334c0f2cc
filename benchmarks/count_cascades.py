"""How many diagnostics does one mistake produce?  One root per mistake is the goal (issue 15).

For every shipped rule file, makes each of two kinds of one-character slips in a temporary copy and counts the
errors ``check`` reports for it:

* a misspelt key (every mapping key: declarations, references, schema keys), its second-to-last letter dropped;
* a misspelt name in a formula (the first name of every ``formula``, ``when``, ``basis`` and ``others``), an
  ``x`` appended.

Prints, per kind, how many slips gave 0, 1 and more diagnostics, the worst case, and the total.  Run:
``.venv/bin/python benchmarks/count_cascades.py [RULE...]`` (default: every rule under rules/).
"""

from __future__ import annotations

import collections
import re
import shutil
import sys
import tempfile
from pathlib import Path

from verifier.read import read_file
from verifier.verify.check import check_file

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def key_slips(doc, lines):
    for path, (line, col) in sorted(doc.key_positions.items(), key=lambda item: item[1]):
        key = path[-1]
        text = lines[line - 1]
        if isinstance(key, str) and len(key) >= 3 and text[col - 1:col - 1 + len(key)] == key:
            yield ".".join(map(str, path)), line, text[:col - 1] + key[:-2] + key[-1] + text[col - 1 + len(key):]


def formula_slips(doc, lines):
    for path, (line, col) in sorted(doc.positions.items(), key=lambda item: item[1]):
        if path and path[-1] in ("formula", "when", "basis", "others"):
            text = lines[line - 1]
            found = NAME.search(text, col - 1)
            if found:
                yield ".".join(map(str, path)), line, text[:found.end()] + "x" + text[found.end():]


def count(rule: Path, slips) -> list[tuple[int, str]]:
    """(errors reported, where the slip is) for every slip of one kind in ``rule``."""
    lines = rule.read_text(encoding="utf-8").splitlines(keepends=True)
    doc = read_file(rule)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / rule.name
        if (rule.parent / "tiers").is_dir():
            shutil.copytree(rule.parent / "tiers", Path(folder) / "tiers")
        for where, line, changed in slips(doc, lines):
            copy.write_text("".join(lines[:line - 1] + [changed] + lines[line:]), encoding="utf-8")
            report = check_file(copy, proofs=False)
            results.append((sum(1 for d in report.diagnostics if d.severity == "error"), where))
    return results


def main(argv) -> None:
    rules = [Path(a) for a in argv] or sorted(p for p in (ROOT / "rules").glob("*/*.yaml"))
    for kind, slips in (("misspelt key", key_slips), ("misspelt name in a formula", formula_slips)):
        results = [(n, f"{rule.relative_to(ROOT) if rule.is_absolute() else rule}: {where}")
                   for rule in rules for n, where in count(rule, slips)]
        histogram = collections.Counter(min(n, 3) for n, _ in results)
        worst = max(results)
        print(f"{kind}: {len(results)} slips; diagnostics per slip: 0 -> {histogram[0]}, 1 -> {histogram[1]}, "
              f"2 -> {histogram[2]}, 3 or more -> {histogram[3]}; total {sum(n for n, _ in results)}; "
              f"worst {worst[0]} ({worst[1]})")


if __name__ == "__main__":
    main(sys.argv[1:])
