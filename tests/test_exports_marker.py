"""The runner reads an export only when the build's marker beside it says it is complete (runner.exports)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from runner.exports import export_problem, marker_of


def _export(folder: Path, status: str | None, bytes_delta: int = 0) -> Path:
    path = folder / "train.parquet"
    pq.write_table(pa.table({"user_id": [1, 2], "label": [0, 1]}), path)
    if status is not None:
        marker_of(path).write_text(json.dumps({"status": status, "fingerprint": "f", "rows": 2,
                                               "bytes": path.stat().st_size + bytes_delta}) + "\n")
    return path


def test_a_complete_export_and_one_without_a_marker_may_be_read(tmp_path: Path) -> None:
    assert export_problem(_export(tmp_path, "complete")) is None
    marker_of(tmp_path / "train.parquet").unlink()
    assert export_problem(tmp_path / "train.parquet") is None


def test_an_export_being_written_is_refused_with_the_command_that_finishes_it(tmp_path: Path) -> None:
    problem = export_problem(_export(tmp_path, "writing"))
    assert problem is not None and "incomplete" in problem and "python -m runner build" in problem


def test_an_export_cut_after_its_build_is_refused(tmp_path: Path) -> None:
    problem = export_problem(_export(tmp_path, "complete", bytes_delta=10))
    assert problem is not None and "not the" in problem and "--select export_train" in problem
