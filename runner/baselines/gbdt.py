"""The reference model: LightGBM on the same exports, scored through the same dbt evaluation.

What strong public solutions of this competition did (gradient-boosted trees on sliding-window
features) on exactly the columns the tzrec models read. Trees need no ln(1 + x) and no
embeddings, so the id codes and sequence strings are left out; everything else is used as is,
the candidate features (candidate_source_code, recall_score, recall_rank) only where the training
export holds retrieved candidates (runner/candidates.py: off, they are constants).
It writes its predictions in the layout of a tzrec run (outputs/<name>/predictions/{eval,
predict,validation}/part-0.parquet with logits, probs and the reserved columns), so `score` and
`submit` treat both the same way. `predict_missing_splits` completes a run trained before a split
was predicted, from its model.txt, without training again.
"""

from __future__ import annotations

import json
import logging
import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from runner import atomic, parquet_files
from runner.candidates import describe_state, holds_retrieved_candidates, is_candidate_feature
from runner.contracts import BIN_SUFFIX
from runner.defaults import DEFAULT_TRAINING_SEED
from runner.exports import export_problem
from runner.locks import run_folder_lock
from runner.paths import (
    GBDT_RUN_NAME,
    OUTPUTS_DIR,
    PREDICTION_SETS,
    PROCESSED_DIR,
    VALIDATION_SET,
    input_files,
    prediction_files,
)

log = logging.getLogger(__name__)

# label_touched is the multi-task models' auxiliary label (train and validation only): never an input
NOT_FEATURES = {"cutoff_date", "user_id", "item_id", "label", "label_touched", "sample_weight"}
ID_CODES = {"user_code", "item_code", "category_code"}  # high-cardinality ids: trees memorise them
RESERVED = ["user_id", "item_id", "cutoff_date"]
# The exports each run predicts, into predictions/<split>/: validation (the held-out users of the
# training label days) is also the early-stopping set, and an operating-point rule reads its predictions.
SPLITS = (*PREDICTION_SETS, VALIDATION_SET)


@dataclass
class GbdtParams:
    """LightGBM settings; `extra` passes any other LightGBM parameter through."""

    learning_rate: float = 0.05
    num_leaves: int = 31
    min_data_in_leaf: int = 100
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 1.0
    max_rounds: int = 1000
    early_stopping_rounds: int = 50
    seed: int = DEFAULT_TRAINING_SEED
    threads: int = 2
    extra: dict[str, object] = field(default_factory=dict)

    def lightgbm(self) -> dict[str, object]:
        return {
            "objective": "binary",
            "metric": ["auc", "binary_logloss"],
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": self.bagging_freq,
            "lambda_l2": self.lambda_l2,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": self.threads,
            "verbosity": -1,
            **self.extra,
        }


@dataclass(frozen=True)
class GbdtRun:
    run_dir: Path
    best_round: int
    validation_auc: float
    train_seconds: float
    peak_rss_gb: float
    features: int


def feature_columns(schema: pa.Schema, candidate_features: bool = False) -> list[str]:
    """The columns LightGBM trains on: the dense features as exported. Their quantile bucket ids
    (<feature>_bin) are left out: a tree already cuts the value itself, so they would only repeat it.
    The candidate features enter only with candidate_features (the training export holds retrieved
    candidates: training_features)."""
    return [
        f.name for f in schema
        if f.name not in NOT_FEATURES and f.name not in ID_CODES and not pa.types.is_string(f.type)
        and not f.name.endswith(BIN_SUFFIX) and (candidate_features or not is_candidate_feature(f.name))
    ]


def training_features(processed_dir: Path) -> list[str]:
    """feature_columns of the exports folder's training export, the candidate features included where it holds
    retrieved candidates."""
    train = processed_dir / "train.parquet"
    return feature_columns(parquet_files.dataset_schema(train), candidate_features=holds_retrieved_candidates(train))


def _matrix(path: Path, features: list[str]) -> tuple[np.ndarray, pa.Table]:
    """The features as a float32 matrix, and the table of the columns read (only those the model
    uses and the predictions keep: the exports' bucket ids and sequences would double the memory)."""
    unfinished = [problem for problem in map(export_problem, input_files(path)) if problem]
    if unfinished:
        raise ValueError("; ".join(unfinished))
    available = parquet_files.dataset_schema(path).names
    missing = [name for name in features if name not in available]
    if missing:
        raise ValueError(f"{path} lacks the feature columns {missing}: rebuild the exports (`python -m runner build`)")
    kept = [name for name in [*RESERVED, "label"] if name in available]
    table = parquet_files.read_table(path, columns=[*dict.fromkeys(kept + features)])
    matrix = np.column_stack([table.column(name).to_numpy().astype(np.float32) for name in features])
    return matrix, table


def _write_predictions(folder: Path, table: pa.Table, probs: np.ndarray) -> Path:
    clipped = np.clip(probs, 1e-7, 1 - 1e-7)
    columns = {
        "logits": pa.array(np.log(clipped / (1 - clipped)).astype(np.float32)),
        "probs": pa.array(probs.astype(np.float32)),
        **{name: table.column(name) for name in RESERVED},
    }
    if "label" in table.column_names:
        columns["label"] = table.column("label")
    with atomic.replacing_folder(folder) as partial:  # readers never see part of a prediction set
        pq.write_table(pa.table(columns), partial / "part-0.parquet")
    return folder / "part-0.parquet"


