"""`check` runs the published-formula proofs: refuted -> MV502 error (exit 1), undecided -> MV503 warning (exit 0)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from verifier.derive.proof import ProofResult, prove_published
from verifier.read import load_rule
from verifier.verify import check_paths

ROOT = Path(__file__).resolve().parents[2]
WRONG = ROOT / "tests" / "corpus" / "invalid" / "published-formula-wrong.yaml"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, cwd=ROOT)


def test_shipped_rules_have_every_published_formula_proved():
    results, _ = check_paths([ROOT / "rules"])
    assert sum(r.published_total for r in results) >= 20
    assert all(r.published_proved == r.published_total for r in results)
    out = _cli("check", "rules", "--format", "json")
    assert out.returncode == 0, out.stdout
    summary = json.loads(out.stdout)["summary"]
    assert summary["publishedProved"] == summary["publishedFormulas"] > 0


def test_wrong_published_formula_is_mv502_at_the_formula_with_a_counterexample():
    results, _ = check_paths([WRONG])
    [d] = [d for r in results for d in r.diagnostics if d.severity == "error"]
    assert d.code == "MV502" and d.severity == "error"
    assert d.json_path == "$.published.liquidation_price[0].formula"
    assert "the derivation gives" in d.message and "the formula gives" in d.message
    out = _cli("check", str(WRONG))
    assert out.returncode == 1
    assert "error[MV502]" in out.stderr and "Traceback" not in out.stderr  # diagnostics go to stderr


def test_side_cases_prove_symbolically_without_sampling():
    [proof] = [p for p in prove_published(load_rule("okx/linear-swap"), use_cache=False)]
    assert proof.status == "proved" and proof.method.startswith("symbolic, by cases (s in {1, -1})")


def test_undecided_proof_is_a_warning_that_keeps_exit_code_0(monkeypatch):
    import verifier.derive as derive
    from verifier.cli.main import main

    def undecided(rule, **_):
        return [ProofResult(q, e.index, e.modes, "undecided", "none", reason="no sample point gave finite values")
                for q, entries in rule.published.items() for e in entries]

    monkeypatch.setattr(derive, "prove_published", undecided)
    results, _ = check_paths([ROOT / "rules" / "binance" / "usdm-perpetual.yaml"])
    diagnostics = [d for r in results for d in r.diagnostics]
    assert diagnostics and {d.code for d in diagnostics} == {"MV503"}
    assert all(d.severity == "warning" for d in diagnostics)
    assert all(r.ok for r in results)
    assert main(["check", str(ROOT / "rules" / "binance" / "usdm-perpetual.yaml")]) == 0
