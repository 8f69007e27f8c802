"""A build stopped in the middle of its largest model continues where it stopped, and ends with the
exports of a clean build.

A small generated month, with a few malformed lines put in, is built twice into databases of its own:
once cleanly (one query per model, the raw text streamed by each model that reads it), and once as the
online scale builds: one partition at a time (var build_by_partition: `samples` by cutoff day,
`int_behavior_rollup` by user bucket), from the behaviour lines staged once as Parquet by user bucket
(var stage_behavior_lines), killed with SIGKILL while `samples` writes its cutoffs, then run again. The
second run reuses every model finished before the kill (the staged files among them) and the cutoffs of
`samples` already written; its six exports equal the clean build's row for row, and so do its file
counts and its numbered rejected lines.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from dbt_helpers import DBT, PROJECT_ROOT, DbtProject, generated_vars

from runner.synthetic import generate

USERS = 300
SEED = 5
EXPORTS = ("train", "train_all_negatives", "validation", "eval", "predict", "id_buckets")
# stop once this many cutoffs of samples are written (of 25)
STOP_AFTER = 5
# user buckets of the partitioned behaviour rollup and of the staged lines: 4, since the ids of a few
# hundred generated users are all 2 modulo 3 (runner/synthetic/world.py), which would fill one bucket of 3
BUCKETS = 4
# (line number, text) put into partA: rejected lines, numbered by both builds
BAD_LINES = [(3, "not\ta\tbehaviour\tline"), (2_000, ""), (5_001, "1\t2\t3\t\t4\t2014-12-01 25")]
PART_A = "tianchi_fresh_comp_train_user_online_partA.txt"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("resumable_raw")
    generate(out, n_users=USERS, seed=SEED, progress=False)
    lines = (out / PART_A).read_text().split("\n")
    for number, text in BAD_LINES:
        lines.insert(number - 1, text)
    (out / PART_A).write_text("\n".join(lines))
    return out


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, raw: Path) -> DbtProject:
    project = DbtProject(tmp_path_factory.mktemp("clean"))
    project.run("build", "--exclude-resource-type", "test",
                dbt_vars=generated_vars(raw, project.workdir / "processed")).check()
    return project


def _start_build(project: DbtProject, dbt_vars: dict[str, object]) -> subprocess.Popen[str]:
    """`dbt build` as its own process group, its log on a pipe (DbtProject.run waits; this must not)."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT), "TIANCHI_DUCKDB_PATH": str(project.database),
           "NO_COLOR": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [str(DBT), "build", "--exclude-resource-type", "test",
               "--target-path", str(project.workdir / "target"), "--log-path", str(project.workdir / "logs"),
               "--vars", json.dumps(dbt_vars)]
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def _online_vars(raw: Path, project: DbtProject) -> dict[str, object]:
    """The build as the online scale's: one partition at a time, from the staged behaviour lines."""
    return {**generated_vars(raw, project.workdir / "processed"), "build_by_partition": True,
            "rollup_user_buckets": BUCKETS, "stage_behavior_lines": True}


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory, raw: Path) -> tuple[DbtProject, str, str]:
    """(project, output of the killed run, output of the run that resumed it)."""
    project = DbtProject(tmp_path_factory.mktemp("resumed"))
    dbt_vars = _online_vars(raw, project)
    process = _start_build(project, dbt_vars)
    seen: list[str] = []
    deadline = time.monotonic() + 600
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if "samples: partition" in line and f"written ({STOP_AFTER} of" in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
        assert time.monotonic() < deadline, "the build never reached samples"
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen[-20:])
    second = project.run("build", "--exclude-resource-type", "test", dbt_vars=dbt_vars).check()
    return project, "".join(seen), second.output


def test_the_stopped_build_had_written_part_of_samples_and_no_export(resumed: tuple[DbtProject, str, str]) -> None:
    _, killed, _ = resumed
    assert f"written ({STOP_AFTER} of 25)" in killed
    assert "export_" not in killed


def test_the_second_run_reuses_what_was_finished(resumed: tuple[DbtProject, str, str]) -> None:
    _, killed, second = resumed
    finished = set(re.findall(r"OK created sql resumable_table model main\.(\w+)", killed))
    assert {"int_behavior_rollup", "user_features", "int_pair_candidates"} <= finished
    assert "OK created sql parquet_export model main.base_tianchi__staged_behavior_lines" in killed
    assert re.search(r"reused \S+/staged/behavior_lines: complete and built from the same inputs", second)
    assert f"int_behavior_rollup: partition {BUCKETS - 1} written ({BUCKETS} of {BUCKETS})" in killed
    for model in finished:
        whole = f"reused {model}: built from the same inputs"
        partitioned = re.search(rf"reused (\d+) of \1 partitions of {model}: built from the same inputs", second)
        assert whole in second or partitioned, model
    match = re.search(r"reused (\d+) of 25 partitions of samples", second)
    assert match and int(match.group(1)) >= STOP_AFTER, second[-3000:]
    # the cutoffs written before the kill are not written again
    written = [int(n) for n in re.findall(r"samples: partition \S+ written \((\d+) of", second)]
    assert written and min(written) > STOP_AFTER


def test_the_resumed_exports_equal_a_clean_builds(clean: DbtProject, resumed: tuple[DbtProject, str, str]) -> None:
    project, _, _ = resumed
    for name in EXPORTS:
        expected = pq.read_table(clean.workdir / "processed" / f"{name}.parquet")
        actual = pq.read_table(project.workdir / "processed" / f"{name}.parquet")
        assert actual.schema == expected.schema, name
        assert actual.equals(expected), f"{name}: the resumed build's rows differ from the clean build's"
        marker = json.loads((project.workdir / "processed" / f"{name}.parquet.build.json").read_text())
        assert marker["status"] == "complete" and marker["rows"] == actual.num_rows


