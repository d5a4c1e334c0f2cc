"""Hypothesis settings profiles shared by the test suite and ``verify --profile``.

* ``dev``: quick feedback while editing (the default);
* ``ci``: deterministic: derandomised, no example database, no deadline (CI machines vary);
* ``thorough``: searches much longer, for a release or a suspicious change.

Select one with ``HYPOTHESIS_PROFILE=ci``; CI=true selects ``ci`` when nothing else is set.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILES = ("dev", "ci", "thorough")

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", max_examples=100, derandomize=True, database=None, deadline=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])


def load_profile_from_environment() -> str:
    """Load the profile named by $HYPOTHESIS_PROFILE (or 'ci' under CI, else 'dev'); return its name."""
    name = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
    if name not in PROFILES:
        name = "dev"
    settings.load_profile(name)
    return name
