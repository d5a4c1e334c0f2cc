"""The public Python API (``import verifier``): a curated, sorted surface; exact numbers in and out; only the
project's errors out."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import verifier
from json_versions import without_versions
from verifier import api
from verifier.errors import VerifierError

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "derive" / "snapshots" / "official-cross.json"
BTC = dict(market="BTC/USDT:USDT", date="2024-08-12")
"""The market, with the date of the 2024 brackets these figures were computed with (market data is dated)."""
POSITION = {"WB": "1000", "q": "1", "EP": "60000", "s": 1}


def test_the_public_surface_is_sorted_and_every_name_resolves():
    for module in (verifier, api):
        assert module.__all__ == sorted(module.__all__), module.__name__
        for name in module.__all__:
            assert getattr(module, name) is not None, name
    assert {"load_rule", "liquidation_price", "evaluate", "ExactDecimal", "VerifierError"} <= set(verifier.__all__)
    assert set(api.__all__) <= set(verifier.__all__)
    assert set(verifier.__all__) <= set(dir(verifier))


def test_the_public_surface_is_exactly_this():
    """A change of the public API is a decision: update this list with it (and the API reference page)."""
    assert verifier.__all__ == [
        "AccountResult", "DerivationError", "Diagnostic", "Disagreement", "EvaluationError", "ExactDecimal",
        "FormulaError", "PositionResult", "SpecError", "UsageError", "VerifierError", "__version__", "check_file",
        "evaluate", "liquidation_price", "load_rule"]


def test_importing_verifier_loads_no_stage():
    code = "import sys, verifier; print(sorted(m for m in sys.modules if m.startswith(('sympy', 'verifier.'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "['verifier.errors', 'verifier.version']", out.stdout + out.stderr


@pytest.mark.parametrize("wallet", ["1000", 1000, Decimal("1000.00"), Fraction(1000), 1000.0])
def test_every_kind_of_number_is_read_exactly(wallet):
    price = verifier.liquidation_price("binance/usdm-perpetual", "isolated", {**POSITION, "WB": wallet}, **BTC)
    assert isinstance(price, Decimal) and price.fraction == Fraction(11790000, 199)
    assert price == Decimal("59246.23115577889447236180905") and not price.is_exact


def test_a_float_is_its_shortest_decimal_not_its_binary_value():
    as_float = verifier.liquidation_price("binance/usdm-perpetual", "isolated", {**POSITION, "WB": 0.1}, **BTC)
    as_text = verifier.liquidation_price("binance/usdm-perpetual", "isolated", {**POSITION, "WB": "0.1"}, **BTC)
    assert as_float.fraction == as_text.fraction and as_float.fraction.denominator == 199


def test_the_price_is_the_derive_stages_exact_price():
    from verifier.derive.tiers import solve_price

    rule = verifier.load_rule("okx/linear-swap")
    values = {"M": "500", "q": "2", "EP": "3000", "s": -1, "f": "0.0005", "MMR": "0.01"}
    expected = solve_price(rule, "isolated", "liquidation", {k: Fraction(v) for k, v in values.items()}).price
    price = verifier.liquidation_price(rule, "isolated", values)
    assert price.fraction == expected and expected.denominator > 1


def test_no_price_is_none():
    assert verifier.liquidation_price("binance/usdm-perpetual", "isolated", {**POSITION, "WB": 10 ** 6}, **BTC) is None


@pytest.mark.parametrize("call, code, words", [
    (lambda: verifier.liquidation_price("binance/usdm-perpetual", "isolatd", POSITION, **BTC), "MV002", "isolated"),
    (lambda: verifier.liquidation_price("binance/usdm-perpetual", "isolated", {**POSITION, "qq": 1}, **BTC), "MV002",
     "did you mean 'q'"),
    (lambda: verifier.liquidation_price("binance/usdm-perpetual", "isolated", {**POSITION, "s": 2}, **BTC), "MV002",
     "outside its domain"),
    (lambda: verifier.liquidation_price("binance/usdm-perpetual", "isolated", {**POSITION, "WB": "1,000"}, **BTC),
     "MV002", "not a decimal number"),
    (lambda: verifier.liquidation_price("binance/usdm-perpetual", "isolated", POSITION, condition="liquidaton",
                                        **BTC), "MV002", "did you mean 'liquidation'"),
    (lambda: verifier.liquidation_price("binance/usdm-perpetual", "isolated", POSITION), "MV606", "name a market"),
    (lambda: verifier.liquidation_price("binance/usdm-perpetual", "isolated", POSITION,
                                        **{**BTC, "date": "2000-01-01"}), None, "2000-01-01"),
    (lambda: verifier.load_rule("binance/usdm-perpetul"), "MV100", "binance/usdm-perpetual"),
    (lambda: verifier.evaluate("binance/usdm-perpetual", {"marginMode": "cros", "positions": []}), "MV60", "cros"),
    (lambda: verifier.evaluate("binance/usdm-perpetual", 42), "MV002", "not int"),
])
def test_mistakes_raise_the_projects_errors_with_codes(call, code, words):
    with pytest.raises(VerifierError) as raised:
        call()
    text = str(raised.value) + " ".join(d.render() for d in raised.value.diagnostics) + str(raised.value.hint)
    assert code is None or raised.value.code.startswith(code), raised.value.code
    assert words in text, text


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["WB", "q", "EP", "s", "MMR", "cum", "P", "x"]),
                       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6),
                                 st.text(max_size=8), st.decimals(allow_nan=True), st.none(), st.booleans()),
                       max_size=6))
def test_any_input_returns_an_exact_price_none_or_a_project_error(values):
    try:
        price = verifier.liquidation_price("binance/usdm-perpetual", "isolated", values, **BTC)
    except VerifierError:
        return
    assert price is None or isinstance(price.fraction, Fraction)


def test_evaluate_takes_a_file_or_a_mapping_and_says_what_the_cli_says():
    cli = subprocess.run([sys.executable, "-m", "verifier", "evaluate", "binance/usdm-perpetual", str(SNAPSHOT),
                          "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    from_file = verifier.evaluate("binance/usdm-perpetual", SNAPSHOT)
    assert from_file.to_json() == json.loads(without_versions(cli.stdout))  # the CLI adds what computed it
    data = json.loads(SNAPSHOT.read_text())
    data["walletBalance"] = Decimal(data["walletBalance"])  # a Decimal is read exactly too
    from_mapping = verifier.evaluate(verifier.load_rule("binance/usdm-perpetual"), data)
    assert from_mapping.to_json() == from_file.to_json()
    leg = from_file.positions[0]
    assert isinstance(leg.liquidation_price, Decimal) and isinstance(leg.liquidation_price.fraction, Fraction)
    assert from_file.status in ("normal", "margin_call", "liquidation")


def test_an_evaluated_position_is_made_as_its_dataclass_makes_it():
    """The API makes each PositionResult when it is read, without the frozen dataclass's __init__ (for speed), its
    exact numbers rendered as ExactDecimals when first read: every field there, and equal to one made the usual
    way (also as copied or pickled)."""
    import copy
    import dataclasses
    import pickle

    result = verifier.evaluate("binance/usdm-perpetual", {"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": 1, "entryPrice": 60000, "markPrice": 60000,
         "collateral": 1000}]}, date="2026-10-01")
    made = result.positions[0]
    names = {f.name for f in dataclasses.fields(verifier.api.PositionResult)}
    assert not {"liquidation_price", "maintenance_margin", "unrealized_pnl"} & set(vars(made))  # not yet rendered
    assert made.liquidation_price.fraction == result.evaluation.positions[0].liquidation_price
    assert made.maintenance_margin == Decimal(240)
    usual = verifier.api.PositionResult(*(getattr(made, f.name) for f in dataclasses.fields(made)))
    assert made == usual and hash(made) == hash(usual) and repr(made) == repr(usual)
    assert set(vars(made)) - {"_evaluation"} == names  # every field rendered once read, kept
    assert copy.copy(made) == usual and pickle.loads(pickle.dumps(made)) == usual
    fresh = verifier.evaluate("binance/usdm-perpetual", {"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": 1, "entryPrice": 60000, "markPrice": 60000,
         "collateral": 1000}]}, date="2026-10-01").positions[0]
    assert fresh == usual and pickle.loads(pickle.dumps(fresh)) == usual  # compared or pickled before any read
    with pytest.raises(AttributeError):
        fresh.no_such_field  # noqa: B018
    assert result.positions == (made,) and len(result.positions) == 1 and result.positions[-1] is made
    assert list(result.positions) == [made] and next(iter(result.positions)) is made  # iterated: the same results
