"""Which pytest-xdist group a test runs in (tests/conftest.py marks every test with it).

Under `make test` (`pytest -n 2 --dist loadgroup`) each group runs on one worker: a file's tests share its
module fixtures, and every test of the session-wide generated month (fixtures `generated`,
`generated_build`: one dbt build) shares that build, so nothing is built twice.
"""

from __future__ import annotations

import pytest

SHARED_BUILD_FIXTURES = {"generated", "generated_build"}


def xdist_group_of(item: pytest.Item) -> str:
    fixtures = set(getattr(item, "fixturenames", ()))
    # under loadgroup xdist has appended "@<group>" to the node id
    return "generated_month" if fixtures & SHARED_BUILD_FIXTURES else item.nodeid.split("::")[0].split("@")[0]
