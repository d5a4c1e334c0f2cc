"""Shared test setup: the Hypothesis profile (deterministic in CI) and paths."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("MARGIN_VERIFIER_TODAY", "2026-12-07")  # the date checks judge "in the future" by it

from verifier.verify.profiles import load_profile_from_environment

load_profile_from_environment()

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT
