"""Fixtures of the dbt integration tests; the helpers are in dbt_helpers.py."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from dbt_helpers import DBT, GENERATED_SEED, GENERATED_USERS, DbtProject, DbtRun, generated_vars

from runner.synthetic import generate


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


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated month (2,000 users) in the online format, with its 12-19 answers."""
    out = tmp_path_factory.mktemp("generated_raw")
    generate(out, n_users=GENERATED_USERS, seed=GENERATED_SEED, progress=False)
    return out


@pytest.fixture(scope="session")
def generated_build(tmp_path_factory: pytest.TempPathFactory, generated: Path) -> tuple[DbtProject, DbtRun, Path]:
    """`dbt build` of the whole project on the generated month, once per session: (project, run, exports folder).
    Tests that add to its database (the scoring models) only add tables. The two-tower retrieval models
    (off by default) are built too, so their contracts, data tests and unit tests run."""
    project = DbtProject(tmp_path_factory.mktemp("generated"))
    processed = project.workdir / "processed"  # created by the build itself
    run = project.run("build", dbt_vars=generated_vars(generated, processed, retrieval_exports=True)).check()
    return project, run, processed
