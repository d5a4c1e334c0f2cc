"""Every mutant of a shipped rule is rejected by verify, for the reason the manifest expects.

Only the expected property runs (checks, examples and proofs always run), under the deterministic ci profile,
so this stays fast; ``tests/mutants/score.py`` runs everything and prints the mutation score.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_mutants import make, mutants, path_of  # noqa: E402
from score import rejected_by  # noqa: E402

from verifier.verify.properties import properties  # noqa: E402
from verifier.verify.runner import verify_file  # noqa: E402

MUTANTS = mutants()
CHECKS = {"check", "examples", "published_proofs"}


def test_there_are_at_least_twenty_mutants_each_naming_a_known_reason():
    known = {p.name for p in properties()} | CHECKS
    assert len(MUTANTS) >= 20
    assert len({m["id"] for m in MUTANTS}) == len(MUTANTS)
    for m in MUTANTS:
        assert m["catch"] in known, m["id"]


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["id"] for m in MUTANTS])
def test_mutant_file_is_the_shipped_rule_with_its_one_mistake(mutant, tmp_path, monkeypatch):
    committed = path_of(mutant).read_text(encoding="utf-8")
    assert committed == make(mutant).read_text(encoding="utf-8"), "regenerate: python tests/mutants/make_mutants.py"


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["id"] for m in MUTANTS])
def test_verify_rejects_mutant_for_the_expected_reason(mutant):
    only = [] if mutant["catch"] in CHECKS else [mutant["catch"]]
    report = verify_file(path_of(mutant), profile="ci", only=only, proofs=mutant["catch"] == "published_proofs")
    assert mutant["catch"] in rejected_by(report), (mutant["id"], [(r.name, r.status, r.message) for r in report.rows])
