"""Fixtures of the dbt integration tests; the helpers are in dbt_helpers.py."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from dbt_helpers import DBT, DbtProject


@pytest.fixture(scope="module")
def dbt_project(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], DbtProject]:
    """A factory of DbtProject, each with a fresh folder (and so a fresh database)."""

    def make(name: str) -> DbtProject:
        return DbtProject(tmp_path_factory.mktemp(name))

    return make


@pytest.fixture(scope="session", autouse=True)
def _needs_dbt() -> None:
    if not DBT.exists():
        pytest.skip(f"dbt is not installed beside {sys.executable}")
