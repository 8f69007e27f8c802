"""The scoring tests' fake run draws each pair's probability by key, not by the export's row order, which a
parallel dbt build does not fix: the same build gives the same fake predictions, whatever order it wrote."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from fake_predictions import write_fake_predictions


def _exports(folder: Path, reverse: bool) -> Path:
    folder.mkdir()
    for data_set, cutoffs in (("eval", ["2014-12-17"]), ("predict", ["2014-12-18"]),
                              ("validation", ["2014-12-01", "2014-12-02"])):
        rows = [(user, item, cutoff) for user in range(30) for item in range(3) for cutoff in cutoffs]
        rows = rows[::-1] if reverse else rows
        table = pa.table({"user_id": [r[0] for r in rows], "item_id": [r[1] for r in rows],
                          "cutoff_date": [r[2] for r in rows]})
        if data_set != "predict":
            table = table.append_column("label", pa.array([int(r[0] % 7 == 0) for r in rows], pa.int32()))
        pq.write_table(table, folder / f"{data_set}.parquet")
    return folder


def _probabilities_by_pair(predictions: Path, data_set: str) -> dict[tuple, float]:
    table = pq.read_table(predictions / data_set).to_pylist()
    return {(row["user_id"], row["item_id"], row["cutoff_date"]): row["probs"] for row in table}


def test_fake_predictions_do_not_depend_on_the_exports_row_order(tmp_path: Path) -> None:
    forward = write_fake_predictions(tmp_path / "a", _exports(tmp_path / "forward", reverse=False), None)
    backward = write_fake_predictions(tmp_path / "b", _exports(tmp_path / "backward", reverse=True), None)
    for data_set in ("eval", "predict", "validation"):
        expected = _probabilities_by_pair(forward, data_set)
        assert len(expected) == {"validation": 180}.get(data_set, 90)
        assert _probabilities_by_pair(backward, data_set) == expected
