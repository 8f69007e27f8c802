"""A tiny, deterministic data set shaped like the dbt exports, for the tzrec runner tests.

Columns (the export's contract, in miniature): reserved `user_id`, `item_id` (raw BIGINT ids, far
outside any bucket range), `cutoff_date` (date), `label` and the auxiliary `label_touched` (int);
id features `user_idx`, `item_idx` (int64 inside their buckets); raw features `ui_clicks_3d`,
`u_buys_7d`, `i_ctr_7d` (float/double);
and the sequence `click_seq__item_idx` (string ids joined by ";", some rows empty).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

NUM_USERS = 40
NUM_ITEMS = 60
BUCKETS = {"user_idx": NUM_USERS, "item_idx": NUM_ITEMS}
SEQUENCE_LENGTH = 8


def tiny_table(rows: int, seed: int, with_label: bool = True) -> pa.Table:
    rng = np.random.default_rng(seed)
    user_idx = rng.integers(0, NUM_USERS, rows)
    item_idx = rng.integers(0, NUM_ITEMS, rows)
    ui_clicks = rng.poisson(1.0, rows).astype(np.float32)
    u_buys = rng.poisson(0.5, rows).astype(np.float64)
    i_ctr = rng.beta(2, 20, rows).astype(np.float32)
    sequences = []
    for item in item_idx:
        length = int(rng.integers(0, SEQUENCE_LENGTH + 1))  # some empty
        history = rng.integers(0, NUM_ITEMS, length)
        if length and rng.random() < 0.5:
            history[0] = item  # the target item was clicked before: a signal DIN can see
        sequences.append(";".join(str(int(x)) for x in history))
    columns: dict[str, pa.Array] = {
        "user_id": pa.array(100_000_000 + user_idx * 7919, pa.int64()),
        "item_id": pa.array(200_000_000 + item_idx * 104_729, pa.int64()),
        # tzrec passes through only int32/int64/float/double/string columns: dates travel as strings.
        "cutoff_date": pa.array([dt.date(2014, 12, 17).isoformat()] * rows, pa.string()),
    }
    if with_label:
        score = 0.9 * ui_clicks + 1.2 * u_buys + 8 * i_ctr + (item_idx % 5 == 0) - 2.5
        label = (rng.random(rows) < 1 / (1 + np.exp(-score))).astype(np.int32)
        columns["label"] = pa.array(label, pa.int32())
        # the multi-task models' auxiliary label: every purchase is a touch, and many more rows are
        touched = np.maximum(label, rng.random(rows) < 0.3).astype(np.int32)
        columns["label_touched"] = pa.array(touched, pa.int32())
    columns |= {
        "user_idx": pa.array(user_idx, pa.int64()),
        "item_idx": pa.array(item_idx, pa.int64()),
        "ui_clicks_3d": pa.array(ui_clicks, pa.float32()),
        "u_buys_7d": pa.array(u_buys, pa.float64()),
        "i_ctr_7d": pa.array(i_ctr, pa.float32()),
        "click_seq__item_idx": pa.array(sequences, pa.string()),
    }
    return pa.table(columns)


def write_tiny_data(
    folder: Path, train_rows: int = 400, eval_rows: int = 200, predict_rows: int = 150, validation_rows: int = 120
) -> dict[str, Path]:
    """Write train/eval/predict/validation parquet and id_buckets.parquet into `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / f"{name}.parquet" for name in ("train", "eval", "predict", "validation", "id_buckets")}
    pq.write_table(tiny_table(train_rows, seed=1), paths["train"])
    pq.write_table(tiny_table(eval_rows, seed=2), paths["eval"])
    pq.write_table(tiny_table(predict_rows, seed=3, with_label=False), paths["predict"])
    pq.write_table(tiny_table(validation_rows, seed=4), paths["validation"])
    write_buckets(paths["id_buckets"], BUCKETS)
    return paths


def write_buckets(path: Path, buckets: dict[str, int]) -> Path:
    table = pa.table({
        "feature_name": pa.array(list(buckets), pa.string()),
        "num_buckets": pa.array(list(buckets.values()), pa.int64()),
    })
    pq.write_table(table, path)
    return path
