"""Benchmark of `dbt build` at several data scales, each against DuckDB's floor on the same files.

For each scale (a multiple of the default 20,000 users) it generates data once under
data/bench/<scale>x/ (kept, so a later benchmark reuses it), then, one after the other on the same
files (the build's database and exports are deleted once measured, leaving the disk to the next scale):
  - the floor: DuckDB alone, one scan of the behaviour files (a count) and one `group by user, item,
    day` written to Parquet, with the build's DuckDB settings;
  - the build: `dbt build` (every model and test) into a DuckDB file of its own, from scratch, with a
    scale's settings (configs/scales/; the same for every scale, so the curve compares like with like),
while a sampler records the peak disk of the build (its database, DuckDB's spill folder and the
exports). It reports wall time, raw rows per second, peak resident memory of the dbt process, peak
disk, the build as a multiple of the floor, the slowest models (dbt's run_results.json), and between
the largest and the smallest scale the ratio of seconds per raw row (near 1: the cost grows like the
data).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from runner.dbt import dbt_executable
from runner.defaults import DEFAULT_GENERATOR_SEED, DEFAULT_USERS
from runner.paths import DATA_DIR, PROJECT_ROOT, shown
from runner.scales import Scale

BENCH_DIR = DATA_DIR / "bench"
SLOWEST = 6  # models named per scale


@dataclass(frozen=True)
class Floor:
    scan_seconds: float
    aggregate_seconds: float
    buckets: int = 1  # the group by ran once per user bucket (user_id % buckets)

    @property
    def aggregate_text(self) -> str:
        per_bucket = f" in {self.buckets} user buckets" if self.buckets > 1 else ""
        return f"group by user, item, day to Parquet{per_bucket}"

    @property
    def seconds(self) -> float:
        return self.scan_seconds + self.aggregate_seconds


@dataclass(frozen=True)
class BuildMeasurement:
    scale: float
    users: int
    raw_rows: int
    raw_bytes: int
    seconds: float
    peak_rss_gb: float
    peak_disk_gb: float
    floor: Floor
    slowest: list[tuple[str, float]] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.raw_rows / self.seconds

    @property
    def floor_multiple(self) -> float:
        return self.seconds / self.floor.seconds


class DiskSampler:
    """The largest total size, sampled every `interval` seconds, of some paths (files or folders)."""

    def __init__(self, paths: list[Path], interval: float = 2.0) -> None:
        self.paths = paths
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> DiskSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.size())

    def size(self) -> int:
        total = 0
        for path in self.paths:
            if path.is_file():
                total += path.stat().st_size
            elif path.is_dir():
                total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.peak = max(self.peak, self.size())
            except FileNotFoundError:  # a spill file removed while it was summed
                continue


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
        raise RuntimeError(f"`{' '.join(command)}` failed during the benchmark (exit {result['code']}); "
                           f"see {PROJECT_ROOT / 'logs' / 'dbt.log'}")
    return float(result["seconds"]), result["peak_kb"] / 1024**2


def measure_floor(raw_dir: Path, folder: Path, scale: Scale) -> Floor:
    """DuckDB alone on the behaviour files, in a process of its own with the build's memory and threads: one
    scan (a count of the typed rows) and one `group by user, item, day` written to Parquet. With the scale's
    var rollup_user_buckets above 1 (the online scale), the group by runs once per user bucket, as the build's
    rollup does: one group by of the online month spills more than the disk holds."""
    script = (
        "import duckdb, json, sys, time\n"
        "files, out, memory, threads, spill, buckets = json.loads(sys.argv[1])\n"
        "con = duckdb.connect()\n"
        "con.execute(f\"set memory_limit='{memory}'; set threads={threads}; set temp_directory='{spill}'\")\n"
        "rows = (\"read_csv(\" + json.dumps(files).replace('\"', \"'\") + \", delim='\\\\t', header=false, \"\n"
        "        \"auto_detect=false, columns={'u': 'BIGINT', 'i': 'BIGINT', 'b': 'INTEGER', 'g': 'VARCHAR', \"\n"
        "        \"'c': 'BIGINT', 't': 'VARCHAR'})\")\n"
        "start = time.perf_counter()\n"
        "con.execute(f'select count(*) from {rows}').fetchall()\n"
        "scan = time.perf_counter() - start\n"
        "start = time.perf_counter()\n"
        "for bucket in range(buckets):\n"
        "    keep = f'where u % {buckets} = {bucket}' if buckets > 1 else ''\n"
        "    con.execute(f\"copy (select u, i, t[1:10] as day, count(*) as n from {rows} {keep} group by all) \"\n"
        "                f\"to '{out}.{bucket}' (format parquet)\")\n"
        "aggregate = time.perf_counter() - start\n"
        "print(json.dumps({'scan': scan, 'aggregate': aggregate}))\n"
    )
    from runner.synthetic.writer import EDITIONS

    files = [str(raw_dir / name) for name in EDITIONS["online"].behavior_files]
    out = folder / "floor_daily.parquet"
    spill = folder / "floor_spill"
    buckets = int(scale.dbt_vars.get("rollup_user_buckets", 1))
    settings = [files, str(out), scale.duckdb_env.get("DUCKDB_MEMORY_LIMIT", "5GB"),
                scale.duckdb_env.get("DUCKDB_THREADS", "2"), str(spill), buckets]
    try:
        done = subprocess.run([sys.executable, "-c", script, json.dumps(settings)], check=True,
                              capture_output=True, text=True, cwd=PROJECT_ROOT)
    finally:
        for written in folder.glob(out.name + ".*"):
            written.unlink()
        shutil.rmtree(spill, ignore_errors=True)
    times = json.loads(done.stdout.strip().splitlines()[-1])
    return Floor(scan_seconds=times["scan"], aggregate_seconds=times["aggregate"], buckets=buckets)


def _count_rows(database: Path) -> int:
    """Behaviour rows the build staged, from its own profile (no second scan of the raw files)."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        return int(connection.execute("select behavior_rows from profile__overview").fetchone()[0])


