"""Errors of the lower floors: every type under the root, each carrying its own code."""

import datetime as dt
import importlib
import inspect
import pkgutil
from fractions import Fraction

import pytest

import verifier.formula
import verifier.model
import verifier.read
from verifier.errors import EvaluationError, VerifierError
from verifier.model.symbols import DomainSyntaxError, Parameter, parse_domain
from verifier.read import DocumentError, load_rule, read_document


def _modules(package):
    yield package
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        yield importlib.import_module(info.name)


@pytest.mark.parametrize("package", [verifier.formula, verifier.model, verifier.read], ids=lambda p: p.__name__)
def test_every_exception_type_defined_here_is_under_the_root(package):
    own = [obj for module in _modules(package) for _, obj in inspect.getmembers(module, inspect.isclass)
           if issubclass(obj, BaseException) and obj.__module__.startswith(package.__name__)]
    assert own, "the scan found nothing: the walk is broken"
    assert [cls.__name__ for cls in own if not issubclass(cls, VerifierError)] == []


def test_a_date_before_the_first_effective_date_is_an_evaluation_error_with_a_hint():
    p = Parameter("theta", None, "threshold", "src", ((dt.date(2019, 9, 1), Fraction(1, 2)),), None, None)
    assert p.value_at(dt.date(2019, 9, 1)) == Fraction(1, 2) and p.value_at(None) == Fraction(1, 2)
    with pytest.raises(EvaluationError) as info:
        p.value_at(dt.date(2000, 1, 1))
    error = info.value
    assert error.code == "MV404" and not isinstance(error, LookupError)
    assert "'theta'" in str(error) and "2019-09-01" in str(error) and "2000-01-01" in str(error)
    assert error.hint == "choose a date on or after 2019-09-01"
    assert error.render().endswith("; hint: choose a date on or after 2019-09-01")


def test_a_shipped_parameter_before_its_date_names_itself():
    rule = load_rule("binance/usdm-perpetual")
    with pytest.raises(EvaluationError, match="liquidation_fee_rate"):
        rule.mode("cross").parameter_values(dt.date(2000, 1, 1))


def test_an_unknown_mode_is_a_usage_error_and_still_a_key_error():
    rule = load_rule("okx/linear-swap")
    with pytest.raises(KeyError) as info:
        rule.mode("portfolio")
    assert isinstance(info.value, VerifierError) and info.value.code == "MV002"
    assert str(info.value) == "rule 'okx/linear-swap' has no mode 'portfolio'; it has isolated, cross"


def test_domain_and_document_errors_carry_their_codes():
    with pytest.raises(DomainSyntaxError) as info:
        parse_domain("positive")
    assert info.value.code == "MV205" and isinstance(info.value, ValueError)
    with pytest.raises(DocumentError) as info:
        read_document("a: [\n", "x.yaml")
    assert isinstance(info.value, VerifierError) and info.value.code == "MV100"
    assert info.value.diagnostics[0].line >= 1


def test_evaluation_looks_up_only_the_parameters_its_formula_uses():
    """binance/spot-margin's thresholds start on 2026-11-21; a holding's value on 2025-01-01 needs none of them."""
    from verifier.model.evaluate import evaluate, substitutions

    rule = load_rule("binance/spot-margin")
    mode = rule.mode("cross")
    early = dt.date(2025, 1, 1)
    values = {"A": Fraction(2), "P": Fraction(30000)}
    assert evaluate(mode, "asset_value", values, date=early) == 60000
    with pytest.raises(EvaluationError) as info:
        substitutions(mode, values, date=early)  # every parameter, as before: one has no value then
    assert info.value.code == "MV404"