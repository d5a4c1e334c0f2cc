"""One line of a ``verify`` report (:class:`Row`) and the Hypothesis settings every property runs under."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from hypothesis import HealthCheck, settings

from verifier.verify import profiles as _profiles  # noqa: F401 - registers dev/ci/thorough
from verifier.verify.properties._examples import to_yaml
from verifier.verify.stories.document import scenario_yaml


@dataclass
class Row:
    """One line of the summary: a check or a property (per mode) on one rule."""

    name: str
    status: str  # 'pass' | 'fail' | 'skip' | 'error' | 'n/a'
    tried: int = 0
    seconds: float = 0.0
    message: str = ""
    line: int = 0
    example: dict | None = None  # the counterexample as an examples: entry
    prop: str = ""
    mode: str | None = None
    scenario: object = None  # the failing story as a model Scenario (world properties)
    scenario_text: str | None = None  # the same as a scenario file, when it was written in a worker process

    @property
    def failed(self) -> bool:
        return self.status in ("fail", "error")

    @property
    def example_yaml(self) -> str | None:
        return to_yaml(self.example) if self.example else None

    @property
    def scenario_yaml(self) -> str | None:
        """The failing story as a scenario file: ``margin-verifier simulate`` runs it again."""
        return scenario_yaml(self.scenario) if self.scenario is not None else self.scenario_text


def hypothesis_settings(profile: str):
    """The profile's settings (:mod:`verifier.verify.profiles`) as ``verify`` runs them: no health checks, no
    deadline, one bug reported (the shrunk one), no blob to reproduce it (the report prints the input itself)."""
    return settings(settings.get_profile(profile), suppress_health_check=list(HealthCheck), deadline=None,
                    print_blob=False, report_multiple_bugs=False)


@contextmanager
def no_source_constants():
    """Hypothesis (6.131 on) now and then draws a literal found in the source of the *local* modules loaded so far
    (``sys.modules``, outside site-packages and tests), even derandomised: what the process imported before (the CLI,
    a test run, a stage imported lazily or not, a cached check) changed which stories ran, so a mutant was caught in
    one process and not in another.  While a property runs the pool is empty: verify's outcome is a function of the
    rule file, the code and the profile.  (A private hook; tests/verify/test_determinism.py notices if it moves.)"""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # a Hypothesis from before the pool: nothing to empty
        yield
        return
    saved = providers._get_local_constants
    providers._get_local_constants = Constants  # an empty pool
    providers.CONSTANTS_CACHE.cache.clear()  # it holds the pool's members allowed per kind of draw
    try:
        yield
    finally:
        providers._get_local_constants = saved
        providers.CONSTANTS_CACHE.cache.clear()
