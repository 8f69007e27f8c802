"""Helpers for the dbt integration tests (tests/dbt/): dbt runs as a subprocess from the project root, on
fixture files named through --vars, into a DuckDB file of its own under pytest's tmp_path.

Paths in the vars are relative to the project root, where dbt runs: the real Tianchi rows are
read in place at ../shared/data/real/ (never copied), the hand-made ones at tests/fixtures/dbt/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REAL_DATA = "../shared/data/real"
FIXTURES = "tests/fixtures/dbt"
DBT = Path(sys.executable).with_name("dbt")
DBT_TIMEOUT_S = 600
# The shared small generated month (conftest.generated): a tenth of the default scale keeps the build to seconds.
GENERATED_USERS = 2_000
GENERATED_SEED = 11


def generated_vars(raw: Path, processed: Path, **extra: object) -> dict[str, object]:
    """dbt vars that point a build at a generated month and its own exports folder."""
    return {
        "raw_dir": str(raw),
        "processed_dir": str(processed),
        "answers_path": str(raw / "answers" / "answers_20141219.txt"),
        **extra,
    }


def project_path(relative: str) -> Path:
    """A path given to dbt (relative to the project root) as a path pytest can open."""
    return (PROJECT_ROOT / relative).resolve()


def file_lines(relative: str) -> list[str]:
    """The file's lines as an editor numbers them (line n is item n - 1), without line ends."""
    text = project_path(relative).read_bytes().decode("latin-1")
    lines = text.split("\n")
    if lines and lines[-1] == "":  # a final line end does not start another line
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


@dataclass
class DbtRun:
    """One finished dbt command: its exit code, console output and run_results.json."""

    args: list[str]
    returncode: int
    output: str
    database: Path
    results: list[dict[str, Any]] = field(default_factory=list)

    def result(self, name: str) -> dict[str, Any]:
        """The run result of the node whose unique_id ends with `.name`."""
        matches = [r for r in self.results if r["unique_id"].split(".")[-1] == name]
        assert len(matches) == 1, f"{name}: {len(matches)} results in {[r['unique_id'] for r in self.results]}"
        return matches[0]

    def statuses(self) -> dict[str, str]:
        return {r["unique_id"]: r["status"] for r in self.results}

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql, list(params)).fetchall()

    def check(self) -> DbtRun:
        """Fail the test with dbt's output when the command failed."""
        assert self.returncode == 0, f"dbt {' '.join(self.args)} failed:\n{self.output[-6000:]}"
        return self


class DbtProject:
    """Runs dbt commands against one DuckDB file in `workdir` (target/ and logs/ there too), or, with
    target "spark", against a Spark session whose warehouse and metastore live in `workdir`/spark."""

    def __init__(self, workdir: Path, target: str = "duckdb", env: Mapping[str, str] | None = None) -> None:
        self.workdir = workdir
        self.target = target
        self.database = workdir / "tianchi_test.duckdb"
        self.spark_dir = workdir / "spark"
        self.extra_env = dict(env or {})
        workdir.mkdir(parents=True, exist_ok=True)

    def spark_table(self, name: str, schema: str = "tianchi") -> Path:
        """The folder of a table model's Parquet files in the Spark warehouse."""
        return self.spark_dir / "warehouse" / f"{schema}.db" / name

    def run(self, *args: str, dbt_vars: Mapping[str, Any] | None = None) -> DbtRun:
        command = [
            str(DBT),
            *args,
            "--target-path",
            str(self.workdir / "target"),
            "--log-path",
            str(self.workdir / "logs"),
        ]
        # Never write into the project's data/: exports go under this test's folder (which the project
        # creates on run start, as on a fresh clone), and answers are only read where a test names them.
        all_vars = {
            "processed_dir": str(self.workdir / "processed"),
            "answers_path": str(self.workdir / "no_answers.txt"),
            **(dbt_vars or {}),
        }
        command += ["--vars", json.dumps(all_vars)]
        env = {
            **os.environ,
            "DBT_PROFILES_DIR": str(PROJECT_ROOT),
            "DBT_TARGET": self.target,
            "TIANCHI_DUCKDB_PATH": str(self.database),
            "DUCKDB_TEMP_DIR": str(self.workdir / "duckdb_tmp"),
            "TIANCHI_SPARK_DIR": str(self.spark_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "NO_COLOR": "1",
            **self.extra_env,
        }
        results_file = self.workdir / "target" / "run_results.json"
        results_file.unlink(missing_ok=True)
        completed = subprocess.run(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=DBT_TIMEOUT_S,
            check=False,
        )
        results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
        return DbtRun(command[1:], completed.returncode, completed.stdout + completed.stderr, self.database, results)