def _slowest(target: Path) -> list[tuple[str, float]]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    times = sorted(((r["unique_id"].split(".")[-1], float(r["execution_time"])) for r in results),
                   key=lambda item: -item[1])
    return times[:SLOWEST]


def measure_build(scale: float, settings: Scale, base_users: int = DEFAULT_USERS,
                  seed: int = DEFAULT_GENERATOR_SEED, raw_dir: Path | None = None) -> BuildMeasurement:
    """One scale: the floor and the build (`raw_dir`: a month already there instead of a generated one)."""
    from runner.synthetic import generate

    users = int(round(base_users * scale))
    folder = BENCH_DIR / f"{scale:g}x"
    if raw_dir is None:
        raw_dir = folder / "raw"
        if not (raw_dir / "tianchi_fresh_comp_train_user_online_partB.txt").exists():
            generate(raw_dir, n_users=users, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    raw_bytes = sum(p.stat().st_size for p in raw_dir.glob("tianchi_fresh_comp_train_user_online_part*.txt"))
    floor = measure_floor(raw_dir, folder, settings)

    database = folder / "tianchi.duckdb"
    processed = folder / "processed"
    spill = folder / "tianchi.duckdb.tmp"
    _remove_build(database, processed)
    target = folder / "target"
    dbt_vars = {
        **settings.dbt_vars,
        "raw_dir": shown(raw_dir),
        "processed_dir": shown(processed),
        "answers_path": shown(raw_dir / "answers" / "answers_20141219.txt"),
    }
    env = {**os.environ, **settings.duckdb_env, "DBT_PROFILES_DIR": str(PROJECT_ROOT),
           "TIANCHI_DUCKDB_PATH": str(database), "DUCKDB_TEMP_DIR": str(spill)}
    command = [str(dbt_executable()), "build", "--quiet", "--target-path", str(target), "--vars", json.dumps(dbt_vars)]
    try:
        with DiskSampler([database, Path(f"{database}.wal"), spill, processed]) as disk:
            seconds, peak = _measure_child(command, env)
        raw_rows = _count_rows(database)
    finally:
        # the next scale needs the disk: only the raw month and dbt's target (its run_results) are kept
        _remove_build(database, processed)
    return BuildMeasurement(scale=scale, users=users, raw_rows=raw_rows, raw_bytes=raw_bytes,
                            seconds=seconds, peak_rss_gb=peak, peak_disk_gb=disk.peak / 1024**3, floor=floor,
                            slowest=_slowest(target))


def _remove_build(database: Path, processed: Path) -> None:
    """A benchmark build's exports and every file or folder named after its database: the database, its WAL,
    lock and build-state files, and DuckDB's spill folder (<database>.tmp)."""
    for path in database.parent.glob(database.name + "*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    shutil.rmtree(processed, ignore_errors=True)


def report(measurements: list[BuildMeasurement], settings: Scale) -> str:
    lines = [
        f"dbt build with the `{settings.name}` scale's settings (configs/scales/{settings.name}.yml); floor: "
        "DuckDB's scan + `group by user, item, day` to Parquet on the same files",
        "",
        "| scale | users | raw rows | raw GB | floor (s) | dbt build (s) | × floor | raw rows / s | peak RSS (GB) "
        "| peak disk (GB) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in measurements:
        lines.append(
            f"| {m.scale:g}x | {m.users:,} | {m.raw_rows:,} | {m.raw_bytes / 1024**3:.1f} | {m.floor.seconds:.1f} "
            f"({m.floor.scan_seconds:.1f} + {m.floor.aggregate_seconds:.1f}) | {m.seconds:.1f} | "
            f"{m.floor_multiple:.1f} | {m.rows_per_second:,.0f} | {m.peak_rss_gb:.2f} | {m.peak_disk_gb:.1f} |"
        )
    lines.append("")
    for m in measurements:
        if m.floor.buckets > 1:
            lines.append(f"floor at {m.scale:g}x: the {m.floor.aggregate_text}")
    for m in measurements:
        slowest = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in m.slowest)
        lines.append(f"slowest at {m.scale:g}x: {slowest}")
    if len(measurements) > 1:
        small, large = measurements[0], measurements[-1]
        per_row = (large.seconds / large.raw_rows) / (small.seconds / small.raw_rows)
        lines.append("")
        lines.append(
            f"seconds per raw row, {large.scale:g}x / {small.scale:g}x: {per_row:.2f} "
            f"(data {large.raw_rows / small.raw_rows:.2f}x, time {large.seconds / small.seconds:.2f}x)"
        )
    return "\n".join(lines)


def run_benchmark(scales: list[float], settings: Scale, raw_dir: Path | None = None, floor_only: bool = False) -> str:
    """Every scale measured side by side (`raw_dir`: one scale's month is already there, e.g. data/raw with the
    online files). `floor_only` measures the floor alone."""
    if raw_dir is not None and len(scales) != 1:
        raise ValueError("--raw-dir measures one month: give one --scales value (its size in default months)")
    if floor_only:
        lines = []
        for scale in sorted(scales):
            folder = BENCH_DIR / f"{scale:g}x"
            folder.mkdir(parents=True, exist_ok=True)
            floor = measure_floor(raw_dir or folder / "raw", folder, settings)
            lines.append(f"floor at {scale:g}x: {floor.seconds:.1f} s (scan {floor.scan_seconds:.1f} s + "
                         f"{floor.aggregate_text} {floor.aggregate_seconds:.1f} s)")
        return "\n".join(lines)
    measurements = []
    for scale in sorted(scales):
        started = time.perf_counter()
        measurements.append(measure_build(scale, settings, raw_dir=raw_dir))
        print(f"scale {scale:g}x measured in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return report(measurements, settings)
