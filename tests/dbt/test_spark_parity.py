"""DuckDB and Spark (dbt-spark, session method, local mode) build the same data from the same raw files.

One small generated month, with a few malformed lines put in at known places, is built by both
engines (models and seeds; the data tests run in the DuckDB suite, and once on the default data on
Spark: docs/guide/scaling.md#parity-tested). Then, row for row (runner.parity): the six Parquet exports tzrec reads
(same schema, keys, labels, id codes and sequence strings; float features within a tolerance; both
training exports in the same shuffled order), the rejected raw lines with their file and line number,
and the table models of the marts and evaluation folders. Spark reads the raw files in splits of 256 kB here, so
the line numbering across splits is exercised as on a cluster.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from dbt_helpers import DbtProject, generated_vars
from process_helpers import copy_project

from runner.parity import EXPORT_KEYS, compare_exports, compare_tables, read_export
from runner.synthetic import generate

PARITY_USERS = 200
PARITY_SEED = 23
SPLIT_BYTES = 256 * 1024
PART_A = "tianchi_fresh_comp_train_user_online_partA.txt"
# (line number, text) put into partA: each is rejected, with its reason, on both engines.
BAD_LINES = [
    (3, "not\ta\tbehaviour\tline"),
    (2_000, ""),
    (5_001, "1\t2\t3\t\t4\t2014-12-01 25"),
    (9_999, "12\t34\t5\t\t6\t2014-12-01 10"),
]
# Table models compared besides the exports, with their keys (None: every non-float column).
TABLES: dict[str, tuple[str, ...] | None] = {
    "stg_tianchi__rejected_rows": ("source_file", "source_line"),
    "int_id_vocabulary": ("id_kind", "raw_id"),
    "samples": ("cutoff_date", "user_id", "item_id"),
    "profile__files": ("file_kind", "source_file"),
    "profile__daily": None,
    "profile__overview": None,
    "profile__calibration": ("statistic",),
    "candidate_recall": None,
    "rule_cart_baseline": None,
}

pytestmark = [pytest.mark.slow, pytest.mark.spark]


@pytest.fixture(scope="module")
def _spark_installed() -> None:
    missing = [name for name, found in (("pyspark", _has_module("pyspark")), ("java", shutil.which("java")))
               if not found]
    if missing:
        message = f"Spark parity needs {', '.join(missing)} (`make setup-spark`; Java 17 on PATH)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set: {message}")
        pytest.skip(message)


def _has_module(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def parity_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated month whose partA holds BAD_LINES at their line numbers."""
    out = tmp_path_factory.mktemp("parity_raw")
    generate(out, n_users=PARITY_USERS, seed=PARITY_SEED, progress=False)
    path = out / PART_A
    lines = path.read_text().split("\n")
    for number, text in BAD_LINES:
        lines.insert(number - 1, text)
    path.write_text("\n".join(lines))
    return out