def train_gbdt(
    name: str = GBDT_RUN_NAME,
    params: GbdtParams | None = None,
    processed_dir: Path = PROCESSED_DIR,
    outputs_dir: Path = OUTPUTS_DIR,
) -> GbdtRun:
    """Train on train.parquet, stop early on validation.parquet (held-out users of the training
    days, never the eval day), then predict eval.parquet and predict.parquet."""
    params = params or GbdtParams()
    run_dir = outputs_dir / name
    run_dir.mkdir(parents=True, exist_ok=True)
    with run_folder_lock(run_dir):
        return _train(run_dir, name, params, processed_dir)


def _train(run_dir: Path, name: str, params: GbdtParams, processed_dir: Path) -> GbdtRun:
    (run_dir / "run.json").unlink(missing_ok=True)  # written again last, when the run has finished
    # a file (DuckDB build) or a folder of part files (Spark build) alike
    features = training_features(processed_dir)
    log.info("gbdt %s: %d features from %s; candidate features: %s", name, len(features), processed_dir,
             describe_state(any(is_candidate_feature(feature) for feature in features)))

    started = time.perf_counter()
    x_train, train = _matrix(processed_dir / "train.parquet", features)
    x_valid, valid = _matrix(processed_dir / "validation.parquet", features)
    train_set = lgb.Dataset(x_train, label=train.column("label").to_numpy(), feature_name=features)
    valid_set = lgb.Dataset(x_valid, label=valid.column("label").to_numpy(), reference=train_set)
    booster = lgb.train(
        params.lightgbm(),
        train_set,
        num_boost_round=params.max_rounds,
        valid_sets=[valid_set],
        valid_names=["validation"],
        callbacks=[lgb.early_stopping(params.early_stopping_rounds, first_metric_only=True, verbose=False),
                   lgb.log_evaluation(100)],
    )
    train_seconds = time.perf_counter() - started
    best_round = int(booster.best_iteration or booster.current_iteration())
    validation_auc = float(booster.best_score["validation"]["auc"])
    log.info("gbdt %s: best round %d, validation AUC %.4f, %.1f s", name, best_round, validation_auc, train_seconds)

    with atomic.replacing(run_dir / "model.txt") as temporary:
        booster.save_model(str(temporary), num_iteration=best_round)
    importance = sorted(
        zip(features, booster.feature_importance("gain", iteration=best_round), strict=True), key=lambda kv: -kv[1]
    )
    atomic.write_text(
        run_dir / "feature_importance.csv",
        "feature,gain\n" + "".join(f"{feature},{gain:.3f}\n" for feature, gain in importance)
    )
    for split in SPLITS:
        _predict_split(booster, features, processed_dir, run_dir, split, num_iteration=best_round)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    result = GbdtRun(run_dir=run_dir, best_round=best_round, validation_auc=validation_auc,
                     train_seconds=train_seconds, peak_rss_gb=peak, features=len(features))
    # written last: its presence says the run finished (is_current)
    atomic.write_text(run_dir / "run.json", json.dumps(
        {**{k: str(v) if isinstance(v, Path) else v for k, v in asdict(result).items()}, "params": asdict(params)},
        indent=2,
    ))
    return result


def _predict_split(booster: lgb.Booster, features: list[str], processed_dir: Path, run_dir: Path, split: str,
                   num_iteration: int | None = None) -> Path:
    matrix, table = _matrix(processed_dir / f"{split}.parquet", features)
    path = _write_predictions(run_dir / "predictions" / split, table,
                              booster.predict(matrix, num_iteration=num_iteration))
    log.info("gbdt %s: %s predictions -> %s", run_dir.name, split, path)
    return path


def is_current(run_dir: Path, processed_dir: Path = PROCESSED_DIR) -> bool:
    """A finished run (run.json, every split predicted) written after every export file it read
    (train and the SPLITS; a Spark build's folder counts by its part files, as tzrec's steps do)."""
    record = run_dir / "run.json"
    exports = [file for name in ("train", *SPLITS) for file in input_files(processed_dir / f"{name}.parquet")]
    if not record.exists() or missing_splits(run_dir) or not exports:
        return False
    return record.stat().st_mtime > max(file.stat().st_mtime for file in exports)


def missing_splits(run_dir: Path) -> list[str]:
    """The SPLITS a run has no predictions of."""
    return [split for split in SPLITS if not prediction_files(run_dir, split)]


def predict_missing_splits(run_dir: Path, processed_dir: Path = PROCESSED_DIR) -> list[str]:
    """Complete a finished run (model.txt) with the predictions of the SPLITS it lacks, from the saved
    booster (already cut to its best round) and the exports in processed_dir; returns the splits written.
    Refuses when the exports' feature columns are no longer those the model was trained on: its other
    predictions came from older exports, so retrain instead."""
    missing = missing_splits(run_dir)
    if not missing:
        return []
    model = run_dir / "model.txt"
    if not model.is_file():
        raise FileNotFoundError(f"{model} does not exist: train the run (`python -m runner baseline gbdt`)")
    booster = lgb.Booster(model_file=str(model))
    features = training_features(processed_dir)
    if features != booster.feature_name():
        raise ValueError(f"{model} was trained on other feature columns than {processed_dir / 'train.parquet'} "
                         "has now (the exports were rebuilt since): train the run again")
    for split in missing:
        _predict_split(booster, features, processed_dir, run_dir, split)
    return missing
