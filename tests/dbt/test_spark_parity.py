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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class SparkClone:
    """The Spark build: docs/guide/scaling.md's command, typed in a fresh clone whose data/raw/ holds the month."""

    root: Path
    output: str

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    def table(self, name: str) -> Path:
        return self.root / "data" / "spark" / "warehouse" / "tianchi.db" / name


@pytest.fixture(scope="module")
def builds(_spark_installed: None, parity_raw: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[DbtProject, SparkClone]:
    """The DuckDB project and the Spark clone, each built once from parity_raw.

    Spark runs as docs/guide/scaling.md writes it, `DBT_PROFILES_DIR=. .venv/bin/dbt build --target spark`, in a
    copy of the project with the month in data/raw/ (the default raw_dir, a relative path: Spark resolves a relative
    table location against its warehouse, so the raw sources' macros make it absolute from the folder dbt runs in),
    with no var and none of the runner's or the other tests' environment; only the split size (to number lines
    across splits) and the driver's memory are set, and the data tests are left out."""
    duck = DbtProject(tmp_path_factory.mktemp("parity_duckdb"))
    duck.run("build", "--exclude-resource-type", "test",
             dbt_vars=generated_vars(parity_raw, duck.workdir / "processed")).check()
    clone = copy_project(tmp_path_factory.mktemp("parity_spark") / "clone")
    shutil.copytree(parity_raw, clone / "data" / "raw")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DBT_", "TIANCHI_", "SPARK_"))}
    env.update({"DBT_PROFILES_DIR": ".", "SPARK_DRIVER_MEMORY": "2g", "SPARK_MAX_PARTITION_BYTES": str(SPLIT_BYTES),
                "NO_COLOR": "1"})
    completed = subprocess.run([".venv/bin/dbt", "build", "--target", "spark", "--exclude-resource-type", "test"],
                               cwd=clone, env=env, capture_output=True, text=True, timeout=1800, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-5000:]
    return duck, SparkClone(clone, output)


def test_exports_are_equal_row_for_row(builds: tuple[DbtProject, SparkClone]) -> None:
    duck, spark = builds
    differences = compare_exports(duck.workdir / "processed", spark.processed)
    assert not differences, "Spark's exports differ from DuckDB's:\n" + "\n".join(map(str, differences))


def test_spark_exports_are_one_file_each_with_duckdb_column_types(builds: tuple[DbtProject, SparkClone]) -> None:
    duck, spark = builds
    for name in EXPORT_KEYS:
        folder = spark.processed / f"{name}.parquet"
        assert len(list(folder.glob("*.parquet"))) == 1, f"{folder}: not one part file"
        expected = read_export(duck.workdir / "processed" / f"{name}.parquet").schema
        assert [(f.name, f.type) for f in read_export(folder).schema] == [(f.name, f.type) for f in expected]


def test_rejected_lines_keep_their_file_and_line_number(builds: tuple[DbtProject, SparkClone]) -> None:
    _, spark = builds
    rejected = read_export(spark.table("stg_tianchi__rejected_rows")).to_pylist()
    found = sorted((row["source_line"], row["raw_line"]) for row in rejected
                   if row["source_file"] == f"data/raw/{PART_A}")
    assert found == [(number, text or None) for number, text in BAD_LINES]


@pytest.mark.parametrize("table", list(TABLES))
def test_table_models_are_equal(builds: tuple[DbtProject, SparkClone], table: str) -> None:
    duck, spark = builds
    with duckdb.connect(str(duck.database), read_only=True) as connection:
        expected = connection.sql(f"select * from main.{table}").to_arrow_table()
    actual = read_export(spark.table(table))
    expected, actual = _comparable(_file_names(expected), _file_names(actual))
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


def test_the_documented_spark_command_reads_the_default_relative_raw_dir(builds: tuple[DbtProject, SparkClone],
                                                                         parity_raw: Path) -> None:
    """The Spark build ran as a user types it (the fixture): every raw file was found under the relative default
    raw_dir and every one of its lines counted."""
    _, spark = builds
    assert "missing or empty" not in spark.output
    files = read_export(spark.table("profile__files")).to_pylist()
    lines = {row["source_file"]: row["valid_rows"] + row["rejected_rows"] for row in files}
    expected = {f"data/raw/{path.name}": len(path.read_bytes().splitlines())
                for path in (spark.root / "data" / "raw").glob("*.txt")}
    assert lines == expected and len(expected) == len(list(parity_raw.glob("*.txt")))


def _file_names(table: pa.Table) -> pa.Table:
    """source_file as the file's name: DuckDB read the month at its absolute path, Spark at data/raw/ in its clone."""
    if "source_file" not in table.column_names:
        return table
    names = pa.array([None if path is None else Path(path).name for path in table.column("source_file").to_pylist()],
                     type=table.schema.field("source_file").type)
    return table.set_column(table.column_names.index("source_file"), "source_file", names)
