"""Settings for the whole suite."""

from __future__ import annotations

import os

import pytest
from xdist_grouping import xdist_group_of

from runner.tzrec.launch import STALL_ENV

# A tzrec step that prints nothing for 3 minutes has hung (runner/tzrec/launch.py: the runner stops it and
# says so); the suite's tiny runs print every few seconds. The default for real runs is 30 minutes.
os.environ.setdefault(STALL_ENV, "180")


# tryfirst: the xdist worker reads the xdist_group markers in its own pytest_collection_modifyitems, and it
# registers after this conftest, so it would run first and see none (every module fixture, the Spark
# parity build among them, was then built once on each worker: tests/test_xdist_groups.py).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.xdist_group(xdist_group_of(item)))
