"""Checking the Parquet exports against a config before anything is launched.

tzrec (fg_mode FG_NONE) reads one column per feature and fails deep inside a worker, minutes in, on a
missing column, an unsupported type or an id outside its buckets (`Index ... is out of bounds`). This
module finds those problems in seconds and names the config, the feature, the file and the fix.

Rules (tzrec 0.9, datasets/dataset.py AVAILABLE_PA_TYPES and features/*.py):
* every column tzrec reads (features, labels, sample weights, reserved columns) must be int32, int64,
  float, double or string (or lists/maps of those): no date, timestamp, bool, int8/16, decimal;
* id features (and raw features with `boundaries`): integer (or list of integer) ids in [0, num_buckets);
* raw features without boundaries: float/double/int, no nulls, NaN or infinity (FG_NONE runs no
  normaliser and no default filling: a null becomes NaN in the loss);
* sequence features: string columns `<sequence_name>__<feature_name>`, elements joined by
  `sequence_delim`, each element an integer in [0, num_buckets) for id sub-features; tzrec does not cut a
  sequence to `sequence_length` under FG_NONE (a longer one only warns here: the export should cut it);
* labels: integer or float, no nulls.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from runner import parquet_files
from runner.contracts import documented_columns
from runner.exports import export_problem
from runner.paths import input_files
from runner.tzrec.config import ConfigSummary, FeatureSpec

log = logging.getLogger(__name__)

SCALAR_TYPES = (pa.int32(), pa.int64(), pa.float32(), pa.float64(), pa.string())
INTEGER_TYPES = (pa.int32(), pa.int64())
NUMERIC_TYPES = (pa.int32(), pa.int64(), pa.float32(), pa.float64())
BATCH_ROWS = 1 << 18


class PreflightError(ValueError):
    pass


@dataclass(frozen=True)
class DataSet:
    """One Parquet input of a step: `role` is train, eval or predict."""

    role: str
    path: Path
    needs_label: bool = False
    reserved: tuple[str, ...] = ()  # reserved columns that must exist (passed through to predictions)
    optional_reserved: tuple[str, ...] = ()  # passed through where present


@dataclass
class _Report:
    config: Path
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        self.problems.append(text)


def tzrec_input_path(path: Path) -> str:
    """The input path as tzrec's ParquetDataset takes it (a file or a glob; a folder becomes folder/*.parquet)."""
    path = path.absolute()
    return str(path / "*.parquet") if path.is_dir() else str(path)


def _type_ok(data_type: pa.DataType, allowed: Sequence[pa.DataType], lists: bool) -> bool:
    if data_type in allowed:
        return True
    return lists and pa.types.is_list(data_type) and data_type.value_type in allowed


def _iter_column(files: Iterable[Path], column: str) -> Iterable[pa.Array]:
    for path in files:
        parquet = parquet_files.parquet_file(path)
        with parquet_files.reading(path):
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=[column]):
                yield batch.column(0)


def _flatten(array: pa.Array) -> pa.Array:
    while pa.types.is_list(array.type):
        array = pc.list_flatten(array)
    return array


def _sequence_tokens(array: pa.Array, delim: str, multival_sep: str) -> tuple[pa.Array, int]:
    """The id tokens of a sequence string column (empty or null rows are empty sequences) and the longest length."""
    array = pc.if_else(pc.equal(array, ""), pa.nulls(len(array), pa.string()), array)
    elements = pc.split_pattern(array, delim)
    lengths = pc.list_value_length(elements)
    longest = pc.max(lengths).as_py() or 0
    tokens = pc.list_flatten(pc.split_pattern(pc.list_flatten(elements), multival_sep))
    return tokens, longest


