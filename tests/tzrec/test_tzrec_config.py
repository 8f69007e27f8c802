"""Rendering configs (num_buckets, input paths) with tzrec's protobuf, and refusing what cannot run here."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tiny_data import write_buckets

from runner.contracts import documented_columns
from runner.experiment_configs.contract import RETRIEVAL_EXPORTS_YML
from runner.tzrec.config import (
    ConfigError,
    ConfigSummary,
    FeatureSpec,
    check_supported,
    describe_config,
    read_buckets,
    render_config,
    train_export_of,
)
from runner.tzrec.steps import TWO_TOWER_MODELS, RunOptions

FIELDS = {"train_input_path": "/data/train.parquet", "eval_input_path": "/data/eval/*.parquet", "model_dir": "/m"}


def _by_column(summary: ConfigSummary) -> dict[str, FeatureSpec]:
    return {feature.column: feature for feature in summary.features}


def test_render_fills_buckets_and_paths(tzrec_python: Path, deepfm_config: Path, tmp_path: Path) -> None:
    original = deepfm_config.read_text()
    rendered = tmp_path / "run" / "pipeline.config"
    summary = render_config(tzrec_python, deepfm_config, rendered, {"user_idx": 40, "item_idx": 60, "other": 9},
                            FIELDS, header="rendered for a test\nsecond line")
    assert deepfm_config.read_text() == original  # the checked-in config is never touched
    text = rendered.read_text()
    assert text.startswith("# rendered for a test\n# second line\n")
    assert 'train_input_path: "/data/train.parquet"' in text and 'model_dir: "/m"' in text
    assert "num_buckets: 0" not in text and "num_buckets: 60" in text
    features = _by_column(summary)
    assert features["user_idx"].num_buckets == 40 and features["user_idx"].filled_from == "user_idx"
    # the sequence sub-feature falls back from click_seq__item_idx to item_idx
    sequence = features["click_seq__item_idx"]
    assert (sequence.kind, sequence.num_buckets, sequence.filled_from) == ("sequence_id", 60, "item_idx")
    assert (sequence.sequence_name, sequence.sequence_delim, sequence.sequence_length) == ("click_seq", ";", 8)
    assert features["ui_clicks_3d"].kind == "raw"
    assert summary.label_fields == ("label",) and summary.fg_mode == "FG_NONE" and summary.model == "deepfm"
    # the rendered file is valid for tzrec's protobuf and holds the filled values
    again = _by_column(describe_config(tzrec_python, rendered))
    assert again["item_idx"].num_buckets == 60 and again["click_seq__item_idx"].num_buckets == 60
    assert again["item_idx"].filled_from is None  # nothing left to fill


def test_sequence_key_takes_precedence(tzrec_python: Path, din_config: Path, tmp_path: Path) -> None:
    buckets = {"user_idx": 40, "item_idx": 60, "click_seq__item_idx": 75}
    summary = render_config(tzrec_python, din_config, tmp_path / "p.config", buckets, FIELDS)
    features = _by_column(summary)
    assert features["click_seq__item_idx"].num_buckets == 75
    assert features["click_seq__item_idx"].filled_from == "click_seq__item_idx"
    assert summary.model == "multi_tower_din"


def test_unfilled_bucket_is_an_error_and_writes_nothing(tzrec_python: Path, deepfm_config: Path,
                                                        tmp_path: Path) -> None:
    rendered = tmp_path / "p.config"
    with pytest.raises(ConfigError) as error:
        render_config(tzrec_python, deepfm_config, rendered, {"user_idx": 40}, FIELDS)
    message = str(error.value)
    assert str(deepfm_config) in message
    assert "item_idx: the bucket-size file has no row for item_idx" in message
    assert "click_seq__item_idx: the bucket-size file has no row for click_seq__item_idx or item_idx" in message
    assert "fix:" in message
    assert not rendered.exists()


def test_invalid_text_names_the_file(tzrec_python: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.config"
    broken.write_text("data_config { batch_size: 64 fg_mode: FG_NONE\nmodel_confg {}\n")
    with pytest.raises(ConfigError, match="broken.config is not a valid tzrec pipeline config"):
        describe_config(tzrec_python, broken)


def test_unsupported_choices_are_refused(tzrec_python: Path, deepfm_config: Path, tmp_path: Path) -> None:
    text = deepfm_config.read_text()
    text = text.replace("fg_mode: FG_NONE", "fg_mode: FG_DAG").replace('"context:ui_clicks_3d"', '"feature:x"')
    changed = tmp_path / "changed.config"
    changed.write_text(text)
    summary = describe_config(tzrec_python, changed)
    with pytest.raises(ConfigError) as error:
        check_supported(summary)
    message = str(error.value)
    assert "fg_mode is FG_DAG" in message and "FG_NONE" in message and "pyfg" in message
    assert "raw_feature[ui_clicks_3d].expression: 'feature:x'" in message


def test_read_buckets(tmp_path: Path) -> None:
    good = write_buckets(tmp_path / "good.parquet", {"a": 3, "b": 10})
    assert read_buckets(good) == {"a": 3, "b": 10}
    with pytest.raises(ConfigError, match="does not exist"):
        read_buckets(tmp_path / "missing.parquet")
    pq.write_table(pa.table({"feature_name": ["a"], "num_buckets": [1.5]}), tmp_path / "float.parquet")
    with pytest.raises(ConfigError, match="num_buckets` is double, expected int64"):
        read_buckets(tmp_path / "float.parquet")
    pq.write_table(pa.table({"feature_name": ["a", "a"], "num_buckets": [1, 2]}), tmp_path / "twice.parquet")
    with pytest.raises(ConfigError, match="twice"):
        read_buckets(tmp_path / "twice.parquet")
    pq.write_table(pa.table({"feature_name": ["a"], "num_buckets": [0]}), tmp_path / "zero.parquet")
    with pytest.raises(ConfigError, match="must be positive"):
        read_buckets(tmp_path / "zero.parquet")


def test_multi_task_config_names_its_purchase_tower(tzrec_python: Path, dbmtl_config: Path, tmp_path: Path) -> None:
    summary = describe_config(tzrec_python, dbmtl_config)
    assert summary.task_towers == (("touch", "label_touched"), ("buy", "label"))
    assert summary.purchase_tower == "buy" and summary.purchase_column == "probs_buy"
    check_supported(summary)

    no_purchase = tmp_path / "no_purchase.config"
    no_purchase.write_text(dbmtl_config.read_text().replace('label_name: "label"\n', 'label_name: "label_x"\n'))
    with pytest.raises(ConfigError, match=r'0 towers on the purchase label `label`.*label_name: "label"'):
        check_supported(describe_config(tzrec_python, no_purchase))


def test_single_task_config_reads_probs(tzrec_python: Path, deepfm_config: Path) -> None:
    summary = describe_config(tzrec_python, deepfm_config)
    assert summary.task_towers == () and summary.purchase_tower is None and summary.purchase_column == "probs"


def test_a_config_that_exports_its_best_checkpoint_says_by_which_metric(tzrec_python: Path) -> None:
    experiments = Path(__file__).resolve().parents[2] / "configs" / "experiments"
    assert describe_config(tzrec_python, experiments / "stage2_dcn_v2_v9.yml").best_checkpoint == ("auc", True)
    assert describe_config(tzrec_python, experiments / "stage2_dcn_v2_v1.yml").best_checkpoint is None


CHECKED_IN = sorted((Path(__file__).resolve().parents[2] / "configs" / "experiments").glob("*.yml"))


@pytest.mark.parametrize("config", CHECKED_IN, ids=lambda path: path.stem)
def test_every_checked_in_config_reads_only_exported_columns(tzrec_python: Path, config: Path) -> None:
    summary = describe_config(tzrec_python, config)
    check_supported(summary)
    if summary.model in TWO_TOWER_MODELS:  # the retrieval exports: each tower reads its side's export
        documented = documented_columns(RETRIEVAL_EXPORTS_YML)
        train = set(documented["export_retrieval_train"])
        predict = set(documented["export_retrieval_user_predict"]) | set(documented["export_retrieval_item_predict"])
    else:
        documented = documented_columns()
        train_export = train_export_of(config).removesuffix(".parquet")
        train, predict = set(documented[f"export_{train_export}"]), set(documented["export_predict"])
    # a sequence feature's column is <sequence>__<feature>, as the exports name it
    columns = {feature.column for feature in summary.features}
    assert columns, config
    assert columns <= predict, sorted(columns - predict)
    assert set(summary.label_fields) <= train


def _config_reading(tmp_path: Path, train_input_path: str) -> Path:
    config = tmp_path / "some.config"
    config.write_text(f"# a comment\ntrain_input_path: {train_input_path}\neval_input_path: \"set by the runner\"\n")
    return config


def test_a_config_names_the_training_export_it_reads(tmp_path: Path) -> None:
    assert train_export_of(_config_reading(tmp_path, '"set by the runner"')) == "train.parquet"
    assert train_export_of(_config_reading(tmp_path, "'train_all_negatives.parquet'  # why")) \
        == "train_all_negatives.parquet"
    processed = tmp_path / "processed"
    options = RunOptions.from_exports(_config_reading(tmp_path, '"train_all_negatives.parquet"'), processed)
    assert options.train_path == processed / "train_all_negatives.parquet"
    assert options.eval_data == processed / "validation.parquet"
    # without --train-data the runner reads the named export of data/processed/; --train-data wins
    default = RunOptions(config=_config_reading(tmp_path, '"train_all_negatives.parquet"'))
    assert default.train_path.parent.name == "processed" and default.train_path.name == "train_all_negatives.parquet"
    assert RunOptions(config=default.config, train_data=tmp_path / "x.parquet").train_path == tmp_path / "x.parquet"


def test_a_config_naming_no_training_export_is_refused_with_its_line(tmp_path: Path) -> None:
    config = _config_reading(tmp_path, '"/data/train.parquet"')
    with pytest.raises(ConfigError, match=r"some\.config:2: train_input_path '/data/train.parquet' is not a training "
                       r"export.*train_all_negatives\.parquet"):
        train_export_of(config)
    with pytest.raises(ConfigError, match="some.config:2"):
        RunOptions.from_exports(config, tmp_path)
