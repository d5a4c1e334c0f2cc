"""The unified rules' published ratio definitions (Bybit's account MM rate, Binance's uniMMR, OKX's mgnRatio): read,
proved at the derived price, counted by check, and a condition that drops one of their terms refuted (MV504)."""

import shutil
from pathlib import Path

import pytest

from verifier.derive import prove_definitions
from verifier.read import check_file as read_checked
from verifier.read import load_rule
from verifier.verify.check import CheckReport, check_file, run_proofs
from verifier.report.check import render_summary

ROOT = Path(__file__).resolve().parents[2]
UNIFIED = {"bybit/unified-trading-account": ["liquidation"],
           "binance/portfolio-margin": ["margin_call", "reduce_only", "liquidation", "claim"],
           "okx/multi-currency-margin": ["liquidation"]}


@pytest.mark.parametrize("rule_id", sorted(UNIFIED))
def test_every_level_of_each_published_definition_is_proved_symbolically_with_its_side_checked(rule_id):
    proofs = prove_definitions(load_rule(rule_id), use_cache=False)
    assert [p.condition for p in proofs] == UNIFIED[rule_id]
    for proof in proofs:
        assert proof.status == "proved", proof
        assert proof.method.startswith("symbolic"), proof.method
        assert "haircut rows of the catalog" in proof.side and "side checked exactly at" in proof.side


def test_check_counts_definitions_apart_from_price_formulas():
    reports = [check_file(ROOT / "rules" / f"{rule_id}.yaml") for rule_id in sorted(UNIFIED)]
    assert [(r.definitions_proved, r.definitions_total) for r in reports] == [(4, 4), (1, 1), (1, 1)]
    line = render_summary(reports, [])
    assert "; 0 of 0 published formulas proved; 6 of 6 published ratio definitions proved at the derived prices" in line
    # a rule without definitions keeps the line it always had
    assert "ratio definitions" not in render_summary([check_file(ROOT / "rules/okx/linear-swap.yaml")], [])


MUTANTS = [
    ("bybit/bybit-uta-condition-without-haircut.yaml", "Account MM Rate (accountMMRate)", "liquidation"),
    ("okx/okx-mcm-condition-without-liquidation-fee.yaml", "margin ratio (mgnRatio)", "liquidation"),
    ("binance/binance-pm-condition-without-other-maintenance.yaml", "uniMMR (unified account maintenance margin ratio)",
     "liquidation"),
]


@pytest.mark.parametrize("path,name,condition", MUTANTS, ids=[m[0].split("/")[1] for m in MUTANTS])
def test_a_condition_dropping_a_term_of_the_published_definition_is_refuted(path, name, condition):
    checked = read_checked(ROOT / "tests/mutants" / path)
    report = CheckReport(checked.file, checked.kind, checked.rule, invalid=list(checked.diagnostics))
    run_proofs(report)  # the proofs alone (check runs them once the worked examples pass; these fail first)
    [finding] = [d for d in report.failures if d.code == "MV504"]
    assert finding.message.startswith(f"published {name} (cross) does not meet its {condition} level at the derived "
                                      f"price: the published {name} at the derived price is not the level, at ")
    [key] = checked.rule.published_definitions
    assert finding.json_path == f"$.published.{key}[0].levels.{condition}" and finding.line > 0
    assert report.definitions_proved < report.definitions_total


def _copy(tmp_path, old, new):
    """The Bybit rule with its catalog in tmp_path, ``old`` replaced by ``new`` once."""
    shutil.copytree(ROOT / "rules/bybit/markets/unified-trading-account", tmp_path / "markets/unified-trading-account")
    text = (ROOT / "rules/bybit/unified-trading-account.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "unified-trading-account.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("old,new,code,message", [
    ("        liquidation: {level: liquidation_level, operator: \">=\"}",
     "        liquidaton: {level: liquidation_level, operator: \">=\"}", "MV444",
     "published margin_rate_definition gives a level for 'liquidaton', which is not a condition of mode 'cross'"),
    ("        liquidation: {level: liquidation_level, operator: \">=\"}",
     "        liquidation: {level: CV1, operator: \">=\"}", "MV445",
     "published margin_rate_definition is in 1, but its level for 'liquidation' is in quote"),
    ("        OrderLoss: 0\n", "        OrderLoss: 0\n        CV1: 0\n", "MV446",
     "term 'CV1' of published margin_rate_definition has the name of a symbol or parameter"),
    ("        TotalMM: (D + I) * P * BMMR + PM + MM1\n", "        TotalMM: (D + I) * P * BMMR + PM + MM2\n", "MV302",
     None),
])
def test_a_wrong_definition_is_a_located_error(tmp_path, old, new, code, message):
    checked = read_checked(_copy(tmp_path, old, new))
    found = [d for d in checked.diagnostics if d.code == code]
    assert found, checked.diagnostics
    assert found[0].line > 0 and found[0].json_path.startswith("$.published.margin_rate_definition[0]")
    if message is not None:
        assert found[0].message == message


def test_bybits_margin_balance_as_its_page_words_it_is_proved_by_the_cases_of_the_equity_sign():
    [proof] = prove_definitions(load_rule("bybit/unified-trading-account"), use_cache=False)
    assert proof.method == "symbolic, by cases (A - D - I >= 0; A - D - I < 0)"


def test_derive_reports_each_level_in_text_and_json():
    from verifier.jobs.derive import derive
    from verifier.report.derive import derivation_data, derivation_text

    result = derive("okx/multi-currency-margin")
    assert not result.refuted
    data = derivation_data(result.rule, result.derivation, result.proofs, definitions=result.definitions)
    [row] = data["publishedDefinitions"]
    assert (row["definition"], row["condition"], row["status"]) == ("mgn_ratio_definition", "liquidation", "proved")
    assert "published mgn_ratio_definition[0] margin ratio (mgnRatio) at the liquidation level (cross): proved by " \
           "symbolic" in derivation_text(data)
    # a rule without a published definition keeps its JSON as it was
    plain = derive("okx/linear-swap")
    assert "publishedDefinitions" not in derivation_data(plain.rule, plain.derivation, plain.proofs,
                                                        definitions=plain.definitions)
