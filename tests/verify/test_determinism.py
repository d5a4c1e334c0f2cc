"""What verify generates depends on the rule, the code and the profile, not on what the process imported before.

Hypothesis (6.131 on) sometimes draws a literal found in the source of the local modules loaded so far, even
derandomised; so the binance-spot-interest-ignored mutant was caught in a test process and missed by the CLI.
``verifier.verify.runner.no_source_constants`` empties that pool while a property runs.  The end-to-end check
takes a minute a run, so it is not repeated here: from two fresh processes, one of which imports the CLI before
calling ``verify_file`` and one which does not, the command below prints the same rows (the property fails):

    margin-verifier verify tests/mutants/binance/binance-spot-interest-ignored.yaml --profile ci \\
        --property insolvent_account_is_liquidated
"""

import importlib
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.verify import profiles  # noqa: F401 - registers ci
from verifier.verify.rows import no_source_constants

CONSTANTS = ", ".join(str(424_242 + 1_111 * k) for k in range(40))


def _draws() -> list:
    """What the ci profile draws for 100 integers (the same test function each call: the same derandomised seed)."""
    seen = []

    @settings(settings.get_profile("ci"), suppress_health_check=list(HealthCheck), phases=["generate"])
    @given(st.integers(0, 10**6))
    def record(value):
        seen.append(value)

    record()
    return seen


@pytest.fixture
def module_with_constants(tmp_path, monkeypatch):
    """Import, midway, a new local module full of integer literals (as the CLI or a test module would be)."""
    (tmp_path / "mv_constant_pool.py").write_text(f"VALUES = [{CONSTANTS}]\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    def load():
        importlib.import_module("mv_constant_pool")

    yield load
    sys.modules.pop("mv_constant_pool", None)


def test_draws_do_not_depend_on_the_modules_loaded(module_with_constants):
    with no_source_constants():
        before = _draws()
    module_with_constants()
    with no_source_constants():
        after = _draws()
    assert before == after


def test_without_the_guard_a_loaded_module_changes_the_draws(module_with_constants):
    """The hazard the guard removes is real in this Hypothesis (when it no longer is, the guard can go)."""
    before = _draws()
    module_with_constants()
    after = _draws()
    assert before != after
    assert set(after) & {424_242 + 1_111 * k for k in range(40)}
