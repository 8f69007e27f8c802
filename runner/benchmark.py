"""Benchmark of `dbt build` at several data scales, measured side by side in one run.

For each scale (a multiple of the default 20,000 users) it generates data once under
data/bench/<scale>x/, builds every model and test into a DuckDB file of its own, and reports
wall time, raw rows per second and the peak resident memory of the dbt process. The ratio
line compares seconds per raw row of the largest scale with the smallest: the cost should
grow no faster than the data (a ratio near or below 1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from runner.dbt import dbt_executable
from runner.defaults import DEFAULT_GENERATOR_SEED, DEFAULT_USERS
from runner.paths import DATA_DIR, PROJECT_ROOT

BENCH_DIR = DATA_DIR / "bench"


@dataclass(frozen=True)
class BuildMeasurement:
    scale: float
    users: int
    raw_rows: int
    seconds: float
    peak_rss_gb: float

    @property
    def rows_per_second(self) -> float:
        return self.raw_rows / self.seconds


def _count_rows(database: Path) -> int:
    """Behaviour rows the build staged, from its own profile (no second scan of the raw files)."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        return int(connection.execute("select behavior_rows from profile__overview").fetchone()[0])


def _measure_child(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (GB) of one command, run in a fresh interpreter so that the
    children's max RSS belongs to this command alone."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "code = subprocess.run(json.loads(sys.argv[1])).returncode\n"
        "elapsed = time.perf_counter() - start\n"
        "peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'code': code, 'seconds': elapsed, 'peak_kb': peak_kb}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(command)], env=env, cwd=PROJECT_ROOT,
        check=True, capture_output=True, text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise RuntimeError(f"`{' '.join(command)}` failed during the benchmark (exit {result['code']})")
    return float(result["seconds"]), result["peak_kb"] / 1024**2


def measure_build(scale: float, base_users: int = DEFAULT_USERS,
                  seed: int = DEFAULT_GENERATOR_SEED) -> BuildMeasurement:
    from runner.synthetic import generate

    users = int(round(base_users * scale))
    folder = BENCH_DIR / f"{scale:g}x"
    raw_dir = folder / "raw"
    if not (raw_dir / "tianchi_fresh_comp_train_user_online_partA.txt").exists():
        generate(raw_dir, n_users=users, seed=seed)
    database = folder / "tianchi.duckdb"
    database.unlink(missing_ok=True)
    dbt_vars = {
        "raw_dir": str(raw_dir.relative_to(PROJECT_ROOT)),
        "processed_dir": str((folder / "processed").relative_to(PROJECT_ROOT)),
        "answers_path": str((raw_dir / "answers" / "answers_20141219.txt").relative_to(PROJECT_ROOT)),
    }
    (folder / "processed").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT), "TIANCHI_DUCKDB_PATH": str(database)}
    command = [str(dbt_executable()), "build", "--quiet", "--vars", json.dumps(dbt_vars)]
    seconds, peak = _measure_child(command, env)
    return BuildMeasurement(scale=scale, users=users, raw_rows=_count_rows(database), seconds=seconds,
                            peak_rss_gb=peak)


def report(measurements: list[BuildMeasurement]) -> str:
    lines = [
        "| scale | users | raw rows | dbt build (s) | raw rows / s | peak RSS (GB) |",
        "|---|---|---|---|---|---|",
    ]
    for m in measurements:
        lines.append(
            f"| {m.scale:g}x | {m.users:,} | {m.raw_rows:,} | {m.seconds:.1f} | {m.rows_per_second:,.0f} | "
            f"{m.peak_rss_gb:.2f} |"
        )
    if len(measurements) > 1:
        small, large = measurements[0], measurements[-1]
        per_row = (large.seconds / large.raw_rows) / (small.seconds / small.raw_rows)
        lines.append("")
        lines.append(
            f"seconds per raw row, {large.scale:g}x / {small.scale:g}x: {per_row:.2f} "
            f"(data {large.raw_rows / small.raw_rows:.2f}x, time {large.seconds / small.seconds:.2f}x)"
        )
    return "\n".join(lines)


def run_benchmark(scales: list[float]) -> str:
    measurements = []
    for scale in sorted(scales):
        started = time.perf_counter()
        measurements.append(measure_build(scale))
        print(f"scale {scale:g}x measured in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return report(measurements)
