"""Fixtures of the tzrec runner tests: the tzrec interpreter (or a skip), tiny data, the fixture configs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tiny_data import write_tiny_data

from runner.paths import PROJECT_ROOT
from runner.tzrec.interpreter import TzrecNotFoundError, find_tzrec_python

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "tzrec"


@pytest.fixture(scope="session")
def tzrec_python() -> Path:
    """The tzrec interpreter. Missing: skipped on a workstation, a loud failure in CI (env CI set)."""
    try:
        return find_tzrec_python()
    except TzrecNotFoundError as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and the tzrec interpreter is missing: {error}")
        pytest.skip(f"no tzrec interpreter (set CI to make this a failure): {error}")


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """train / eval / predict / validation / id_buckets Parquet files shaped like the exports (see tiny_data.py)."""
    return write_tiny_data(tmp_path_factory.mktemp("tiny_data"))


@pytest.fixture()
def deepfm_config() -> Path:
    return FIXTURES / "deepfm_tiny.config"


@pytest.fixture()
def din_config() -> Path:
    return FIXTURES / "din_tiny.config"


@pytest.fixture()
def dbmtl_config() -> Path:
    return FIXTURES / "dbmtl_tiny.config"
