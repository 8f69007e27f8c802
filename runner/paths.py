"""Where things live, relative to the project root (the folder holding dbt_project.yml).

Locations only; the runner's default numbers (seeds, users) are in runner.defaults."""

from __future__ import annotations

import glob
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
DOCS_DIR = PROJECT_ROOT / "docs"
# The experiments log: one row per scored run (runner.experiments).
EXPERIMENTS_CSV = DOCS_DIR / "experiments.csv"
# The folder holding the one production tzrec config that `run` trains by default.
# The exports tzrec and the GBDT read (dbt var processed_dir; models_sql/exports), by the runner's defaults.
VALIDATION_EXPORT = PROCESSED_DIR / "validation.parquet"
EVAL_EXPORT = PROCESSED_DIR / "eval.parquet"
PREDICT_EXPORT = PROCESSED_DIR / "predict.parquet"
ID_BUCKETS_EXPORT = PROCESSED_DIR / "id_buckets.parquet"
# A run's prediction sets (<run>/predictions/<set>/): every operating-point rule reads the first two; the
# validation users' set is read by top_k_share_pooled alone, and runs from before it lack it.
PREDICTION_SETS = ("eval", "predict")
VALIDATION_SET = "validation"
GBDT_RUN_NAME = "gbdt_v1"  # the GBDT reference's run folder (`baseline gbdt`, the studies, `run --blend-gbdt`)


def duckdb_path() -> Path:
    """The DuckDB file dbt builds into (profiles.yml reads the same variable)."""
    return PROJECT_ROOT / os.environ.get("TIANCHI_DUCKDB_PATH", "data/tianchi.duckdb")


def duckdb_temp_dir() -> Path:
    """Where DuckDB spills what does not fit in memory (profiles.yml reads the same variables)."""
    temp = os.environ.get("DUCKDB_TEMP_DIR")
    return PROJECT_ROOT / temp if temp else duckdb_path().with_name(duckdb_path().name + ".tmp")


def shown(path: Path) -> str:
    """A path as logs and dbt vars show it: relative to the project root when inside it, else absolute."""
    path = path.absolute()
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def prediction_files(run_dir: Path, split: str) -> list[Path]:
    """A run's prediction files of one set (<run>/predictions/<split>/*.parquet), sorted; [] when none."""
    return sorted((run_dir / "predictions" / split).glob("*.parquet"))


def input_files(path: Path) -> list[Path]:
    """The Parquet files behind an input: a file, a folder of *.parquet, or a glob pattern."""
    if path.is_dir():
        return sorted(path.glob("*.parquet"))
    if any(ch in str(path) for ch in "*?["):
        return sorted(Path(p) for p in glob.glob(str(path)))
    return [path] if path.exists() else []


def project_path(text: str) -> Path:
    """A path as dbt reads it (relative paths start at the project root), made absolute."""
    return (PROJECT_ROOT / text).resolve()
