"""``make test`` keeps each ``xdist_group`` on one worker (tests/conftest.py works around pytest-xdist#1386)."""

from __future__ import annotations

import pytest

from tests.conftest import xdist_groups

pytestmark = pytest.mark.xdist_group("groups-check")  # so that the check below always has a grouped test to see


def test_every_grouped_test_carries_its_group_for_the_scheduler(request):
    """Under ``--dist loadgroup`` the scheduler reads a test's group from the ``@group`` end of its node id: a test
    without it runs on any worker, and its group's shared set-up (the wheel and its environment, the site and
    Chromium) is made again on each worker that runs one of its tests."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not a worker of --dist loadgroup (make test runs the suite so)")
    grouped = {item.nodeid: xdist_groups(item) for item in request.session.items if xdist_groups(item)}
    assert request.node.nodeid in grouped, request.node.nodeid
    scattered = [nodeid for nodeid, names in grouped.items() if not nodeid.endswith("@" + "_".join(names))]
    assert not scattered, scattered
