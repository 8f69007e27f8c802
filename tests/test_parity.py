"""runner.parity: the export comparison of the DuckDB / Spark parity test reports every kind of drift."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from runner.parity import SAMPLE_KEYS, compare_exports, compare_tables, read_export


def _export(**overrides: list[object]) -> pa.Table:
    columns: dict[str, pa.Array] = {
        "cutoff_date": pa.array(["2014-12-17", "2014-12-17", "2014-12-16"]),
        "user_id": pa.array([1, 2, 3], pa.int64()),
        "item_id": pa.array([10, 20, 30], pa.int64()),
        "label": pa.array([0, 1, 0], pa.int32()),
        "item_code": pa.array([4, 5, 6], pa.int64()),
        "hist__item_code": pa.array(["4;5;6", "5", "0;6"]),
        "u_clicks_1d": pa.array([0.0, 0.6931471805599453, 1.0986122886681098], pa.float64()),
    }
    for name, values in overrides.items():
        columns[name] = pa.array(values, columns[name].type)
    return pa.table(columns)


def _kinds(actual: pa.Table, **options: object) -> list[tuple[str, str]]:
    return [(d.kind, d.column) for d in compare_tables("train", _export(), actual, SAMPLE_KEYS, **options)]


def test_equal_exports_have_no_difference() -> None:
    assert _kinds(_export()) == []


def test_float_within_tolerance_is_equal_and_beyond_it_is_not() -> None:
    assert _kinds(_export(u_clicks_1d=[0.0, 0.6931471805599453 * (1 + 1e-12), 1.0986122886681098])) == []
    assert _kinds(_export(u_clicks_1d=[0.0, 0.6931471805599453 * (1 + 1e-6), 1.0986122886681098])) == [
        ("numeric", "u_clicks_1d")
    ]


def test_changed_label_is_reported() -> None:
    assert _kinds(_export(label=[0, 0, 0])) == [("label", "label")]


def test_changed_id_code_is_reported() -> None:
    assert _kinds(_export(item_code=[4, 5, 7])) == [("numeric", "item_code")]


def test_reordered_sequence_string_is_reported() -> None:
    differences = compare_tables("train", _export(), _export(hist__item_code=["6;5;4", "5", "0;6"]), SAMPLE_KEYS)
    assert [(d.kind, d.column) for d in differences] == [("text", "hist__item_code")]
    assert "'4;5;6' vs '6;5;4'" in differences[0].detail


def test_missing_and_extra_keys_are_reported() -> None:
    actual = _export(user_id=[1, 2, 4])
    differences = compare_tables("train", _export(), actual, SAMPLE_KEYS)
    assert [d.kind for d in differences] == ["missing_key", "missing_key"]
    assert "(2014-12-16, 3, 30)" in differences[0].detail and "(2014-12-16, 4, 30)" in differences[1].detail


def test_duplicate_keys_are_reported() -> None:
    assert _kinds(_export(user_id=[1, 1, 3], cutoff_date=["2014-12-17"] * 3, item_id=[10, 10, 30])) == [
        ("duplicate_key", "")
    ]


def test_schema_drift_is_reported() -> None:
    retyped = _export().set_column(3, "label", pa.array([0, 1, 0], pa.int64()))
    assert _kinds(retyped) == [("schema", "label")]
    assert _kinds(_export().drop_columns(["item_code"])) == [("schema", "")]


def test_row_order_is_compared_only_when_asked() -> None:
    shuffled = _export().take([2, 0, 1])
    assert _kinds(shuffled) == []
    assert _kinds(shuffled, check_order=True) == [("order", "")]


def test_a_folder_of_parts_reads_as_one_export(tmp_path: Path) -> None:
    table = _export()
    single, folder = tmp_path / "duck" / "train.parquet", tmp_path / "spark" / "train.parquet"
    single.parent.mkdir()
    folder.mkdir(parents=True)
    pq.write_table(table, single)
    pq.write_table(table.slice(0, 2), folder / "part-00000-a.c000.snappy.parquet")
    pq.write_table(table.slice(2), folder / "part-00001-a.c000.snappy.parquet")
    (folder / "_SUCCESS").write_bytes(b"")
    assert read_export(folder).equals(table)
    assert compare_exports(single.parent, folder.parent, names=["train"]) == []


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="without \\*.parquet"):
        read_export(tmp_path)
