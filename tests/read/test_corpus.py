"""The corpora: every valid file checks clean; every invalid file yields its stated error at its stated line.

Invalid files carry their expectation in their first lines (see tests/corpus/make_invalid.py):
``# expect: CODE line N`` and ``# message: fragment``.
"""

import re
import shutil
from pathlib import Path

import pytest

from verifier.verify import check_paths

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
VALID_COPIES = ("example",)
"""Folders under invalid/ holding a valid catalog the invalid rules and shards need (not mistakes themselves)."""
INVALID = sorted(p for p in (CORPUS / "invalid").rglob("*") if p.suffix in (".yaml", ".json")
                 and not VALID_COPIES[0] in p.parts and not (p.name == "catalog.yaml" and "headers" not in p.parts))
"""Every mistake; a catalog.yaml is one only under markets/headers/ (elsewhere it is the valid header of shards)."""
BROKEN_TIERS = CORPUS / "invalid" / "markets" / "broken-tiers" / "markets-B.json"
"""A shard with a mistyped maintenance amount, in the catalog rule-with-broken-tier-table.yaml reads."""
VALID = sorted(p for p in (CORPUS / "valid").rglob("*") if p.suffix in (".yaml", ".json"))


def expectation(path: Path):
    source = path.with_name(path.name + ".expect") if path.suffix == ".json" else path
    head = source.read_text().splitlines()[:2]
    code, line = re.match(r"# expect: (\S+) line (\d+)", head[0]).groups()
    message = head[1].removeprefix("# message: ")
    return code, int(line), message


def test_the_corpus_has_at_least_thirty_distinct_mistakes():
    assert len({expectation(p)[0] + expectation(p)[2] for p in INVALID}) >= 30


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_file_checks_clean(path):
    results, problems = check_paths([path])
    assert problems == []
    # warnings (what the examples leave unpinned, verify.coverage) do not make a file unclean
    assert [d.render() for r in results for d in r.diagnostics if d.severity == "error"] == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.parent.name if p.name == "catalog.yaml" else p.stem)
def test_invalid_file_reports_its_mistake_first(path):
    code, line, message = expectation(path)
    results, _ = check_paths([path])
    diagnostics = [d for r in results for d in r.diagnostics if d.severity == "error"]
    assert diagnostics, f"{path.name} was accepted"
    first = diagnostics[0]
    assert (first.code, first.line) == (code, line), first.render()
    assert message in first.message, first.render()
    assert first.file.endswith(path.name) or (path.name == "rule-with-broken-tier-table.yaml"
                                              and first.file.endswith(str(BROKEN_TIERS.relative_to(CORPUS))))
    assert first.col >= 1 and first.json_path.startswith("$")


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_one_mistake_is_one_diagnostic(path):
    """No cascades: what follows from the mistake (every use of a misspelt name, examples of a broken definition,
    rules of a broken tier table) is not reported again.  Warnings (what the examples leave unpinned, MV408/MV458)
    are about the file's coverage, not its mistake, and are not counted."""
    results, _ = check_paths([path])
    errors = [d for r in results for d in r.diagnostics if d.severity == "error"]
    assert len(errors) == 1, [d.render() for r in results for d in r.diagnostics]


def test_a_broken_tier_table_is_reported_once_with_the_rules_that_use_it():
    results, _ = check_paths([CORPUS / "invalid" / "rule-with-broken-tier-table.yaml", BROKEN_TIERS])
    from verifier.report.check import diagnostics

    assert [d.code for d in diagnostics(results, [])] == ["MV414"]
    assert all(not r.ok for r in results)  # the rule fails too: its table is unusable


def test_a_boundary_example_tells_strict_from_non_strict(tmp_path):
    """An example on the boundary passes with '<=' and fails with '<': the only way data can pin the operator."""
    base = (CORPUS / "valid" / "minimal-linear.yaml").read_text()
    example = """  - name: on the boundary
    source: doc
    mode: isolated
    given: {WB: 600, q: 1, EP: 60000, s: 1, P: 60000, MMR: 0.01, cum: 0}
    expect: {liquidation: true}
"""
    shutil.copytree(CORPUS / "valid" / "markets", tmp_path / "markets")
    for operator, problems in (("<=", 0), ("<", 1)):
        rule = tmp_path / "rule.yaml"
        rule.write_text(base.replace("equity <= maintenance_margin", f"equity {operator} maintenance_margin") + example)
        results, _ = check_paths([rule])
        found = [d for r in results for d in r.diagnostics if d.code == "MV500"]
        assert len(found) == problems, [d.render() for r in results for d in r.diagnostics]
