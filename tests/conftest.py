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


def pytest_terminal_summary(terminalreporter):
    """The fuzz test's counts (tests/cli/test_fuzz_inputs.py records them per family): mutated inputs, and runs of
    each verb by exit code; with xdist too (a report's user_properties travel to the controller)."""
    import json
    from collections import Counter

    rows = [json.loads(value) for report in terminalreporter.stats.get("passed", [])
            for name, value in getattr(report, "user_properties", ()) if name == "fuzz"]
    if not rows:
        return
    terminalreporter.write_sep("-", "fuzz: mutated inputs, and verb runs by exit code")
    total = Counter()
    for row in sorted(rows, key=lambda r: r["family"]):
        total.update(row["counts"])
        runs = ", ".join(f"{key} x{n}" for key, n in row["counts"].items() if key != "cases")
        terminalreporter.write_line(f"{row['family']}: {row['counts'].get('cases', 0)} cases; {runs}")
    exits = Counter()
    for key, n in total.items():
        if key != "cases":
            exits[key.rsplit(" ", 1)[1]] += n
    terminalreporter.write_line(f"total: {total['cases']} cases, {sum(exits.values())} runs; " +
                                ", ".join(f"exit {code} x{n}" for code, n in sorted(exits.items())))
