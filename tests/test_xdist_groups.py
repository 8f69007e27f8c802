"""The suite's xdist groups reach pytest-xdist: `make test` runs `pytest -n 2 --dist loadgroup`, and a
group only keeps a file's module fixtures (the Spark parity build: minutes) on one worker if xdist saw
the group when it named the test (it appends `@<group>` to the node id)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from xdist_grouping import xdist_group_of


def test_under_loadgroup_each_test_is_named_with_its_group(request: pytest.FixtureRequest) -> None:
    # xdist sets the option `loadgroup` on its workers only
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only meaningful under `pytest -n N --dist loadgroup` (make test)")
    assert request.node.nodeid.endswith(f"@{xdist_group_of(request.node)}"), request.node.nodeid


def test_a_test_of_the_shared_build_joins_the_generated_month_group_and_others_their_file() -> None:
    def item(nodeid: str, *fixtures: str) -> SimpleNamespace:
        return SimpleNamespace(nodeid=nodeid, fixturenames=["request", *fixtures])

    assert xdist_group_of(item("tests/dbt/test_x.py::test_a", "scored", "generated_build")) == "generated_month"
    assert xdist_group_of(item("tests/dbt/test_x.py::test_b", "generated")) == "generated_month"
    assert xdist_group_of(item("tests/dbt/test_x.py::test_c[p]", "tmp_path")) == "tests/dbt/test_x.py"
    # as xdist names it under loadgroup
    assert xdist_group_of(item("tests/dbt/test_x.py::test_c@tests/dbt/test_x.py")) == "tests/dbt/test_x.py"
