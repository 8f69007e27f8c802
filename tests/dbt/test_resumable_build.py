"""A build stopped in the middle of its largest model continues where it stopped, and ends with the
exports of a clean build.

A small generated month is built twice into databases of their own: once cleanly (one query per
model), and once one partition at a time (var build_by_partition, as the online scale builds:
`samples` by cutoff day, `int_behavior_rollup` by user bucket), killed with SIGKILL while `samples`
writes its cutoffs, then run again. The second run reuses every model finished before the kill and
the cutoffs of `samples` already written, and its six exports equal the clean build's row for row.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dbt_helpers import DBT, PROJECT_ROOT, DbtProject, generated_vars

from runner.synthetic import generate

USERS = 300
SEED = 5
EXPORTS = ("train", "train_all_negatives", "validation", "eval", "predict", "id_buckets")
# stop once this many cutoffs of samples are written (of 25)
STOP_AFTER = 5
# user buckets of the partitioned behaviour rollup
BUCKETS = 4  # user ids of the generated month are 2 modulo 3: 3 buckets would hold them all in one

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("resumable_raw")
    generate(out, n_users=USERS, seed=SEED, progress=False)
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


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory, raw: Path) -> tuple[DbtProject, str, str]:
    """(project, output of the killed run, output of the run that resumed it)."""
    project = DbtProject(tmp_path_factory.mktemp("resumed"))
    dbt_vars = {**generated_vars(raw, project.workdir / "processed"), "build_by_partition": True,
                "rollup_user_buckets": BUCKETS}
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
    assert f"int_behavior_rollup: partition {BUCKETS - 1} written ({BUCKETS} of {BUCKETS})" in killed
    for model in finished:
        whole = f"reused {model}: built from the same inputs"
        partitioned = f"reused {BUCKETS} of {BUCKETS} partitions of {model}: built from the same inputs"
        assert whole in second or (model == "int_behavior_rollup" and partitioned in second), model
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
