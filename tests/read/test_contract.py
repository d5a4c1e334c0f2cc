"""The names code reads in rules (verifier/model/contract.py): the list is complete, and read enforces it."""

import ast
import shutil
from pathlib import Path

import pytest

from shipped import SHIPPED_RULES
from verifier.model import Product
from verifier.model.contract import CONTRACT
from verifier.read import check_file, load_rule

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus" / "valid"
_SECTIONS = {"definitions", "conditions", "parameters", "symbols"}
_BY_NAME = {"definition", "holds", "liquidation_fee"}  # the simulator's accessors that take a rule name


def _names_read_by_code():
    """(name, stage) for every rule name a stage reads by a literal: mode.definitions["x"], .get("x"), "x" in
    mode.conditions, sim_mode.definition("x") / holds("x")."""
    found = set()
    for path in (ROOT / "verifier").rglob("*.py"):
        stage = path.relative_to(ROOT / "verifier").parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            key = _rule_name_key(node)
            if isinstance(key, str):
                found.add((key, stage))
    return found


def _section(node) -> bool:
    return isinstance(node, ast.Attribute) and node.attr in _SECTIONS


def _rule_name_key(node):
    if isinstance(node, ast.Subscript) and _section(node.value) and isinstance(node.slice, ast.Constant):
        return node.slice.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args \
            and isinstance(node.args[0], ast.Constant):
        if node.func.attr == "get" and _section(node.func.value) or node.func.attr in _BY_NAME:
            return node.args[0].value
    if isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) \
            and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops) and any(map(_section, node.comparators)):
        return node.left.value
    return None


def test_every_name_code_reads_from_a_rule_is_in_the_contract():
    found = _names_read_by_code()
    assert found, "the scan found nothing: it no longer recognises how code reads rule names"
    assert sorted({name for name, _ in found} - set(CONTRACT)) == []


def test_each_contract_name_is_read_where_the_contract_says():
    """Keeps ``read_by`` true: the stage holds the name as a literal (drop the name when no stage reads it)."""
    literals: dict = {}
    for path in (ROOT / "verifier").rglob("*.py"):
        stage = path.relative_to(ROOT / "verifier").parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.setdefault(node.value, set()).add(stage)
    stale = {name: sorted(set(entry.read_by) - literals.get(name, set())) for name, entry in CONTRACT.items()}
    assert {name: stages for name, stages in stale.items() if stages} == {}


@pytest.mark.parametrize("rule_id", SHIPPED_RULES)
def test_shipped_rules_keep_the_contract_and_one_meaning_of_inverse(rule_id):
    rule = load_rule(rule_id)
    assert isinstance(rule.product, Product) and rule.product == str(rule.product)
    assert (str(rule.collateral_unit) == "base") == rule.product.inverse
    for mode in rule.modes.values():
        assert "liquidation" in mode.conditions
        if rule.product.futures:
            assert mode.definitions["upnl"].unit == rule.collateral_unit


def _variant(tmp_path, old, new, base="minimal-linear.yaml"):
    text = (CORPUS / base).read_text()
    assert text.count(old) == 1 or old == new, old
    if not (tmp_path / "markets").exists():
        shutil.copytree(CORPUS / "markets", tmp_path / "markets")
    path = tmp_path / "rule.yaml"
    path.write_text(text.replace(old, new))
    return [(d.code, d.line, d.message) for d in check_file(path).diagnostics]


def test_an_inverse_product_margined_in_quote_is_refused_at_the_collateral_unit(tmp_path):
    found = _variant(tmp_path, "product: linear-perpetual", "product: inverse-perpetual")
    assert found == [("MV462", 9, "an inverse product (inverse-perpetual) is margined in base, but collateral_unit "
                                   "is quote")]


def test_a_linear_product_margined_in_base_is_refused(tmp_path):
    found = _variant(tmp_path, "collateral_unit: quote", "collateral_unit: base")
    assert found[0][:2] == ("MV462", 9) and "a linear product (linear-perpetual) is margined in quote" in found[0][2]


def test_without_a_collateral_unit_the_product_says_which(tmp_path):
    assert _variant(tmp_path, "collateral_unit: quote\n", "") == []
    rule = load_rule(tmp_path / "rule.yaml")
    assert str(rule.collateral_unit) == "quote"