def _check_values(report: _Report, feature: FeatureSpec, data: DataSet, files: list[Path],
                  data_type: pa.DataType, multival_sep: str) -> None:
    where = f"feature `{feature.column}` ({feature.label}) in {data.path}"
    lowest, highest, nulls, bad_float, longest, rows = math.inf, -math.inf, 0, 0, 0, 0
    for array in _iter_column(files, feature.column):
        rows += len(array)
        if feature.is_sparse:
            if pa.types.is_string(data_type):
                tokens, seq_longest = _sequence_tokens(array, feature.sequence_delim or ";", multival_sep)
                longest = max(longest, seq_longest)
                is_int = pc.match_substring_regex(tokens, r"^-?[0-9]+$")
                if not pc.all(is_int).as_py() and len(tokens):
                    example = tokens.filter(pc.invert(is_int))[0].as_py()
                    report.problem(
                        f"{where}: element {example!r} is not an integer id (elements are joined by "
                        f"{feature.sequence_delim!r}, with no empty elements); fix the export's string building"
                    )
                    return
                values = pc.cast(tokens, pa.int64())
            else:
                values = _flatten(array)
                if feature.is_sequence:
                    longest = max(longest, pc.max(pc.list_value_length(array)).as_py() or 0)
            bounds = pc.min_max(values)
            if bounds["min"].as_py() is not None:
                lowest = min(lowest, bounds["min"].as_py())
                highest = max(highest, bounds["max"].as_py())
        elif feature.kind in ("raw", "sequence_raw") and not pa.types.is_string(data_type):
            values = _flatten(array)
            nulls += values.null_count
            if pa.types.is_floating(values.type):
                bad_float += pc.sum(pc.invert(pc.is_finite(values.drop_null()))).as_py() or 0
    out_of_range = lowest <= highest and (lowest < 0 or highest >= (feature.num_buckets or math.inf))
    if feature.is_sparse and feature.num_buckets is not None and out_of_range:
        source = f" (filled from id_buckets key `{feature.filled_from}`)" if feature.filled_from else ""
        report.problem(
            f"{where}: ids range over [{lowest}, {highest}] but num_buckets is {feature.num_buckets}{source}; "
            f"ids must lie in [0, {feature.num_buckets}): map raw ids to dense ids in the export, or raise "
            "num_buckets (in id_buckets or the config)"
        )
    if nulls:
        report.problem(f"{where}: {nulls:,} of {rows:,} values are null (tzrec turns them into NaN); "
                       "fill them in the export (coalesce)")
    if bad_float:
        report.problem(f"{where}: {bad_float:,} values are NaN or infinite; clean them in the export")
    if feature.sequence_length and longest > feature.sequence_length:
        report.warnings.append(
            f"{where}: sequences up to {longest} long, sequence_length is {feature.sequence_length} (tzrec does "
            "not cut them under FG_NONE): keep only the latest elements in the export"
        )


@functools.cache
def _contract_columns() -> frozenset[str]:
    """Every column some export documents (models_sql/exports/_exports__models.yml): a feature missing
    from a file but named there means the file is older than the feature."""
    return frozenset(name for columns in documented_columns().values() for name in columns)


def _check_feature(report: _Report, feature: FeatureSpec, data: DataSet, files: list[Path],
                   schema: pa.Schema, multival_sep: str) -> None:
    where = f"feature `{feature.column}` ({feature.label}) in {data.path}"
    if feature.column not in schema.names:
        if feature.column in _contract_columns():
            report.problem(f"{where}: no such column, but the exports' contract has it, so this file was built "
                           f"before the column existed: rebuild the exports (`python -m runner build`)")
            return
        hint = ""
        if feature.is_sequence and feature.sequence_name:
            hint = f" (a sequence sub-feature reads the column `{feature.sequence_name}__<feature_name>`)"
        report.problem(f"{where}: no such column{hint}; add it to the export or remove the feature from the config")
        return
    data_type = schema.field(feature.column).type
    if feature.kind == "other":
        if not _type_ok(data_type, SCALAR_TYPES, lists=True):
            report.problem(f"{where}: column type {data_type} is not readable by tzrec (int32/int64/float/double/"
                           "string or lists of them)")
        return
    if feature.is_sequence:
        wanted, ok = "a string of elements joined by " + repr(feature.sequence_delim), (
            pa.types.is_string(data_type) or _type_ok(data_type, NUMERIC_TYPES, lists=True)
            or (pa.types.is_list(data_type) and _type_ok(data_type.value_type, NUMERIC_TYPES, lists=True)))
    elif feature.is_sparse:
        wanted, ok = "integer ids (BIGINT)", _type_ok(data_type, INTEGER_TYPES, lists=True)
    elif feature.value_dim > 1:
        wanted, ok = "a list of floats", _type_ok(data_type, NUMERIC_TYPES, lists=True) or pa.types.is_string(
            data_type)
    else:
        wanted, ok = "a number (float, double or int)", data_type in NUMERIC_TYPES
    if not ok:
        fix = "cast it in the export"
        if pa.types.is_integer(data_type) and feature.is_sparse:
            fix = "cast it to BIGINT in the export (tzrec reads only int32/int64)"
        elif pa.types.is_string(data_type) and feature.is_sparse:
            fix = "ids must be integers already inside [0, num_buckets): map them in the export"
        report.problem(f"{where}: column type is {data_type}, expected {wanted}; {fix}")
        return
    _check_values(report, feature, data, files, data_type, multival_sep)


