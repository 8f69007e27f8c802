"""The candidate features of the ranking exports (candidate_source_code, recall_score, recall_rank): every model
leaves them out while the training export holds only touched pairs (retrieval candidates off: the production
model renders and trains as without them) and takes them as they come once it holds a retrieved candidate."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from runner.baselines.gbdt import feature_columns, training_features
from runner.candidates import holds_retrieved_candidates, is_candidate_feature
from runner.experiment_configs.contract import EXPORTS_YML
from runner.experiment_configs.experiment import EXPERIMENTS_DIR, production_experiment, render_spec

CANDIDATE_COLUMNS = ("candidate_source_code", "recall_score", "recall_rank", "recall_score_bin", "recall_rank_bin")


def _export(path: Path, sources: list[int] | None, statistics: bool = True) -> Path:
    """A training export of a few rows: keys, a dense feature and (unless sources is None) the candidate columns."""
    rows = len(sources) if sources is not None else 3
    columns: dict[str, pa.Array] = {
        "cutoff_date": pa.array(["2014-12-10"] * rows), "user_id": pa.array(range(rows), pa.int64()),
        "item_id": pa.array(range(rows), pa.int64()), "label": pa.array([0] * rows, pa.int32()),
        "u_clicks_1d": pa.array([0.5] * rows),
    }
    if sources is not None:
        columns["candidate_source_code"] = pa.array(sources, pa.int64())
        columns["recall_score"] = pa.array([0.0] * rows)
        columns["recall_rank"] = pa.array([0.0] * rows)
        columns["recall_score_bin"] = pa.array([1] * rows, pa.int64())
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path, write_statistics=statistics)
    return path


def test_an_export_holds_retrieved_candidates_when_a_source_is_not_touched_only(tmp_path: Path) -> None:
    assert not holds_retrieved_candidates(_export(tmp_path / "off.parquet", [1, 1, 1]))
    assert holds_retrieved_candidates(_export(tmp_path / "on.parquet", [1, 2, 3]))
    assert holds_retrieved_candidates(_export(tmp_path / "both.parquet", [3, 1, 1]))
    # without column statistics the column itself is read
    assert not holds_retrieved_candidates(_export(tmp_path / "raw_off.parquet", [1, 1], statistics=False))
    assert holds_retrieved_candidates(_export(tmp_path / "raw_on.parquet", [1, 2], statistics=False))
    # a Spark folder of parts: any part decides
    _export(tmp_path / "parts" / "part-0.parquet", [1, 1])
    _export(tmp_path / "parts" / "part-1.parquet", [2, 1])
    assert holds_retrieved_candidates(tmp_path / "parts")
    # exports from before the column, and no export at all
    assert not holds_retrieved_candidates(_export(tmp_path / "old.parquet", None))
    assert not holds_retrieved_candidates(tmp_path / "missing.parquet")


def test_the_gbdt_reads_the_candidate_features_only_from_exports_with_retrieved_candidates(tmp_path: Path) -> None:
    schema = pq.read_schema(_export(tmp_path / "schema.parquet", [1]))
    assert feature_columns(schema) == ["u_clicks_1d"]
    assert feature_columns(schema, candidate_features=True) == ["u_clicks_1d", "candidate_source_code",
                                                                 "recall_score", "recall_rank"]
    off, on = tmp_path / "off", tmp_path / "on"
    _export(off / "train.parquet", [1, 1, 1])
    _export(on / "train.parquet", [1, 2, 1])
    assert training_features(off) == ["u_clicks_1d"]
    assert training_features(on) == ["u_clicks_1d", "candidate_source_code", "recall_score", "recall_rank"]


def _contract_without_candidate_columns(path: Path) -> Path:
    contract = yaml.safe_load(EXPORTS_YML.read_text())
    for model in contract["models"]:
        model["columns"] = [c for c in model.get("columns", []) if not is_candidate_feature(c["name"])]
    path.write_text(yaml.safe_dump(contract))
    return path


def test_every_ranking_experiment_renders_as_without_the_candidate_columns_until_they_are_read(tmp_path: Path) -> None:
    contract = yaml.safe_load(EXPORTS_YML.read_text())
    train = next(model for model in contract["models"] if model["name"] == "export_train")
    assert set(CANDIDATE_COLUMNS) <= {column["name"] for column in train["columns"]}
    without = _contract_without_candidate_columns(tmp_path / "without.yml")
    for path in sorted(EXPERIMENTS_DIR.glob("stage2_*.yml")) + [production_experiment()]:
        default, reference = render_spec(path), render_spec(path, contract=without)
        assert (default.feature_configs, default.feature_groups) == \
            (reference.feature_configs, reference.feature_groups), path.stem
        assert "candidate_*, recall_* left out" in default.header
    # on: the production model takes the source code as an id and the score and rank as dense features
    production = production_experiment()
    on = render_spec(production, candidate_features=True)
    added = [config for config in on.feature_configs if config not in render_spec(production).feature_configs]
    assert [config.split('"')[1] for config in added] == ["candidate_source_code", "recall_score", "recall_rank"]
    assert added[0].startswith("id_feature") and all(config.startswith("raw_feature") for config in added[1:])
    assert "candidate_*, recall_* read" in on.header
