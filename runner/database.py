"""Opening the project's DuckDB file to read what dbt built, with one clear line when another process holds it."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from runner.paths import duckdb_path, shown
from runner.processes import command_line

_HOLDER = re.compile(r"PID (\d+)")


class DatabaseBusyError(RuntimeError):
    """Another process has the DuckDB file open for writing."""


def connect_read_only(database: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection; FileNotFoundError before the first build, DatabaseBusyError (one line naming the
    process that holds the file and what to do) while another process writes it."""
    database = database or duckdb_path()
    if not database.exists():
        raise FileNotFoundError(f"{database} does not exist: run `python -m runner build` first")
    try:
        return duckdb.connect(str(database), read_only=True)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        match = _HOLDER.search(str(error))
        pid = int(match.group(1)) if match else None
        holder = f"PID {pid} ({command_line(pid) or 'ended since'})" if pid else "another process"
        raise DatabaseBusyError(
            f"{shown(database)} is open for writing by {holder}: DuckDB lets no other process open the file "
            f"meanwhile. Wait for it to end{f' (or stop it: kill {pid})' if pid else ''}, then run this again; "
            "to build a second month beside it, give that one its own file: TIANCHI_DUCKDB_PATH=data/other.duckdb"
        ) from None
