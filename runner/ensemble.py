"""Averages the predictions of several runs into a run of its own (the "average several seeds or
models" lever): for each set (eval, predict), the mean of the members' probabilities per
(cutoff, user, item). The result has the layout of a tzrec run, so `score` and `submit` treat
it like any other run.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KEYS = ["cutoff_date", "user_id", "item_id"]


def _read(run_dir: Path, split: str) -> pa.Table:
    folder = run_dir / "predictions" / split
    files = sorted(folder.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"{folder} holds no predictions: run `python -m runner predict` (or baseline) first")
    return pa.concat_tables([pq.read_table(f) for f in files]).sort_by([(k, "ascending") for k in KEYS])


def average_runs(runs: list[Path], out_dir: Path, info: dict[str, str] | None = None) -> Path:
    """Write the mean of the runs' probabilities to out_dir; info overrides its run_info.json keys."""
    if len(runs) < 2:
        raise ValueError("an ensemble needs at least two runs")
    for split in ("eval", "predict"):
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
        probs = np.mean([t.column("probs").to_numpy().astype(np.float64) for t in tables], axis=0)
        clipped = np.clip(probs, 1e-7, 1 - 1e-7)
        columns = {
            "logits": pa.array(np.log(clipped / (1 - clipped)).astype(np.float32)),
            "probs": pa.array(probs.astype(np.float32)),
            "user_id": first.column("user_id"),
            "item_id": first.column("item_id"),
            "cutoff_date": pc.cast(first.column("cutoff_date"), pa.string()),
        }
        if "label" in first.column_names:
            columns["label"] = first.column("label")
        folder = out_dir / "predictions" / split
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns), folder / "part-0.parquet")
    (out_dir / "run_info.json").write_text(json.dumps({
        "model": "ensemble (mean probability)",
        "params": "members=" + " + ".join(run.name for run in runs),
        "stage": "staging",
        **(info or {}),
    }, indent=2))
    return out_dir
