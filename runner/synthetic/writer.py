"""Writes generated rows in exactly the real competition formats (docs/guide/data.md#the-raw-files)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

BEHAVIOR_COLUMNS = ["user_id", "item_id", "behavior_type", "user_geohash", "item_category", "time"]
ITEM_COLUMNS = ["item_id", "item_geohash", "item_category"]


@dataclass(frozen=True)
class Edition:
    """File names and text format of one edition of the competition data."""

    name: str
    behavior_files: tuple[str, ...]
    item_file: str
    delimiter: str
    header: bool
    crlf: bool


EDITIONS = {
    "online": Edition(
        name="online",
        behavior_files=(
            "tianchi_fresh_comp_train_user_online_partA.txt",
            "tianchi_fresh_comp_train_user_online_partB.txt",
        ),
        item_file="tianchi_fresh_comp_train_item_online.txt",
        delimiter="\t",
        header=False,
        crlf=False,
    ),
    "offline": Edition(
        name="offline",
        behavior_files=("tianchi_fresh_comp_train_user.csv",),
        item_file="tianchi_fresh_comp_train_item.csv",
        delimiter=",",
        header=True,
        crlf=True,
    ),
}

ANSWERS_DIR = "answers"
ANSWERS_FILE = "answers_20141219.txt"
# The raw files the answers belong to (name and size in bytes), written last: the build uses the answers only
# when the raw files it reads are exactly these (dbt_project/macros/answers_manifest.sql), so answers left from
# another month are never scored against other files.
MANIFEST_FILE = "raw_files.tsv"
PROBABILITIES_FILE = "purchase_prob_20141219.parquet"
EXPECTED_UNTRACED_KEY = b"expected_untraced_buys"


def encode_text(table: pa.Table, edition: Edition, with_header: bool) -> bytes:
    """The table as delimited text without quotes; null is an empty field (as in the real files)."""
    buffer = io.BytesIO()
    options = pacsv.WriteOptions(
        include_header=False, delimiter=edition.delimiter, quoting_style="none"
    )
    pacsv.write_csv(table, buffer, write_options=options)
    body = buffer.getvalue()
    if with_header:
        body = (edition.delimiter.join(table.column_names) + "\n").encode() + body
    if edition.crlf:
        body = body.replace(b"\n", b"\r\n")
    return body


class BehaviorFileWriter:
    """Appends chunks of behaviour rows, each chunk split evenly over the edition's files."""

    def __init__(self, out_dir: Path, edition: Edition):
        self.edition = edition
        self.paths = [out_dir / name for name in edition.behavior_files]
        self.rows_written = 0
        for path in self.paths:
            header = self.edition.delimiter.join(BEHAVIOR_COLUMNS) + "\n" if edition.header else ""
            path.write_bytes(header.encode().replace(b"\n", b"\r\n" if edition.crlf else b"\n"))

    def write(self, table: pa.Table) -> None:
        n_files = len(self.paths)
        bounds = [table.num_rows * k // n_files for k in range(n_files + 1)]
        for path, start, stop in zip(self.paths, bounds[:-1], bounds[1:], strict=False):
            with open(path, "ab") as handle:
                handle.write(encode_text(table.slice(start, stop - start), self.edition, with_header=False))
        self.rows_written += table.num_rows


def behavior_table(
    user_id: np.ndarray,
    item_id: np.ndarray,
    behavior: np.ndarray,
    geohash_dictionary: pa.Array,
    location: np.ndarray,
    category_id: np.ndarray,
    time_dictionary: pa.Array,
    time_index: np.ndarray,
) -> pa.Table:
    geohash = pc.take(geohash_dictionary, pa.array(location, mask=location < 0))
    return pa.table(
        {
            "user_id": pa.array(user_id, pa.int64()),
            "item_id": pa.array(item_id, pa.int64()),
            "behavior_type": pa.array(behavior, pa.int8()),
            "user_geohash": geohash,
            "item_category": pa.array(category_id, pa.int64()),
            "time": pc.take(time_dictionary, pa.array(time_index)),
        }
    )


def write_items(path: Path, edition: Edition, item_id: np.ndarray, geohash: pa.Array, category: np.ndarray) -> int:
    table = pa.table(
        {
            "item_id": pa.array(item_id, pa.int64()),
            "item_geohash": geohash,
            "item_category": pa.array(category, pa.int64()),
        }
    )
    path.write_bytes(encode_text(table, edition, with_header=edition.header))
    return table.num_rows


def write_answers(out_dir: Path, user_id: np.ndarray, item_id: np.ndarray) -> Path:
    """Distinct (user, P item) pairs bought on 12-19, in the submission format."""
    path = out_dir / ANSWERS_DIR / ANSWERS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    pairs = np.unique(np.stack([user_id, item_id], axis=1), axis=0) if user_id.size else np.empty((0, 2), np.int64)
    table = pa.table({"user_id": pa.array(pairs[:, 0], pa.int64()), "item_id": pa.array(pairs[:, 1], pa.int64())})
    path.write_bytes(encode_text(table, EDITIONS["online"], with_header=False))
    return path


def write_manifest(out_dir: Path, raw_files: list[Path]) -> Path:
    """answers/raw_files.tsv: `file<TAB>bytes`, one line per raw file written, after a header line."""
    path = out_dir / ANSWERS_DIR / MANIFEST_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["file\tbytes", *(f"{raw.name}\t{raw.stat().st_size}" for raw in raw_files)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_probabilities(
    out_dir: Path, user_id: np.ndarray, item_id: np.ndarray, prob: np.ndarray, expected_untraced: float
) -> Path:
    """The generator's P(purchase on 12-19 | state at the end of 12-18) per known (user, P item) pair.

    Several live interests of one pair combine as 1 - prod(1 - p). The expected number of
    purchases that no pair here can foresee (interests that start on 12-19) is kept in the
    file's metadata, so that the expected F1 of a submission can be computed.
    """
    path = out_dir / ANSWERS_DIR / PROBABILITIES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({"user_id": user_id.astype(np.int64), "item_id": item_id.astype(np.int64),
                      "log_miss": np.log1p(-np.asarray(prob, dtype=np.float64))})
    grouped = table.group_by(["user_id", "item_id"]).aggregate([("log_miss", "sum")])
    combined = -np.expm1(grouped.column("log_miss_sum").to_numpy())
    result = pa.table({"user_id": grouped.column("user_id"), "item_id": grouped.column("item_id"),
                       "prob": pa.array(combined, pa.float64())})
    result = result.sort_by([("user_id", "ascending"), ("item_id", "ascending")])
    result = result.replace_schema_metadata({EXPECTED_UNTRACED_KEY: repr(float(expected_untraced)).encode()})
    pq.write_table(result, path)
    return path
