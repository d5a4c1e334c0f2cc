"""Shared test setup: the Hypothesis profile (deterministic in CI) and paths."""

from pathlib import Path

import pytest

from verifier.verify.profiles import load_profile_from_environment

load_profile_from_environment()

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT
