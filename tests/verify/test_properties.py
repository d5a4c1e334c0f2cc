"""The property library: names, docstrings, applicability, and that a counterexample reproduces under check."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.read import load_rule
from verifier.verify.properties import properties
from verifier.verify.runner import run_property, verify_file

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "closed_form_agrees_with_simulator", "published_formula_equals_derivation", "isolated_loss_bounded_by_collateral",
    "isolated_liquidation_changes_no_other_account", "cross_liquidation_closes_every_position",
    "funds_conserved_and_balances_nonnegative", "liquidation_nears_entry_as_leverage_rises",
    "added_margin_moves_liquidation_away", "bankruptcy_liquidation_entry_ordered",
    "cross_liquidates_no_earlier_than_isolated", "mode_switch_refused_with_open_position_or_order",
    "chosen_tier_holds_notional_at_liquidation",
    # issue 13: what the verifier missed
    "other_positions_move_cross_liquidation_the_right_way", "cross_account_is_its_positions_pooled",
    "isolated_account_ignores_owner_other_funds", "margin_call_comes_before_liquidation",
    "maintenance_margin_continuous_across_brackets",
}


def test_every_required_property_exists_with_a_one_sentence_docstring():
    props = {p.name: p for p in properties()}
    assert REQUIRED <= set(props)
    for p in props.values():
        assert p.doc.endswith(".") and len(p.doc) > 30, p.name


def test_applicability_by_product_and_mode():
    spot = load_rule("binance/spot-margin")
    futures = load_rule("binance/usdm-perpetual")
    props = {p.name: p for p in properties()}
    assert props["bankruptcy_liquidation_entry_ordered"].applies(spot, spot.mode("cross"))
    assert props["bankruptcy_liquidation_entry_ordered"].applies(futures, futures.mode("cross")) is None
    assert props["added_margin_moves_liquidation_away"].applies(futures, futures.mode("cross"))
    assert props["chosen_tier_holds_notional_at_liquidation"].applies(futures, futures.mode("isolated")) is None


def test_simulate_never_imports_derive():
    code = ("import sys, verifier.simulate; "
            "print(any(m.startswith('verifier.derive') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr


def test_shipped_rule_passes_a_property():
    rule = load_rule("okx/linear-swap")
    prop = next(p for p in properties() if p.name == "closed_form_agrees_with_simulator")
    row = run_property(prop, rule, "isolated", "ci")
    assert row.status == "pass" and row.tried > 0


def test_counterexample_pasted_into_the_rule_reproduces_under_check(tmp_path):
    mutant = ROOT / "tests/mutants/okx/okx-linear-fee-counted-twice.yaml"
    report = verify_file(mutant, profile="ci", only=["published_formula_equals_derivation"])
    row = next(r for r in report.rows if r.prop == "published_formula_equals_derivation" and r.status == "fail")
    assert row.example and row.line > 0
    text = mutant.read_text(encoding="utf-8")
    # keep only the pasted example, so check fails because of it alone
    head = text[: text.index("\nexamples:\n")]
    target = tmp_path / "okx" / "pasted.yaml"
    shutil.copytree(ROOT / "rules/okx/markets", target.parent / "markets")  # the rule's market catalog, beside it
    head = head.replace("catalog: ../../../rules/okx/markets/", "catalog: markets/")
    target.write_text(head + "\nexamples:\n" + row.example_yaml + "\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "verifier", "check", str(target)], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "MV500" in out.stderr and "verify counterexample" in out.stderr  # diagnostics: stderr
    # and on the correct rule the same example's inputs do not fail for this reason
    good = (ROOT / "rules/okx/linear-swap.yaml").read_text(encoding="utf-8")
    fixed = tmp_path / "okx" / "fixed.yaml"
    fixed.write_text(good[: good.index("\nexamples:\n")] + "\nexamples:\n" + row.example_yaml + "\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "verifier", "check", str(fixed)], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("mutant, prop, shipped", [
    ("binance/binance-short-sign-flipped", "bankruptcy_liquidation_entry_ordered", "binance/usdm-perpetual"),
    ("kucoin/kucoin-linear-cross-others-pnl-as-loss", "other_positions_move_cross_liquidation_the_right_way",
     "kucoin/linear-perpetual"),
])
def test_condition_counterexample_fails_the_wrong_rule_and_passes_the_corrected_one(tmp_path, mutant, prop, shipped):
    """The entry states the truth the property guards (no placeholder): pasted into the corrected rule it passes."""
    path = ROOT / "tests/mutants" / f"{mutant}.yaml"
    report = verify_file(path, profile="ci", only=[prop], proofs=False)
    row = next(r for r in report.rows if r.prop == prop and r.status == "fail")
    assert row.example and "expect: {" in row.example_yaml, row.message
    for source, want in ((path, 1), (ROOT / "rules" / f"{shipped}.yaml", 0)):
        text = source.read_text(encoding="utf-8")
        target = tmp_path / source.parent.name / source.name
        target.parent.mkdir(exist_ok=True)
        exchange = shipped.split("/")[0]
        if not (target.parent / "markets").exists():  # the shipped market catalogs, read where they are
            (target.parent / "markets").symlink_to(ROOT / "rules" / exchange / "markets")
        text = text.replace(f"catalog: ../../../rules/{exchange}/markets/", "catalog: markets/")
        target.write_text(text[: text.index("\nexamples:\n")] + "\nexamples:\n" + row.example_yaml + "\n",
                          encoding="utf-8")
        out = subprocess.run([sys.executable, "-m", "verifier", "check", str(target)], capture_output=True, text=True,
                             cwd=ROOT)
        assert out.returncode == want, (source, out.stdout + out.stderr)
