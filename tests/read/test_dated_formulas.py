"""Formulas dated through time: versions of definitions and published formulas, open intervals, gaps."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F
from pathlib import Path

import pytest

from verifier.derive import price_at
from verifier.errors import EvaluationError
from verifier.read import check_file, load_rule

D = dt.date.fromisoformat


def test_hyperliquid_answers_2023_with_the_2023_formula_and_today_with_todays():
    rule = load_rule("hyperliquid/perpetual")
    given = {"EP": F(26951), "q": F("0.00785"), "s": F(-1), "maxLev": F(50), "P0": F("26961.2"),
             "WB": F("1181.624478"), "UPNL1": F("0.768088"), "TMM1": F("32.23169914")}
    old = price_at(rule, "cross", "liquidation", given, date=D("2023-03-27"))
    new = price_at(rule, "cross", "liquidation", given, date=D("2024-10-10"))
    assert abs(old - F("173198.69592357")) < F(1, 10**4)  # the recorded response
    assert abs(new - F("171750.80")) < F(1, 100)  # today's factor moves it by almost 1 %
    assert rule.at(D("2023-03-27")) is rule.at(D("2023-01-01"))  # one view per regime
    assert rule.at(None) is rule and rule.at(D("2025-01-01")) is rule


def test_each_regime_has_its_own_derivation_key_and_an_old_version_edited_changes_them_all(tmp_path):
    """derive and proof caches are keyed by derivation_key: two regimes sharing one would answer 2023 with today's
    formula; an edit to the 2023 version must not reuse the cached derivations either."""
    rule = load_rule("hyperliquid/perpetual")
    old = rule.at(D("2023-03-27"))
    assert old.derivation_key != rule.derivation_key and old.derivation_key.startswith(rule.derivation_key)
    text = Path(rule.file).read_text(encoding="utf-8")
    folder = tmp_path / "hyperliquid"
    folder.mkdir()
    for data in ("markets", "conformance"):  # the rule's market catalog and recorded responses, read where they are
        (folder / data).symlink_to(Path(rule.file).resolve().parent / data)
    edited = folder / "perpetual.yaml"
    example = text.index("\nexamples:\n")  # an example edited: derivations stay cached
    edited.write_text(text[:example] + text[example:].replace("tolerance: 0.01", "tolerance: 0.02", 1), encoding="utf-8")
    assert load_rule(edited).at(D("2023-03-27")).derivation_key == old.derivation_key
    assert "until: 2023-03-28" in text
    edited.write_text(text.replace("until: 2023-03-28", "until: 2023-03-29", 1), encoding="utf-8")  # the old version edited
    assert load_rule(edited).at(D("2023-03-27")).derivation_key != old.derivation_key


def test_a_date_in_the_gap_between_two_versions_is_an_error_not_a_guess():
    rule = load_rule("hyperliquid/perpetual")
    with pytest.raises(EvaluationError) as raised:
        rule.at(D("2024-01-01"))
    assert raised.value.code == "MV404" and "2024-10-10" in raised.value.hint


def test_kucoin_maintenance_margin_before_2025_05_22_has_its_fee_and_funding_terms():
    rule = load_rule("kucoin/linear-perpetual")
    before = rule.at(D("2025-05-21")).mode("isolated").definitions["maintenance_margin"]
    after = rule.at(D("2025-05-22")).mode("isolated").definitions["maintenance_margin"]
    assert "fee" in before.text and "FR" in before.text and after.text == "q * P * MMR"
    assert [v.since for v in after.versions] == [None, D("2025-05-22")]


def test_open_first_value_answers_every_earlier_date():
    rule = load_rule("kucoin/linear-perpetual")
    assert rule.modes["cross"].parameters["cancel_risk_rate"].value_at(D("2001-01-01")) == F("0.95")


def _variant(tmp_path, rule_id, old, new, name="variant.yaml"):
    text = (load_rule(rule_id).document.text).replace(old, new)
    assert text != load_rule(rule_id).document.text
    exchange = rule_id.split("/")[0]
    folder = tmp_path / exchange
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _codes(path):
    return [d.code for d in check_file(path).diagnostics]


def test_definition_with_both_formula_and_versions_is_refused(tmp_path):
    path = _variant(tmp_path, "kucoin/linear-perpetual", "    meaning: maintenance margin of the position\n    versions:",
                    "    meaning: maintenance margin of the position\n    formula: q * P * MMR\n    versions:")
    assert "MV428" in _codes(path)


def test_open_only_on_the_first_version_and_versions_increasing(tmp_path):
    path = _variant(tmp_path, "kucoin/linear-perpetual", "      - since: 2025-05-22\n        formula: q * P * MMR",
                    "      - since: open\n        formula: q * P * MMR")
    assert "MV403" in _codes(path)


def test_a_rule_after_an_import_answers_old_dates_with_its_new_catalog():
    """Rule.with_catalog (after `import`) must not share the old rule's dated views: they read the old catalog."""
    rule = load_rule("hyperliquid/perpetual")
    old_view = rule.at(D("2023-03-27"))
    after = rule.with_catalog(rule.markets.with_markets({s: rule.markets.market(s) for s in rule.markets.symbols()}))
    assert after.at(D("2023-03-27")) is not old_view and after.at(D("2023-03-27")).markets is after.markets
    assert after.at(None) is after