def _check_plain_column(report: _Report, name: str, what: str, data: DataSet, schema: pa.Schema,
                        allowed: Sequence[pa.DataType], files: list[Path], no_nulls: bool) -> None:
    if name not in schema.names:
        report.problem(f"{what} `{name}`: no such column in {data.path}; add it to the export")
        return
    data_type = schema.field(name).type
    if data_type not in allowed:
        fix = "cast it in the export"
        if pa.types.is_date(data_type) or pa.types.is_timestamp(data_type):
            fix = "export it as a string (strftime '%Y-%m-%d') or an integer such as 20141218"
        elif pa.types.is_integer(data_type) or pa.types.is_boolean(data_type):
            fix = "cast it to INTEGER or BIGINT in the export"
        kinds = ", ".join(str(t) for t in allowed)
        report.problem(f"{what} `{name}` in {data.path} is {data_type}; tzrec reads only {kinds}: {fix}")
        return
    if no_nulls:
        nulls = sum(array.null_count for array in _iter_column(files, name))
        if nulls:
            report.problem(f"{what} `{name}` in {data.path} has {nulls:,} nulls; fill or drop them in the export")


def preflight(summary: ConfigSummary, datasets: Sequence[DataSet]) -> list[str]:
    """Check every data set against the config; raise PreflightError listing every problem found.

    Returns the warnings (not fatal), which the caller logs.
    """
    report = _Report(summary.source)
    features = [f for f in summary.features]
    for data in datasets:
        files = input_files(data.path)
        if not files:
            report.problem(
                f"{data.role} data {data.path} does not exist (or holds no *.parquet): build the exports "
                f"(`python -m runner build`) or pass --{data.role}-data"
            )
            continue
        unfinished = [problem for problem in map(export_problem, files) if problem]
        if unfinished:
            for problem in unfinished:
                report.problem(f"{data.role} data: {problem}")
            continue
        schemas = [parquet_files.read_schema(path) for path in files]
        schema = schemas[0]
        for path, other in zip(files[1:], schemas[1:], strict=True):
            if not other.equals(schema):
                report.problem(f"{data.role} data: {path} has a different schema from {files[0]}")
        for feature in features:
            _check_feature(report, feature, data, files, schema, summary.multival_sep)
        if data.needs_label:
            for label in summary.label_fields:
                _check_plain_column(report, label, "label", data, schema, NUMERIC_TYPES, files, no_nulls=True)
            for weight in summary.sample_weight_fields:
                _check_plain_column(report, weight, "sample weight", data, schema, NUMERIC_TYPES, files,
                                    no_nulls=True)
        for name in data.reserved:
            _check_plain_column(report, name, "reserved column", data, schema, SCALAR_TYPES, files, no_nulls=False)
        for name in data.optional_reserved:
            if name in schema.names:
                _check_plain_column(report, name, "reserved column", data, schema, SCALAR_TYPES, files,
                                    no_nulls=False)
    if report.problems:
        listed = "\n".join(f"  - {problem}" for problem in report.problems)
        raise PreflightError(
            f"pre-flight check of {summary.source} against the data failed ({len(report.problems)} problem(s)):\n"
            f"{listed}"
        )
    for warning in report.warnings:
        log.warning("%s: %s", summary.source, warning)
    return report.warnings