def test_a_margin_level_with_a_unit_is_refused_at_its_formula(tmp_path):
    found = _variant(tmp_path, "  upnl: {formula: s * q * (P - EP), source: doc}\n",
                     "  upnl: {formula: s * q * (P - EP), source: doc}\n  margin_level: {formula: WB / 2, source: doc}\n")
    assert len(found) == 1
    code, line, message = found[0]
    assert (code, line) == ("MV424", 37)
    assert message.startswith("definition 'margin_level' is in quote, but simulate, derive and docs read it in 1")


def test_a_contract_name_of_the_wrong_kind_is_refused_at_its_key(tmp_path):
    found = _variant(tmp_path, "  fee_rate:\n", "  margin_call:\n")
    assert found == [("MV424", 25, "'margin_call' is declared as a parameter, but simulate, derive and docs read it "
                                    "as a condition: a margin call is sent when it holds (and liquidation does not)")]



def test_a_rule_without_the_liquidation_condition_is_refused_by_the_schema_already(tmp_path):
    found = _variant(tmp_path, "  liquidation: {when:", "  liquidated: {when:")
    assert [(c, line) for c, line, _ in found] == [("MV202", 53)]
    assert "missing required key 'liquidation'" in found[0][2]


def test_a_futures_mode_without_upnl_is_refused_at_the_mode_but_a_spot_one_is_not(tmp_path):
    # 'upnl' renamed 'pnl' everywhere (renamed at its declaration only, it is a misspelling: MV401, one root)
    (tmp_path / "base.yaml").write_text((CORPUS / "minimal-linear.yaml").read_text().replace("upnl", "pnl"))
    found = _variant(tmp_path, "x", "x", base=tmp_path / "base.yaml")
    assert [(c, line) for c, line, _ in found] == [("MV425", 40), ("MV425", 45)]
    assert found[0][2].startswith("mode 'isolated' has no definition 'upnl', which every mode of a linear-perpetual "
                                  "rule needs")
    assert check_file(CORPUS / "spot-margin.json").diagnostics == []


def test_a_declared_role_must_fit_the_unit(tmp_path):
    found = _variant(tmp_path, "meaning: wallet balance,", "meaning: wallet balance, role: leverage,")
    assert found == [("MV426", 20, "role 'leverage' does not fit symbol 'WB': a leverage has no unit, but 'WB' is in "
                                    "quote")]


def test_mode_leverage_is_read_and_two_modes_of_one_kind_cannot_share_it(tmp_path):
    assert _variant(tmp_path, "    account: isolated\n", "    account: isolated\n    leverage: 20\n") == []
    assert load_rule(tmp_path / "rule.yaml").mode("isolated").leverage == 20
    found = _variant(tmp_path, "    account: isolated\n", "    account: cross\n    leverage: 20\n")
    assert found == []  # two cross modes, only one with a leverage
    text = (tmp_path / "rule.yaml").read_text().replace("    account: cross\n    meaning: one wallet",
                                                        "    account: cross\n    leverage: 20\n    meaning: one wallet")
    (tmp_path / "rule.yaml").write_text(text)
    found = [(d.code, d.message) for d in check_file(tmp_path / "rule.yaml").diagnostics]
    assert found == [("MV427", "modes 'isolated' and 'cross' are both cross with leverage 20: a snapshot's leverage "
                                "cannot tell them apart")]


def test_binance_spot_margin_modes_declare_their_leverage():
    rule = load_rule("binance/spot-margin")
    assert {name: mode.leverage for name, mode in rule.modes.items()} == {
        "cross": 5, "isolated": 10, "isolated-5x": 5, "isolated-3x": 3}


def test_verify_skips_are_part_of_the_rule():
    rule = load_rule("binance/spot-margin")
    assert list(rule.verify_skip) == ["cross_liquidates_no_earlier_than_isolated"]
    assert rule.verify_skip["cross_liquidates_no_earlier_than_isolated"].startswith("Cross Classic liquidates")
    assert load_rule("binance/usdm-perpetual").verify_skip == {}
