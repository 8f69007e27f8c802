"""The validation users' predictions of GBDT runs: written by training, completed for runs trained before them
(from model.txt, no retraining), and averaged over model seeds by the study once every member has them."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import runner.study as study_module
from runner.baselines.gbdt import GbdtParams, is_current, missing_splits, predict_missing_splits, train_gbdt

PARAMS = GbdtParams(max_rounds=20, early_stopping_rounds=5, min_data_in_leaf=5, threads=1)


def _export(path: Path, rows: int, seed: int, label: bool = True) -> None:
    rng = np.random.default_rng(seed)
    clicks, ctr = rng.poisson(1.0, rows).astype(np.float64), rng.beta(2, 20, rows)
    columns = {"cutoff_date": pa.array(["2014-12-17"] * rows), "user_id": pa.array(rng.integers(0, 50, rows)),
               "item_id": pa.array(np.arange(rows)), "u_clicks_1d": pa.array(clicks), "i_ctr_7d": pa.array(ctr)}
    if label:
        chance = 1 / (1 + np.exp(-(clicks + 10 * ctr - 2)))
        columns["label"] = pa.array((rng.random(rows) < chance).astype(np.int32))
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)


def _exports(processed: Path) -> Path:
    _export(processed / "train.parquet", 400, seed=1)
    _export(processed / "validation.parquet", 150, seed=2)
    _export(processed / "eval.parquet", 150, seed=3)
    _export(processed / "predict.parquet", 100, seed=4, label=False)
    return processed


def test_a_run_without_validation_predictions_is_completed_from_its_model(tmp_path: Path) -> None:
    processed = _exports(tmp_path / "processed")
    run = train_gbdt("gbdt", PARAMS, processed_dir=processed, outputs_dir=tmp_path / "outputs").run_dir
    assert missing_splits(run) == []
    trained = pq.read_table(run / "predictions" / "validation")
    assert trained.column_names == ["logits", "probs", "user_id", "item_id", "cutoff_date", "label"]
    assert trained.num_rows == 150

    for part in (run / "predictions" / "validation").glob("*.parquet"):  # a run from before validation
        part.unlink()
    assert missing_splits(run) == ["validation"]
    assert predict_missing_splits(run, processed) == ["validation"]
    completed = pq.read_table(run / "predictions" / "validation")
    assert completed.column_names == trained.column_names
    assert np.allclose(completed.column("probs").to_numpy(), trained.column("probs").to_numpy(), atol=1e-6)
    assert predict_missing_splits(run, processed) == []  # nothing left to do

    # exports rebuilt with another feature since the model was trained: its predictions would not match
    _export(processed / "train.parquet", 400, seed=1)
    pq.write_table(pq.read_table(processed / "train.parquet").append_column("u_buys_7d", pa.array([0.0] * 400)),
                   processed / "train.parquet")
    (run / "predictions" / "validation" / "part-0.parquet").unlink()
    with pytest.raises(ValueError, match="other feature columns"):
        predict_missing_splits(run, processed)


def test_the_study_completes_old_gbdt_runs_and_averages_their_validation_users(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(study_module, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(study_module, "STUDY_OUTPUTS", tmp_path / "study")
    workspace = study_module.Workspace(study_module.DEFAULT_GENERATOR_SEED)
    _exports(workspace.processed)
    members = [train_gbdt("gbdt_v1", GbdtParams(**{**PARAMS.__dict__, "seed": seed}),
                          processed_dir=workspace.processed, outputs_dir=workspace.outputs / f"m{seed}").run_dir
               for seed in (1, 2)]
    for member in members:  # runs trained before validation was predicted
        (member / "predictions" / "validation" / "part-0.parquet").unlink()
    mean = study_module.average(workspace, "gbdt_v1", members)
    assert not (mean / "predictions" / "validation").exists()

    # run_gbdt finds the finished runs and predicts the missing split in-process, never retraining
    monkeypatch.setattr(study_module.processes, "run", lambda *args, **kwargs: pytest.fail("retrained"))
    for seed, member in zip((1, 2), members, strict=True):
        assert study_module.run_gbdt(workspace, "gbdt_v1", seed) == member
        assert missing_splits(member) == []
        os.utime(member / "predictions" / "validation" / "part-0.parquet", (0, 0))  # older than the average
    # the average lacks a split every member has: that split is averaged (whatever the files' times say), and
    # the eval and predict files, which the run's scores come from, are left as they were
    before = (mean / "predictions" / "eval" / "part-0.parquet").stat().st_mtime_ns
    assert study_module.average(workspace, "gbdt_v1", members) == mean
    assert pq.read_metadata(mean / "predictions" / "validation" / "part-0.parquet").num_rows == 150
    assert (mean / "predictions" / "eval" / "part-0.parquet").stat().st_mtime_ns == before
    written = (mean / "predictions" / "eval" / "part-0.parquet").stat().st_mtime_ns
    study_module.average(workspace, "gbdt_v1", members)
    assert (mean / "predictions" / "eval" / "part-0.parquet").stat().st_mtime_ns == written  # now up to date


def test_a_run_is_current_until_an_export_it_reads_changes_or_a_split_goes_missing(tmp_path: Path) -> None:
    processed = _exports(tmp_path / "processed")
    run = train_gbdt("gbdt", PARAMS, processed_dir=processed, outputs_dir=tmp_path / "outputs").run_dir
    assert is_current(run, processed)
    later = (run / "run.json").stat().st_mtime + 10
    os.utime(processed / "eval.parquet", (later, later))  # the exports were rebuilt after the run
    assert not is_current(run, processed)
    os.utime(processed / "eval.parquet", (later - 20, later - 20))
    assert is_current(run, processed)
    for part in (run / "predictions" / "validation").glob("*.parquet"):
        part.unlink()
    assert not is_current(run, processed)
