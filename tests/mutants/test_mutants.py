"""Every mutant of a shipped rule is rejected by verify, for the reason the manifest expects.

Only the expected property runs (checks, examples and proofs always run), under the deterministic ci profile,
so this stays fast; ``tests/mutants/score.py`` runs everything and prints the mutation score.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_mutants import mutants, mutated_text, path_of  # noqa: E402
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
def test_mutant_file_carries_its_one_mistake_and_can_be_regenerated(mutant):
    committed = path_of(mutant).read_text(encoding="utf-8")
    assert committed.startswith(f"# MUTANT {mutant['id']} ")
    shipped = (path_of(mutant).parents[2].parent / "rules" / mutant["rule"]).read_text(encoding="utf-8")
    for old, new in mutant["replace"]:
        assert shipped.count(old) == 1, f"the shipped rule changed: update {mutant['id']} in manifest.yaml"
        assert new in committed
    # the committed copy is today's shipped rule with the mistake: a stale copy would test a rule we no longer ship
    assert committed == mutated_text(mutant), f"run tests/mutants/make_mutants.py: {mutant['id']} is stale"


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["id"] for m in MUTANTS])
def test_verify_rejects_mutant_for_the_expected_reason(mutant):
    only = [] if mutant["catch"] in CHECKS else [mutant["catch"]]
    report = verify_file(path_of(mutant), profile="ci", only=only, proofs=mutant["catch"] == "published_proofs")
    assert mutant["catch"] in rejected_by(report), (mutant["id"], [(r.name, r.status, r.message) for r in report.rows])