def test_the_staged_lines_are_read_once_and_counted_as_the_text_is(
        clean: DbtProject, resumed: tuple[DbtProject, str, str]) -> None:
    project, _, _ = resumed
    staged = project.workdir / "processed" / "staged" / "behavior_lines"
    folders = sorted(path.name for path in staged.iterdir() if any(path.glob("*.parquet")))
    # one folder per user bucket, the rejected lines in their own
    assert folders == ["user_bucket=-1"] + [f"user_bucket={bucket}" for bucket in range(BUCKETS)]
    manifest = json.loads((project.workdir / "target" / "manifest.json").read_text())
    for model in ("stg_tianchi__behaviors", "stg_tianchi__raw_files", "stg_tianchi__rejected_rows"):
        parents = manifest["nodes"][f"model.tianchi.{model}"]["depends_on"]["nodes"]
        assert "model.tianchi.base_tianchi__staged_behavior_lines" in parents, model
        assert "model.tianchi.base_tianchi__behavior_lines" not in parents, model
    with duckdb.connect(str(clean.database), read_only=True) as expected, \
            duckdb.connect(str(project.database), read_only=True) as actual:
        for query in ("select * from stg_tianchi__raw_files order by all",
                      "select * from stg_tianchi__rejected_rows order by all"):
            assert actual.execute(query).fetchall() == expected.execute(query).fetchall(), query
        rejected = actual.execute("select source_line, reason from stg_tianchi__rejected_rows order by 1").fetchall()
    assert rejected == [(3, "wrong_column_count"), (2_000, "empty_line"), (5_001, "bad_time")]
    marker = json.loads((staged.parent / "behavior_lines.build.json").read_text())
    assert marker["status"] == "complete" and marker["rows"] == sum(
        pq.read_metadata(path).num_rows for path in staged.glob("*/*.parquet"))


def test_a_staged_folder_changed_since_it_was_written_is_written_again(
        raw: Path, resumed: tuple[DbtProject, str, str]) -> None:
    project, _, _ = resumed
    staged = project.workdir / "processed" / "staged" / "behavior_lines"
    marker = staged.parent / "behavior_lines.build.json"
    before = json.loads(marker.read_text())
    # a file its marker does not count, as a write stopped midway leaves: the folder is not reused
    stray = staged / "user_bucket=0" / "stray.parquet"
    shutil.copy(next(staged.glob("user_bucket=1/*.parquet")), stray)
    run = project.run("run", "--select", "base_tianchi__staged_behavior_lines",
                      dbt_vars=_online_vars(raw, project)).check()
    assert "reused" not in run.output and not stray.exists()
    after = json.loads(marker.read_text())
    assert after["status"] == "complete" and after["rows"] == before["rows"]
    assert after["bytes"] == sum(path.stat().st_size for path in staged.glob("*/*.parquet"))


def test_dropped_staged_lines_free_their_disk_and_a_rebuild_that_needs_them_says_how_to_stage_again(
        clean: DbtProject, raw: Path, resumed: tuple[DbtProject, str, str]) -> None:
    """With var drop_staged_lines (the online scale) the staged files are deleted once the models that read
    them are built; a build run again reuses everything, and a model that must read them again stops with an
    error naming the marker to delete, after which the lines are staged again."""
    project, _, _ = resumed
    staged = project.workdir / "processed" / "staged" / "behavior_lines"
    marker = staged.parent / "behavior_lines.build.json"
    rows = json.loads(marker.read_text())["rows"]
    dbt_vars = {**_online_vars(raw, project), "drop_staged_lines": True}
    first = project.run("build", "--exclude-resource-type", "test", dbt_vars=dbt_vars).check()
    assert "OK created sql recorded_view model main.int_staged_behavior_lines_dropped" in first.output
    assert not list(staged.glob("*/*.parquet")), "the staged files are deleted"
    recorded = json.loads(marker.read_text())
    assert recorded["status"] == "dropped" and recorded["rows"] == rows
    # built again, with every data test: the staged lines and every model read from them are reused, no test
    # reads the deleted files, and the exports are the clean build's
    again = project.run("build", dbt_vars=dbt_vars).check()
    assert re.search(r"reused \S+/staged/behavior_lines: complete and built from the same inputs", again.output)
    assert f"reused {BUCKETS} of {BUCKETS} partitions of int_behavior_rollup" in again.output
    for name in EXPORTS:
        expected = pq.read_table(clean.workdir / "processed" / f"{name}.parquet")
        assert pq.read_table(project.workdir / "processed" / f"{name}.parquet").equals(expected), name
    with duckdb.connect(str(project.database), read_only=True) as connection:
        assert connection.execute("select status, staged_rows from int_staged_behavior_lines_dropped").fetchall() == [
            ("dropped", rows)]
    # a model that reads the staged lines built again: a clear stop, then the documented fix
    rebuilt = project.run("run", "--select", "int_behavior_rollup", "--full-refresh", dbt_vars=dbt_vars)
    assert rebuilt.returncode != 0
    assert "were deleted once every model that reads them was built" in rebuilt.output
    assert f"Delete {marker} and build again" in rebuilt.output
    marker.unlink()
    fixed = project.run("run", "--select", "base_tianchi__staged_behavior_lines", "int_behavior_rollup",
                        "--full-refresh", dbt_vars=dbt_vars).check()
    assert f"int_behavior_rollup: partition {BUCKETS - 1} written" in fixed.output
    assert json.loads(marker.read_text())["status"] == "complete" and list(staged.glob("*/*.parquet"))
