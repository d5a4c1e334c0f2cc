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


def xdist_groups(item) -> list[str]:
    """The names of an item's ``xdist_group`` marks, as pytest-xdist reads them."""
    return sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                   for mark in item.iter_markers("xdist_group")})


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Keep ``--dist loadgroup`` grouping (``make test``) under pytest >= 9.2.

    pytest-xdist 3.8 groups a test by appending ``@group`` to its node id in each worker (``item._nodeid = ...``);
    pytest 9.2 keeps the id in a structured ``NodeId`` (``item._id``), so that assignment no longer changes it and
    every ``xdist_group`` is silently scattered over the workers (pytest-dev/pytest-xdist#1386, fix not released).
    Scattered, tests/test_installed.py built the wheel and its environment, and tests/docs the site and Chromium,
    once per worker.  This runs after xdist's hook and appends the same suffix when it did not take (a no-op where
    xdist's own works); tests/test_xdist_groups.py checks every grouped test carries it."""
    if not getattr(config.option, "loadgroup", False):  # set by xdist in its workers under --dist loadgroup
        return
    from _pytest.nodeid import NodeId  # pytest >= 9.2 only; older pytest never gets here (xdist's suffix took)

    for item in items:
        names = xdist_groups(item)
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)


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
