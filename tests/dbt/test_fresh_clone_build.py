"""The documented plain `dbt build` works on a fresh clone, which has no data/processed/ (data/ holds only its
README): the project creates the exports' folder itself on run start (dbt_project/macros/create_processed_dir.sql),
and again when someone deleted it between two builds.

The clone is a copy of the dbt project's files as git sees them (tracked and new, not ignored ones), with a tiny
generated month in data/raw/; dbt runs there exactly as a user types it, `DBT_PROFILES_DIR=. dbt build`, with no
vars and none of the environment variables the runner or the other tests set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from dbt_helpers import DBT, DBT_TIMEOUT_S, PROJECT_ROOT

from runner.synthetic import generate

pytestmark = pytest.mark.slow

# What a clone holds of the dbt project: the project file, the profiles, the models, the other dbt assets, data/.
DBT_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models_sql", "dbt_project", "data")
# Variables the runner, the Makefile or the other tests set, which a user's shell need not have.
UNSET = ("DBT_TARGET", "TIANCHI_DUCKDB_PATH", "DUCKDB_TEMP_DIR", "TIANCHI_SPARK_DIR", "DBT_PROFILES_DIR")
EXPORTS = ("train", "train_all_negatives", "validation", "eval", "predict", "id_buckets")


def clone_of_project(into: Path) -> Path:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", *DBT_PROJECT_FILES],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        source = PROJECT_ROOT / name
        if source.is_file():  # a deleted file still listed by --cached is left out
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return into


def dbt(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    return subprocess.run([str(DBT), *args], cwd=clone, env={**env, "DBT_PROFILES_DIR": ".", "NO_COLOR": "1"},
                          capture_output=True, text=True, timeout=DBT_TIMEOUT_S, check=False)


def test_a_plain_dbt_build_on_a_fresh_clone_creates_the_exports_folder(tmp_path: Path) -> None:
    clone = clone_of_project(tmp_path / "clone")
    assert sorted(p.name for p in (clone / "data").iterdir()) == ["README.md"], "a clone's data/ holds its README"
    generate(clone / "data" / "raw", n_users=300, seed=11, progress=False)

    built = dbt(clone, "build")
    assert built.returncode == 0, f"dbt build on a fresh clone failed:\n{built.stdout[-6000:]}{built.stderr[-2000:]}"
    assert "ERROR=0" in built.stdout
    # each export and its build marker (dbt_project/macros/materializations/parquet_export.sql)
    assert sorted(p.name for p in (clone / "data" / "processed").iterdir()) == sorted(
        name for e in EXPORTS for name in (f"{e}.parquet", f"{e}.parquet.build.json"))

    shutil.rmtree(clone / "data" / "processed")  # deleted between two builds
    rerun = dbt(clone, "run", "--select", "export_predict")
    assert rerun.returncode == 0, f"dbt run after data/processed/ was deleted failed:\n{rerun.stdout[-6000:]}"
    assert sorted(p.name for p in (clone / "data" / "processed").iterdir()) == [
        "predict.parquet", "predict.parquet.build.json"]

    # several missing levels (a variant study's exports), and a folder that exists, whose other files are kept
    deep = clone / "data" / "variants" / "v" / "seed_7" / "processed"
    kept = clone / "data" / "kept"
    kept.mkdir()
    (kept / "other.txt").write_text("left alone")
    for folder in (deep, kept):
        run = dbt(clone, "run", "--select", "export_id_buckets", "--vars",
                  f"{{processed_dir: {folder.relative_to(clone)}}}")
        assert run.returncode == 0, f"dbt run into {folder} failed:\n{run.stdout[-6000:]}"
    assert sorted(p.name for p in deep.iterdir()) == ["id_buckets.parquet", "id_buckets.parquet.build.json"]
    assert sorted(p.name for p in kept.iterdir()) == ["id_buckets.parquet", "id_buckets.parquet.build.json",
                                                      "other.txt"]
    assert (kept / "other.txt").read_text() == "left alone"
