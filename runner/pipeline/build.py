"""`dbt build` on the raw files: staging, features, exports and every data and unit test."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from runner.dbt import run_dbt
from runner.paths import RAW_DIR, shown

if TYPE_CHECKING:
    from runner.scales import Scale


def dbt_build(raw_dir: Path = RAW_DIR, edition: str = "online", select: str | None = None,
              scale: Scale | None = None) -> None:
    """`dbt build [--select ...]` with vars edition and raw_dir, and a scale's vars and DuckDB settings
    (runner.scales). The project creates the exports' folder (var processed_dir) itself, on run start
    (dbt_project/macros/create_processed_dir.sql). A build that stopped continues where it stopped: what it
    finished is reused (dbt_project/macros/materializations/)."""
    dbt_args = ["build"] + (["--select", select] if select else [])
    dbt_vars = {"edition": edition, "raw_dir": shown(raw_dir), **(scale.dbt_vars if scale else {})}
    run_dbt(dbt_args, dbt_vars=dbt_vars, env=scale.duckdb_env if scale else None)
