"""Settings for the whole suite."""

from __future__ import annotations

import os

import pytest

from runner.tzrec.launch import STALL_ENV

# A tzrec step that prints nothing for 3 minutes has hung (runner/tzrec/launch.py: the runner stops it and
# says so); the suite's tiny runs print every few seconds. The default for real runs is 30 minutes.
os.environ.setdefault(STALL_ENV, "180")

# Under pytest-xdist (`make test` runs `pytest -n 2 --dist loadgroup`) each group runs on one worker: a
# file's tests share its module fixtures, and every test of the session-wide generated month (fixtures
# `generated`, `generated_build`: one dbt build) shares that build, so nothing is built twice.
SHARED_BUILD_FIXTURES = {"generated", "generated_build"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        group = "generated_month" if fixtures & SHARED_BUILD_FIXTURES else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
