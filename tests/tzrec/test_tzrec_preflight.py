"""The pre-flight check: every problem names the config, the feature, the file and the fix."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from tiny_data import BUCKETS, tiny_table

from runner.paths import input_files
from runner.tzrec.config import ConfigSummary, FeatureSpec
from runner.tzrec.preflight import DataSet, PreflightError, preflight, tzrec_input_path

CONFIG = Path("configs/staging/stage0_test_v1.config")


def tiny_summary(**buckets: int) -> ConfigSummary:
    """What describe_config answers for tests/fixtures/tzrec/deepfm_tiny.config (built by hand: no tzrec needed)."""
    sizes = {**BUCKETS, **buckets}
    return ConfigSummary(
        source=CONFIG, model="deepfm", fg_mode="FG_NONE", dataset_type="ParquetDataset", label_fields=("label",),
        features=(
            FeatureSpec("user_idx", "id", sizes["user_idx"]),
            FeatureSpec("item_idx", "id", sizes["item_idx"]),
            FeatureSpec("ui_clicks_3d", "raw"),
            FeatureSpec("u_buys_7d", "raw"),
            FeatureSpec("i_ctr_7d", "raw"),
            FeatureSpec("click_seq__item_idx", "sequence_id", sizes["item_idx"], sequence_name="click_seq",
                        sequence_delim=";", sequence_length=20),
        ),
    )


def _write(tmp_path: Path, name: str, table: pa.Table) -> Path:
    path = tmp_path / f"{name}.parquet"
    pq.write_table(table, path)
    return path


def _replace(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.column_names.index(column), column, values)


def _problems(summary: ConfigSummary, data: DataSet) -> str:
    with pytest.raises(PreflightError) as error:
        preflight(summary, [data])
    message = str(error.value)
    assert str(CONFIG) in message  # always names the config
    assert str(data.path) in message  # and the file
    return message


def test_tiny_data_passes(tmp_path: Path) -> None:
    train = _write(tmp_path, "train", tiny_table(300, seed=1))
    predict = _write(tmp_path, "predict", tiny_table(50, seed=2, with_label=False))
    warnings = preflight(tiny_summary(), [
        DataSet("train", train, needs_label=True),
        DataSet("predict", predict, reserved=("user_id", "item_id"), optional_reserved=("cutoff_date", "label")),
    ])
    assert warnings == []


def test_missing_feature_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "train", tiny_table(50, seed=1).drop_columns(["i_ctr_7d", "click_seq__item_idx"]))
    message = _problems(tiny_summary(), DataSet("train", path, needs_label=True))
    assert "feature `i_ctr_7d` (raw feature)" in message and "no such column" in message
    assert "add it to the export or remove the feature from the config" in message
    assert "`click_seq__<feature_name>`" in message  # how a sequence column is named
    assert "2 problem(s)" in message


def test_export_older_than_a_feature_asks_for_a_rebuild(tmp_path: Path) -> None:
    # ui_days_since_first_event is in the exports' contract: a file without it predates the feature
    summary = ConfigSummary(
        source=CONFIG, model="deepfm", fg_mode="FG_NONE", dataset_type="ParquetDataset", label_fields=("label",),
        features=(FeatureSpec("ui_clicks_3d", "raw"), FeatureSpec("ui_days_since_first_event", "raw")),
    )
    path = _write(tmp_path, "train", tiny_table(50, seed=1))
    message = _problems(summary, DataSet("train", path, needs_label=True))
    assert "feature `ui_days_since_first_event` (raw feature)" in message
    assert "built before the column existed" in message and "`python -m runner build`" in message
    assert "1 problem(s)" in message


def test_wrong_types(tmp_path: Path) -> None:
    table = tiny_table(50, seed=1)
    table = _replace(table, "user_idx", pc.cast(table.column("user_idx"), pa.string()))
    table = _replace(table, "item_idx", pc.cast(table.column("item_idx"), pa.int16()))
    table = _replace(table, "u_buys_7d", pc.cast(table.column("u_buys_7d"), pa.string()))
    message = _problems(tiny_summary(), DataSet("train", _write(tmp_path, "train", table), needs_label=True))
    assert "feature `user_idx` (id feature)" in message and "column type is string, expected integer ids" in message
    assert "map them in the export" in message
    assert "feature `item_idx` (id feature)" in message and "int16" in message and "BIGINT" in message
    assert "feature `u_buys_7d` (raw feature)" in message and "expected a number" in message


def test_id_out_of_bucket(tmp_path: Path) -> None:
    table = tiny_table(50, seed=1)
    ids = table.column("item_idx").to_pylist()
    ids[3] = BUCKETS["item_idx"]  # one past the last bucket
    table = _replace(table, "item_idx", pa.array(ids, pa.int64()))
    table = _replace(table, "user_idx", pa.array([-1] + table.column("user_idx").to_pylist()[1:], pa.int64()))
    message = _problems(tiny_summary(), DataSet("eval", _write(tmp_path, "eval", table), needs_label=True))
    assert f"feature `item_idx` (id feature) in {tmp_path / 'eval.parquet'}: ids range over [" in message
    assert f"but num_buckets is {BUCKETS['item_idx']}" in message
    assert "map raw ids to dense ids in the export, or raise num_buckets" in message
    assert "feature `user_idx`" in message and "[-1," in message


def test_raw_ids_in_a_small_bucket_count(tmp_path: Path) -> None:
    """A bucket count filled too small (e.g. a stale id_buckets row) is caught, naming where it came from."""
    summary = tiny_summary(user_idx=10)
    summary = ConfigSummary(**{**summary.__dict__, "features": tuple(
        FeatureSpec(f.column, f.kind, f.num_buckets, filled_from="user_idx") if f.column == "user_idx" else f
        for f in summary.features)})
    path = _write(tmp_path, "train", tiny_table(80, seed=1))
    message = _problems(summary, DataSet("train", path, needs_label=True))
    assert "num_buckets is 10 (filled from id_buckets key `user_idx`)" in message


def test_sequence_ids_checked(tmp_path: Path) -> None:
    table = tiny_table(40, seed=1)
    sequences = table.column("click_seq__item_idx").to_pylist()
    sequences[0] = "1;2;999"
    table = _replace(table, "click_seq__item_idx", pa.array(sequences, pa.string()))
    message = _problems(tiny_summary(), DataSet("train", _write(tmp_path, "a", table), needs_label=True))
    assert "feature `click_seq__item_idx` (sequence id feature)" in message and ", 999]" in message

    sequences[0] = "1;u3;2"
    table = _replace(table, "click_seq__item_idx", pa.array(sequences, pa.string()))
    message = _problems(tiny_summary(), DataSet("train", _write(tmp_path, "b", table), needs_label=True))
    assert "element 'u3' is not an integer id" in message


def test_long_sequences_only_warn(tmp_path: Path) -> None:
    path = _write(tmp_path, "train", tiny_table(80, seed=1))
    summary = tiny_summary()
    short = ConfigSummary(**{**summary.__dict__, "features": tuple(
        FeatureSpec(f.column, f.kind, f.num_buckets, f.sequence_name, f.sequence_delim, 3) if f.is_sequence else f
        for f in summary.features)})
    warnings = preflight(short, [DataSet("train", path, needs_label=True)])
    assert len(warnings) == 1 and "sequence_length is 3" in warnings[0]


def test_labels_and_nulls(tmp_path: Path) -> None:
    table = tiny_table(30, seed=1)
    no_label = _write(tmp_path, "no_label", table.drop_columns(["label"]))
    message = _problems(tiny_summary(), DataSet("train", no_label, needs_label=True))
    assert "label `label`: no such column" in message

    clicks = table.column("ui_clicks_3d").to_pylist()
    clicks[0] = None
    labels = table.column("label").to_pylist()
    labels[1] = None
    nulls = _replace(_replace(table, "ui_clicks_3d", pa.array(clicks, pa.float32())), "label",
                     pa.array(labels, pa.int32()))
    message = _problems(tiny_summary(), DataSet("train", _write(tmp_path, "nulls", nulls), needs_label=True))
    assert "feature `ui_clicks_3d` (raw feature)" in message and "1 of 30 values are null" in message
    assert "label `label`" in message and "has 1 nulls" in message


def test_reserved_date_column(tmp_path: Path) -> None:
    """tzrec refuses a date32 column even as a pass-through: the export must write dates as strings."""
    table = tiny_table(20, seed=1)
    table = _replace(table, "cutoff_date", pc.cast(pc.strptime(table.column("cutoff_date"), "%Y-%m-%d", "s"),
                                                   pa.date32()))
    data = DataSet("predict", _write(tmp_path, "predict", table), reserved=("user_id", "item_id"),
                   optional_reserved=("cutoff_date", "label"))
    message = _problems(tiny_summary(), data)
    assert "reserved column `cutoff_date`" in message and "date32" in message
    assert "export it as a string" in message


def test_missing_reserved_and_missing_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "predict", tiny_table(20, seed=1).drop_columns(["item_id"]))
    message = _problems(tiny_summary(), DataSet("predict", path, reserved=("user_id", "item_id")))
    assert "reserved column `item_id`: no such column" in message
    missing = tmp_path / "nowhere.parquet"
    message = _problems(tiny_summary(), DataSet("predict", missing))
    assert "does not exist" in message and "--predict-data" in message


def test_folders_and_globs(tmp_path: Path) -> None:
    folder = tmp_path / "train"
    folder.mkdir()
    for part in range(2):
        pq.write_table(tiny_table(30, seed=part), folder / f"part-{part}.parquet")
    assert len(input_files(folder)) == 2
    assert len(input_files(tmp_path / "train" / "part-*.parquet")) == 2
    assert tzrec_input_path(folder) == str(folder / "*.parquet")
    preflight(tiny_summary(), [DataSet("train", folder, needs_label=True)])


def test_an_export_a_build_is_still_writing_stops_the_preflight(tmp_path: Path) -> None:
    from runner.exports import marker_of

    path = _write(tmp_path, "train", tiny_table(50, seed=1))
    marker_of(path).write_text('{"status": "writing", "fingerprint": "f", "rows": null, "bytes": null}\n')
    with pytest.raises(PreflightError, match="incomplete: a build stopped while writing it"):
        preflight(tiny_summary(), [DataSet("train", path, needs_label=True)])
