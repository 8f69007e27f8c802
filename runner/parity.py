"""Row-for-row comparison of two builds' Parquet exports (e.g. DuckDB's and Spark's).

An export is `<processed_dir>/<name>.parquet`: a file (DuckDB) or a folder of part files (Spark);
both read as one table. Two exports are equal when they have the same columns in the same order
with the same Arrow types, the same keys (each once), and per key: integers and strings (labels,
id codes, the ';'-joined sequence strings, whose order is their meaning) identical, floating-point
features equal within `rtol` / `atol`. Optionally the row order is compared too (train is shuffled
by a seeded hash, and tzrec reads it in order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

SAMPLE_KEYS = ("cutoff_date", "user_id", "item_id")
# Every export the build writes, with its key columns.
EXPORT_KEYS: dict[str, tuple[str, ...]] = {
    "train": SAMPLE_KEYS,
    "train_all_negatives": SAMPLE_KEYS,
    "validation": SAMPLE_KEYS,
    "eval": SAMPLE_KEYS,
    "predict": SAMPLE_KEYS,
    "id_buckets": ("feature_name",),
}
# Float features are ln(1 + x) of counts or ratios: equal to the last bits up to summation order.
DEFAULT_RTOL = 1e-9
DEFAULT_ATOL = 1e-12
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Difference:
    """One way two exports differ. kind: schema, duplicate_key, missing_key, order, label, numeric, text."""

    export: str
    kind: str
    column: str
    detail: str

    def __str__(self) -> str:
        where = f".{self.column}" if self.column else ""
        return f"{self.export}{where} [{self.kind}] {self.detail}"


def read_export(path: Path) -> pa.Table:
    """An export as one table, whether `path` is a Parquet file or a folder of part files."""
    if path.is_dir():
        files = sorted(p for p in path.glob("*.parquet") if not p.name.startswith((".", "_")))
        if not files:
            raise FileNotFoundError(f"{path} is a folder without *.parquet files")
        return pa.concat_tables([pq.read_table(f) for f in files])
    return pq.read_table(path)


def compare_tables(
    export: str,
    expected: pa.Table,
    actual: pa.Table,
    keys: Sequence[str],
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    check_order: bool = False,
) -> list[Difference]:
    """Every difference of `actual` from `expected` (at most MAX_EXAMPLES examples each)."""
    differences = _schema_differences(export, expected.schema, actual.schema)
    if differences:
        return differences
    left, right = expected.to_pandas(), actual.to_pandas()
    keys = list(keys)
    for side, frame in (("expected", left), ("actual", right)):
        repeated = frame[frame.duplicated(keys, keep=False)]
        if len(repeated):
            differences.append(Difference(export, "duplicate_key", "", f"{len(repeated)} {side} rows share a key, "
                                          f"e.g. {_examples(repeated, keys)}"))
    if differences:
        return differences
    merged = left.merge(right, on=keys, how="outer", suffixes=("__expected", "__actual"), indicator=True)
    for side, flag in (("expected", "left_only"), ("actual", "right_only")):
        only = merged[merged["_merge"] == flag]
        if len(only):
            differences.append(Difference(export, "missing_key", "", f"{len(only)} keys only in the {side} export, "
                                          f"e.g. {_examples(only, keys)}"))
    both = merged[merged["_merge"] == "both"]
    for field in expected.schema:
        if field.name not in keys:
            differences += _column_differences(export, field, both, keys, rtol, atol)
    if check_order and not differences:
        differences += _order_differences(export, left, right, keys)
    return differences


def compare_exports(
    expected_dir: Path,
    actual_dir: Path,
    names: Sequence[str] = tuple(EXPORT_KEYS),
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    ordered: Sequence[str] = ("train", "train_all_negatives"),
) -> list[Difference]:
    """Every difference between the exports `names` of two processed folders."""
    differences: list[Difference] = []
    for name in names:
        expected, actual = (read_export(folder / f"{name}.parquet") for folder in (expected_dir, actual_dir))
        differences += compare_tables(name, expected, actual, EXPORT_KEYS[name], rtol=rtol, atol=atol,
                                      check_order=name in ordered)
    return differences


def _schema_differences(export: str, expected: pa.Schema, actual: pa.Schema) -> list[Difference]:
    if expected.names != actual.names:
        return [Difference(export, "schema", "", f"columns differ: expected {expected.names}, got {actual.names}")]
    return [
        Difference(export, "schema", field.name, f"type {actual.field(field.name).type}, expected {field.type}")
        for field in expected
        if not actual.field(field.name).type.equals(field.type)
    ]


def _column_differences(
    export: str, field: pa.Field, both: pd.DataFrame, keys: list[str], rtol: float, atol: float
) -> list[Difference]:
    left, right = both[f"{field.name}__expected"], both[f"{field.name}__actual"]
    if pa.types.is_floating(field.type):
        a, b = left.to_numpy(dtype=float), right.to_numpy(dtype=float)
        same = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        kind = "numeric"
        tolerance = f" beyond rtol {rtol:g} / atol {atol:g}"
    else:
        same = ((left == right) | (left.isna() & right.isna())).to_numpy()
        kind = "label" if field.name == "label" else "text" if pa.types.is_string(field.type) else "numeric"
        tolerance = ""
    if same.all():
        return []
    bad = both[~same]
    examples = ", ".join(
        f"{_key_text(row, keys)}: {row[f'{field.name}__expected']!r} vs {row[f'{field.name}__actual']!r}"
        for _, row in bad.head(MAX_EXAMPLES).iterrows()
    )
    return [Difference(export, kind, field.name, f"{len(bad)} rows differ{tolerance} (expected vs actual): {examples}")]


def _order_differences(export: str, left: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> list[Difference]:
    left_keys = left[keys].reset_index(drop=True)
    right_keys = right[keys].reset_index(drop=True)
    moved = ~(left_keys == right_keys).all(axis=1).to_numpy()
    if not moved.any():
        return []
    first = int(np.argmax(moved))
    expected, actual = (_key_text(frame.iloc[first], keys) for frame in (left_keys, right_keys))
    return [Difference(export, "order", "", f"{int(moved.sum())} rows in another position; the first at row {first}: "
                       f"expected {expected}, got {actual}")]


def _key_text(row: pd.Series, keys: list[str]) -> str:
    return "(" + ", ".join(str(row[k]) for k in keys) + ")"


def _examples(frame: pd.DataFrame, keys: list[str]) -> str:
    return ", ".join(_key_text(row, keys) for _, row in frame.head(MAX_EXAMPLES).iterrows())
