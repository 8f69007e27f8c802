"""Whether a Parquet export of the dbt build is complete: its marker `<file>.build.json`, which the
build writes beside it (dbt_project/macros/materializations/parquet_export.sql), says `writing` while
the file is written and `complete` (with its rows and bytes) once it is. An export with no marker
(Spark writes folders of parts, or a file from elsewhere) is taken as it is."""

from __future__ import annotations

import json
from pathlib import Path

from runner.paths import shown

BUILD_COMMAND = "python -m runner build"


def marker_of(export: Path) -> Path:
    return export.with_name(export.name + ".build.json")


def export_problem(export: Path) -> str | None:
    """Why an export must not be read (None when it may): its marker says it is not complete, or its
    size is not the size the marker recorded."""
    marker = marker_of(export)
    if not marker.is_file():
        return None
    try:
        state = json.loads(marker.read_text().strip().splitlines()[0])
    except (json.JSONDecodeError, IndexError):
        return f"{shown(marker)} is not a build marker (JSON): run `{BUILD_COMMAND}` to write {shown(export)} again"
    if state.get("status") != "complete":
        return (f"{shown(export)} is incomplete: a build stopped while writing it ({shown(marker)} says "
                f"{state.get('status')!r}); run `{BUILD_COMMAND}`, which continues where the build stopped")
    if export.is_file() and state.get("bytes") is not None and export.stat().st_size != state["bytes"]:
        return (f"{shown(export)} has {export.stat().st_size:,} bytes, not the {state['bytes']:,} its build wrote "
                f"({shown(marker)}): it was changed or cut since; run `{BUILD_COMMAND} --select "
                f"export_{export.stem}` to write it again")
    return None
