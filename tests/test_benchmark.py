"""The benchmark measures DuckDB's floor and a build on the same files and reports the build as a multiple of
it (the measured curve is in docs/guide/scaling.md; here only the mechanics, on a tiny month)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.benchmark import BuildMeasurement, DiskSampler, Floor, measure_floor, report
from runner.scales import Scale
from runner.synthetic import generate


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench_raw")
    generate(out, n_users=100, seed=3, progress=False)
    return out


def test_the_floor_is_measured_on_the_files_and_leaves_nothing_behind(raw: Path, tmp_path: Path) -> None:
    floor = measure_floor(raw, tmp_path, Scale.read("online"))
    assert floor.scan_seconds > 0 and floor.aggregate_seconds > 0
    assert list(tmp_path.iterdir()) == []
    # the online scale's group by runs once per user bucket, as its rollup does; the default scale's once
    assert floor.buckets == Scale.read("online").dbt_vars["rollup_user_buckets"] > 1
    assert f"in {floor.buckets} user buckets" in floor.aggregate_text
    assert measure_floor(raw, tmp_path, Scale.read("default")).buckets == 1
    assert list(tmp_path.iterdir()) == []


def test_the_report_gives_the_multiple_of_the_floor_and_the_cost_ratio() -> None:
    def measured(scale: float, rows: int, seconds: float) -> BuildMeasurement:
        return BuildMeasurement(scale=scale, users=int(20_000 * scale), raw_rows=rows, raw_bytes=rows * 45,
                                seconds=seconds, peak_rss_gb=4.0, peak_disk_gb=2.0, floor=Floor(2.0, 8.0),
                                slowest=[("samples", seconds / 4)])
    text = report([measured(1, 1_000_000, 50.0), measured(5, 5_000_000, 300.0)], Scale.read("online"))
    assert "| 1x | 20,000 | 1,000,000 |" in text and "| 50.0 | 5.0 |" in text  # 50 s = 5.0 x the 10 s floor
    assert "seconds per raw row, 5x / 1x: 1.20" in text
    assert "slowest at 5x: samples 75 s" in text


def test_the_disk_sampler_keeps_the_peak(tmp_path: Path) -> None:
    path = tmp_path / "spill"
    with DiskSampler([path], interval=0.01) as sampler:
        path.write_bytes(b"x" * 1000)
        import time

        time.sleep(0.1)
        path.write_bytes(b"x" * 10)
    assert sampler.peak >= 1000


def test_a_measured_build_leaves_the_data_and_frees_the_disk(raw: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A scale's build (its database, WAL, build state, exports and spill) is deleted once measured, so
    that the next scale has the disk; the month and dbt's run_results stay."""
    import shutil

    from runner import benchmark

    folder = tmp_path / "bench"
    shutil.copytree(raw, folder / "2x" / "raw")
    monkeypatch.setattr(benchmark, "BENCH_DIR", folder)
    monkeypatch.setattr(benchmark, "measure_floor", lambda *args: Floor(1.0, 2.0))
    monkeypatch.setattr(benchmark, "_count_rows", lambda database: 1_000)

    def fake_build(command: list[str], env: dict[str, str]) -> tuple[float, float]:
        database = Path(env["TIANCHI_DUCKDB_PATH"])
        for name in ("", ".wal", ".build.json", ".lock"):
            Path(f"{database}{name}").write_text("x")
        Path(env["DUCKDB_TEMP_DIR"]).mkdir()
        (database.parent / "processed").mkdir()
        (database.parent / "processed" / "train.parquet").write_text("x")
        target = Path(command[command.index("--target-path") + 1])
        target.mkdir()
        (target / "run_results.json").write_text('{"results": [{"unique_id": "model.t.samples", "execution_time": 3}]}')
        return 10.0, 1.5

    monkeypatch.setattr(benchmark, "_measure_child", fake_build)
    measured = benchmark.measure_build(2, Scale.read("online"))
    assert measured.raw_rows == 1_000 and measured.slowest == [("samples", 3.0)]
    assert sorted(p.name for p in (folder / "2x").iterdir()) == ["raw", "target"]
    assert (folder / "2x" / "raw" / "tianchi_fresh_comp_train_user_online_partB.txt").exists()
