"""A fake model run for the scoring tests: predictions in the layout `python -m runner predict` writes.

outputs/<run>/predictions/{eval,predict,validation}/part-<rank>.parquet with logits (float), probs
(float), user_id, item_id (int64), cutoff_date (string) and, for eval and validation, label (int32),
from the exports of a dbt build. The probabilities are random, raised for the pairs that are bought (the export's label
on the eval day, the generator's answers on the predict day), so the scans have a signal to find;
no model is trained. Two part files per set, rows shuffled, as several predict workers write them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from runner.oracle import read_answers


def _probabilities(rng: np.random.Generator, bought: np.ndarray) -> np.ndarray:
    noise = rng.beta(1, 60, bought.size)  # mean ~0.016: most pairs are not bought
    return np.where(bought & (rng.random(bought.size) < 0.7), rng.uniform(0.05, 0.9, bought.size), noise)


def _write_parts(table: pa.Table, folder: Path, rng: np.random.Generator) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    order = rng.permutation(table.num_rows)
    half = table.num_rows // 2
    for rank, rows in enumerate((order[:half], order[half:])):
        pq.write_table(table.take(pa.array(rows)), folder / f"part-{rank}.parquet")


def write_fake_predictions(run_dir: Path, processed: Path, answers: Path | None, seed: int = 7) -> Path:
    """Write run_dir/predictions/{eval,predict,validation}/; returns run_dir/predictions."""
    rng = np.random.default_rng(seed)
    predictions = run_dir / "predictions"
    columns = ["user_id", "item_id", "cutoff_date"]
    # validation last, so that the eval and predict sets draw what they drew before it existed
    for data_set in ("eval", "predict", "validation"):
        labelled = data_set != "predict"
        source = pq.read_table(processed / f"{data_set}.parquet", columns=[*columns, "label"] if labelled
                               else columns)
        # the exports' row order is not defined (DuckDB writes them in parallel): draw in key order, so that a
        # pair gets the same probability on every build
        source = source.sort_by([(column, "ascending") for column in columns])
        if labelled:
            bought = source.column("label").to_numpy() == 1
        else:
            truth = read_answers(answers) if answers and answers.exists() else set()
            pairs = zip(source.column("user_id").to_pylist(), source.column("item_id").to_pylist(), strict=True)
            bought = np.array([pair in truth for pair in pairs], dtype=bool)
        probs = _probabilities(rng, bought).astype(np.float32)
        table = pa.table({
            "logits": pa.array(np.log(probs / (1 - probs)), pa.float32()),
            "probs": pa.array(probs, pa.float32()),
            "user_id": source.column("user_id").cast(pa.int64()),
            "item_id": source.column("item_id").cast(pa.int64()),
            "cutoff_date": source.column("cutoff_date").cast(pa.string()),
        })
        if labelled:
            table = table.append_column("label", source.column("label").cast(pa.int32()))
        _write_parts(table, predictions / data_set, rng)
    return predictions
