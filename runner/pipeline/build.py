"""`dbt build` on the raw files: staging, features, exports and every data and unit test."""

from __future__ import annotations

from pathlib import Path

from runner.dbt import run_dbt
from runner.locks import database_lock
from runner.paths import RAW_DIR, shown


def dbt_build(raw_dir: Path = RAW_DIR, edition: str = "online", select: str | None = None) -> None:
    """`dbt build [--select ...]` with vars edition and raw_dir. The project creates the exports' folder
    (var processed_dir) itself, on run start (dbt_project/macros/create_processed_dir.sql)."""
    dbt_args = ["build"] + (["--select", select] if select else [])
    with database_lock():  # one build into a database file at a time: a second one stops at once
        run_dbt(dbt_args, dbt_vars={"edition": edition, "raw_dir": shown(raw_dir)})
