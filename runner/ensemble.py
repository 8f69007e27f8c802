"""Averages the predictions of several runs into a run of its own (the "average several seeds or
models" lever): for each set (eval, predict, and validation when every member predicted it), the
mean of the members' logits per (cutoff, user, item), turned back into a probability. The result has
the layout of a tzrec run, so `score` and `submit` treat it like any other run.

Why logits and not probabilities: models of different families are calibrated differently (a DIN's
scores spread wider than a DeepFM's), and a mean of probabilities lets the widest one decide the
order of the top pairs. On the study's eval days the mean logit ranked better for every ensemble of
different configs (exact AUC +0.0007 to +0.0020, 12 of 12 ensemble-months); for one
config's model seeds it changes nothing that matters (mean +0.00004 over 18 config-months):
docs/decisions.md#mean-logit-or-mean-probability.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from runner import atomic, parquet_files
from runner.locks import run_folder_lock
from runner.parquet_files import prediction_files
from runner.paths import PREDICTION_SETS, VALIDATION_SET, shown

log = logging.getLogger(__name__)

KEYS = ["cutoff_date", "user_id", "item_id"]
# Every member must have predicted these; validation is averaged only when every member has it (runs
# from before it was predicted lack it, and an average of some members would not be the ensemble's).
REQUIRED_SPLITS = PREDICTION_SETS
OPTIONAL_SPLITS = (VALIDATION_SET,)
# How the members' scores are combined: the mean logit (the default) or the mean probability.
COMBINE_RULES = ("logit", "probability")
PROBABILITY_FLOOR = 1e-7  # keeps the logit of a probability of exactly 0 or 1 finite


def _read(run_dir: Path, split: str) -> pa.Table:
    files = prediction_files(run_dir, split)
    if not files:
        raise FileNotFoundError(f"{run_dir / 'predictions' / split} holds no predictions: run `python -m runner "
                                "predict` (or baseline) first")
    return pa.concat_tables([parquet_files.read_table(f) for f in files]).sort_by([(k, "ascending") for k in KEYS])


def _logit(probs: np.ndarray) -> np.ndarray:
    clipped = np.clip(probs, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
    return np.log(clipped / (1 - clipped))


def _check_combine(combine: str) -> None:
    if combine not in COMBINE_RULES:
        raise ValueError(f"unknown combine rule {combine!r}: use one of {', '.join(COMBINE_RULES)}")


def combine_probabilities(members: list[np.ndarray], combine: str = "logit") -> np.ndarray:
    """The ensemble's probability per row from the members' probabilities (same rows, same order)."""
    _check_combine(combine)
    stacked = np.stack([m.astype(np.float64) for m in members])
    if combine == "probability":
        return stacked.mean(axis=0)
    return 1.0 / (1.0 + np.exp(-_logit(stacked).mean(axis=0)))


def combined_split(runs: list[Path], split: str, combine: str = "logit") -> pa.Table:
    """The runs' combined scores of one set, as a prediction table."""
    _check_combine(combine)  # before reading any member
    tables = [_read(run, split) for run in runs]
    first = tables[0]
    for run, table in zip(runs[1:], tables[1:], strict=True):
        same = table.num_rows == first.num_rows and all(
            table.column(k).equals(first.column(k)) for k in KEYS
        )
        if not same:
            raise ValueError(
                f"{run} predicted other {split} pairs than {runs[0]}: ensemble runs of the same exports"
            )
    probs = combine_probabilities([t.column("probs").to_numpy() for t in tables], combine)
    columns = {
        "logits": pa.array(_logit(probs).astype(np.float32)),
        "probs": pa.array(probs.astype(np.float32)),
        "user_id": first.column("user_id"),
        "item_id": first.column("item_id"),
        "cutoff_date": pc.cast(first.column("cutoff_date"), pa.string()),
    }
    if "label" in first.column_names:
        columns["label"] = first.column("label")
    return pa.table(columns)


def average_split(runs: list[Path], out_dir: Path, split: str, combine: str = "logit") -> Path:
    """Write the runs' combined scores of one set to out_dir/predictions/<split>/part-0.parquet."""
    table = combined_split(runs, split, combine)
    folder = out_dir / "predictions" / split
    with atomic.replacing_folder(folder) as partial:  # readers never see part of a prediction set
        pq.write_table(table, partial / "part-0.parquet")
    return folder


def average_runs(runs: list[Path], out_dir: Path, info: dict[str, str] | None = None,
                 combine: str = "logit") -> Path:
    """Write the runs' combined scores to out_dir (`combine`: COMBINE_RULES); info overrides its
    run_info.json keys."""
    if len(runs) < 2:
        raise ValueError("an ensemble needs at least two runs")
    _check_combine(combine)  # before reading any member
    out_dir.mkdir(parents=True, exist_ok=True)
    with run_folder_lock(out_dir):
        return _average_runs(runs, out_dir, info, combine)


def _average_runs(runs: list[Path], out_dir: Path, info: dict[str, str] | None, combine: str) -> Path:
    splits = list(REQUIRED_SPLITS)
    for split in OPTIONAL_SPLITS:
        lacking = [shown(run) for run in runs if not prediction_files(run, split)]
        if lacking:
            # none is written, and none of an older average is kept (the whole predictions/ is replaced)
            log.warning("ensemble %s: no %s predictions written: %s lack them", shown(out_dir), split,
                        ", ".join(lacking))
        else:
            splits.append(split)
    tables = {split: combined_split(runs, split, combine) for split in splits}
    # every set at once: predictions.partial/ takes the place of predictions/ when all are written, so no reader
    # sees a new eval set beside an older predict set
    with atomic.replacing_folder(out_dir / "predictions") as partial:
        for split, table in tables.items():
            (partial / split).mkdir()
            pq.write_table(table, partial / split / "part-0.parquet")
    atomic.write_text(out_dir / "run_info.json", json.dumps({
        "model": f"ensemble (mean {combine})",
        "combine": combine,
        "params": "members=" + " + ".join(run.name for run in runs),
        "stage": "staging",
        **(info or {}),
    }, indent=2))
    return out_dir