@pytest.fixture(scope="module")
def builds(_spark_installed: None, parity_raw: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[DbtProject, DbtProject]:
    """(DuckDB, Spark) projects, each built once from parity_raw into its own processed/."""
    duck = DbtProject(tmp_path_factory.mktemp("parity_duckdb"))
    spark = DbtProject(tmp_path_factory.mktemp("parity_spark"), target="spark",
                       env={"SPARK_MAX_PARTITION_BYTES": str(SPLIT_BYTES), "SPARK_DRIVER_MEMORY": "2g"})
    for project in (duck, spark):
        dbt_vars = generated_vars(parity_raw, project.workdir / "processed")
        project.run("build", "--exclude-resource-type", "test", dbt_vars=dbt_vars).check()
    return duck, spark


def test_exports_are_equal_row_for_row(builds: tuple[DbtProject, DbtProject]) -> None:
    duck, spark = builds
    differences = compare_exports(duck.workdir / "processed", spark.workdir / "processed")
    assert not differences, "Spark's exports differ from DuckDB's:\n" + "\n".join(map(str, differences))


def test_spark_exports_are_one_file_each_with_duckdb_column_types(builds: tuple[DbtProject, DbtProject]) -> None:
    duck, spark = builds
    for name in EXPORT_KEYS:
        folder = spark.workdir / "processed" / f"{name}.parquet"
        assert len(list(folder.glob("*.parquet"))) == 1, f"{folder}: not one part file"
        expected = read_export(duck.workdir / "processed" / f"{name}.parquet").schema
        assert [(f.name, f.type) for f in read_export(folder).schema] == [(f.name, f.type) for f in expected]


def test_rejected_lines_keep_their_file_and_line_number(builds: tuple[DbtProject, DbtProject],
                                                        parity_raw: Path) -> None:
    _, spark = builds
    rejected = read_export(spark.spark_table("stg_tianchi__rejected_rows")).to_pylist()
    found = sorted((row["source_line"], row["raw_line"]) for row in rejected
                   if row["source_file"] == str(parity_raw / PART_A))
    assert found == [(number, text or None) for number, text in BAD_LINES]


@pytest.mark.parametrize("table", list(TABLES))
def test_table_models_are_equal(builds: tuple[DbtProject, DbtProject], table: str) -> None:
    duck, spark = builds
    with duckdb.connect(str(duck.database), read_only=True) as connection:
        expected = connection.sql(f"select * from main.{table}").to_arrow_table()
    actual = read_export(spark.spark_table(table))
    expected, actual = _comparable(expected, actual)
    keys = TABLES[table] or [f.name for f in expected.schema if not pa.types.is_floating(f.type)]
    differences = compare_tables(table, expected, actual, keys)
    assert not differences, f"{table} differs between engines:\n" + "\n".join(map(str, differences))


def _comparable(expected: pa.Table, actual: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Both tables with column types aligned where the engines' SQL types differ by design inside the
    build (DuckDB's decimal and HUGEINT sums, Spark's decimal division): a numeric column typed
    differently becomes double on both sides. The exports, which tzrec reads, are compared strictly."""
    if expected.schema.names != actual.schema.names:
        return expected, actual
    fields = []
    for left, right in zip(expected.schema, actual.schema, strict=True):
        numeric = all(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
                      for t in (left.type, right.type))
        fields.append(pa.field(left.name, pa.float64() if numeric and left.type != right.type else left.type))
    schema = pa.schema(fields)
    return expected.cast(schema), actual.cast(schema)


def test_the_documented_spark_command_reads_the_default_relative_raw_dir(
        _spark_installed: None, parity_raw: Path, tmp_path: Path) -> None:
    """docs/guide/scaling.md's command, as a user types it in a fresh clone with the month in data/raw/ (the
    default raw_dir, a relative path): `DBT_PROFILES_DIR=. .venv/bin/dbt build --target spark`, here only up to
    profile__files (the staging models and one table, without their data tests) to stay small. Spark resolves a
    relative table location against its warehouse, so the raw sources' macros make it absolute from the folder
    dbt runs in."""
    clone = copy_project(tmp_path / "clone")
    raw = clone / "data" / "raw"
    shutil.copytree(parity_raw, raw)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DBT_", "TIANCHI_", "SPARK_"))}
    env.update({"DBT_PROFILES_DIR": ".", "SPARK_DRIVER_MEMORY": "2g", "NO_COLOR": "1"})
    command = [".venv/bin/dbt", "build", "--target", "spark", "--select", "+profile__files", "--exclude-resource-type",
               "test"]
    completed = subprocess.run(command,
                               cwd=clone, env=env, capture_output=True, text=True, timeout=900, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-5000:]
    assert "missing or empty" not in output
    files = read_export(clone / "data" / "spark" / "warehouse" / "tianchi.db" / "profile__files").to_pylist()
    lines = {row["source_file"]: row["valid_rows"] + row["rejected_rows"] for row in files}
    expected = {f"data/raw/{path.name}": len(path.read_bytes().splitlines())
                for path in raw.glob("*.txt")}
    assert lines == expected
