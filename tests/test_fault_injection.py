"""Fault injection on a small generated month, in a copy of the project (as a fresh clone has it): the runner is
stopped with SIGTERM or SIGKILL and run again, and what it leaves must be what an uninterrupted run leaves.

In the suite (a few minutes, its own xdist group):
  - two `python -m runner build` at once: one builds, the other stops at once naming it (PID, command line);
  - `python -m runner build` stopped with SIGTERM, then SIGKILL, while dbt builds: nothing of it keeps running,
    no build is recorded as finished, and the build run again writes the same exports as the first build.

Behind `pytest -m fault_matrix` (docs/guide/development.md#the-fault-injection-matrix; about half an hour on two
cores): `python -m runner run` (two model seeds of a small tzrec experiment, their average, score, submit) is
stopped by each signal at the start (the boundary with the stage before) and in the middle of each stage, then
run again; the submission, the scores and the averaged predictions must equal those of an uninterrupted run,
no process of the stopped run may survive it, and every step that had finished before the stop must be reused
(its record, `<run>/logs/<step>.done.json` or the build's `<database>.build.json`, is the same file with the
same modification time after the second run, and the second run's log says it reused it). Each case starts
from the finished state of the run before, with the stage under test and what follows it made to run again.
"""

from __future__ import annotations

import csv
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from process_helpers import PROJECT_ROOT, RunnerProcess, copy_project, processes_mentioning, wait_until_gone

pytestmark = [pytest.mark.slow]

USERS = 300
CONFIG = "tests/fixtures/tzrec/stage9_deepfm_v1.yml"
STEM = "stage9_deepfm_v1"
SEEDS = ("1", "2")
WRAPPER = PROJECT_ROOT / "tests" / "fault_wrapper.py"
# Scores of the experiments row that must not change (date and times may).
SCORE_COLUMNS = ("precision", "recall", "f1", "leaderboard_f1", "operating_point", "eval_pairs", "submitted_pairs",
                 "auc", "eval_auc", "model", "params", "features")


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the project with a generated month of USERS users in its data/raw/."""
    root = copy_project(tmp_path_factory.mktemp("fault") / "clone")
    generated = subprocess.run([str(root / ".venv" / "bin" / "python"), "-m", "runner", "generate", "--users",
                                str(USERS), "--no-progress"], cwd=root, capture_output=True, text=True, check=False)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    yield root
    left = processes_mentioning(str(root))
    assert not left, f"processes of the copy still running after the tests: {left}"


def _runner(clone: Path, *args: str, stage: str = "none") -> RunnerProcess:
    return RunnerProcess([], cwd=clone, command=[str(clone / ".venv" / "bin" / "python"), str(WRAPPER), stage, *args])


def _exports(clone: Path) -> dict[str, pa.Table]:
    return {path.name: pq.read_table(path) for path in sorted((clone / "data" / "processed").glob("*.parquet"))}


def _sorted(table: pa.Table) -> pa.Table:
    """The table's rows in one order (an export's row order is the engine's: not part of its content)."""
    return table.sort_by([(name, "ascending") for name in table.column_names])


def _same_tables(left: dict[str, pa.Table], right: dict[str, pa.Table]) -> bool:
    """The same files with the same rows, value for value (not within a tolerance)."""
    return left.keys() == right.keys() and all(_sorted(left[name]).equals(_sorted(right[name])) for name in left)


# ---- in the suite: builds ---------------------------------------------------------------------------------------


def test_two_builds_at_once_one_builds_the_other_stops_naming_it(clone: Path) -> None:
    first, second = _runner(clone, "build"), _runner(clone, "build")
    try:
        codes = {first: first.wait(600), second: second.wait(600)}
    finally:
        first.kill()
        second.kill()
    assert sorted(codes.values()) == [0, 1], (first.output[-2000:], second.output[-2000:])
    winner = first if codes[first] == 0 else second
    loser = second if winner is first else first
    assert (f"database data/tianchi.duckdb is in use by another job: PID {winner.process.pid} "
            f"({clone}/.venv/bin/python {WRAPPER} none build") in loser.output
    assert "dbt" not in loser.output.split("is in use by another job")[0]  # it stopped before dbt started
    assert (clone / "data" / "tianchi.duckdb.build.json").is_file()


@pytest.fixture(scope="module")
def first_exports(clone: Path) -> dict[str, pa.Table]:
    """The exports of the first build (test_two_builds_at_once_... built them)."""
    if not (clone / "data" / "tianchi.duckdb.build.json").is_file():
        code = _runner(clone, "build").wait(600)
        assert code == 0
    return _exports(clone)


def test_a_build_stopped_by_sigterm_or_sigkill_leaves_nothing_running_and_builds_again_the_same(
        clone: Path, first_exports: dict[str, pa.Table]) -> None:
    record = clone / "data" / "tianchi.duckdb.build.json"
    for sig in (signal.SIGTERM, signal.SIGKILL):
        build = _runner(clone, "build")
        try:
            start = build.wait_for(r"START sql \S+ model", 300)
            build.wait_for(r"START sql \S+ model", 300, start + 1)  # a few models into the build
            build.signal(sig)
            code = build.wait(120)
            left = wait_until_gone(str(clone), timeout=15 if sig == signal.SIGKILL else 0)
        finally:
            build.kill()
        assert not left, f"still running after {sig.name} of the runner: {left}"
        assert not record.exists(), "a stopped build was recorded as finished"
        if sig == signal.SIGTERM:
            assert code == 128 + sig and "stopped by SIGTERM. Stopped: dbt build" in build.output, build.output[-3000:]
        else:
            assert code == -signal.SIGKILL
    again = _runner(clone, "build")
    assert again.wait(600) == 0, again.output[-3000:]
    assert "took over the lock left by PID" in again.output  # the SIGKILLed build's lock file
    assert record.is_file() and _same_tables(_exports(clone), first_exports)


# ---- behind -m fault_matrix: the main job --------------------------------------------------------------------------

RUN_ARGS = ("run", "--config", CONFIG, "--model-seeds", *SEEDS)
# The stages stopped, each with: the log line that starts it, what is removed from a finished state so that it
# runs again, and how its middle is recognised.
SEED = SEEDS[-1]
STAGES = ("build", "profile", "train", "export", "predict", "average", "score", "submit")
STAGE_LINE = {"build": "dbt build", "profile": "profile", "train": f"train (seed {SEED})",
              "export": f"export (seed {SEED})", "predict": f"predict (seed {SEED})", "average": "average seeds",
              "score": "score", "submit": "submit"}


# Stages that take milliseconds: tests/fault_wrapper.py pauses in their middle, so that a signal can land there.
PAUSED = ("profile", "average", "submit")


def _seed_run(clone: Path) -> Path:
    return clone / "outputs" / "model_seeds" / f"m{SEED}" / STEM


def _make_stage_run_again(clone: Path, stage: str) -> None:
    """From a finished state, remove what makes `stage` (and what follows it) run again."""
    if stage == "build":
        (clone / "data" / "tianchi.duckdb.build.json").unlink()
    elif stage == "train":
        (_seed_run(clone) / "logs" / "train.done.json").unlink()
    elif stage == "export":
        (_seed_run(clone) / "logs" / "export.done.json").unlink()
    elif stage == "predict":
        (_seed_run(clone) / "logs" / "predict_validation.done.json").unlink()
    # profile, average, score and submit run on every run


def _wait_for_middle(run: RunnerProcess, stage: str, start: int, clone: Path) -> None:
    if stage in PAUSED:
        run.wait_for(f"FAULT-PAUSE {stage}", 300, start)
    elif stage in ("build", "score"):
        first = run.wait_for(r"START (sql|test|unit_test)", 300, start)
        run.wait_for(r"START (sql|test|unit_test)", 300, first + 1)
    else:
        run.wait_for(r": running tzrec", 300, start)
        deadline = time.monotonic() + 120
        while not any("tzrec_runner_entry" in c and "torch.distributed.run" not in c
                      for c in processes_mentioning(str(clone)).values()):
            assert time.monotonic() < deadline, run.output[-3000:]
            time.sleep(0.2)
        time.sleep(2.0)


def _results(clone: Path) -> dict[str, object]:
    """What the run leaves for a user: the submission, the last experiments row's scores, the averaged predictions."""
    with (clone / "experiments.csv").open(newline="") as handle:
        row = list(csv.DictReader(handle))[-1]
    averaged = clone / "outputs" / STEM / "predictions"
    return {"submission": (clone / "outputs" / "submission_deepfm_v1.tsv").read_bytes(),
            "scores": {name: row[name] for name in SCORE_COLUMNS},
            "predictions": {split: pq.read_table(averaged / split).to_pylist()
                            for split in ("eval", "predict", "validation")}}


def _out_of_date(clone: Path, stage: str) -> set[Path]:
    """Records left from before `stage` was made to run again that its running again makes out of date (they are
    of steps after it): not reused, by design."""
    if stage == "build":  # new exports: every tzrec step runs again
        return set((clone / "outputs").rglob("*.done.json"))
    after = {"train": ("export", "predict_eval", "predict_predict", "predict_validation"),
             "export": ("predict_eval", "predict_predict", "predict_validation")}.get(stage, ())
    return {_seed_run(clone) / "logs" / f"{step}.done.json" for step in after}


def _records(clone: Path) -> dict[Path, tuple[int, bytes]]:
    found = [*(clone / "outputs").rglob("*.done.json"), clone / "data" / "tianchi.duckdb.build.json"]
    return {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in found if path.is_file()}


@pytest.fixture(scope="module")
def uninterrupted(clone: Path, first_exports: dict[str, pa.Table]) -> dict[str, object]:
    run = _runner(clone, *RUN_ARGS, "--experiments", str(clone / "experiments.csv"))
    try:
        assert run.wait(1800) == 0, run.output[-4000:]
    finally:
        run.kill()
    return _results(clone)


@pytest.mark.fault_matrix
@pytest.mark.tzrec
@pytest.mark.parametrize("point", ["start", "middle"])
@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=lambda s: s.name)
def test_the_main_job_stopped_anywhere_ends_as_if_never_stopped(
        clone: Path, uninterrupted: dict[str, object], sig: signal.Signals, stage: str, point: str) -> None:
    _make_stage_run_again(clone, stage)
    out_of_date = _out_of_date(clone, stage)
    args = (*RUN_ARGS, "--experiments", str(clone / "experiments.csv"))
    problems: list[str] = []
    finished: dict[Path, tuple[int, bytes]] = {}
    try:
        run = _runner(clone, *args, stage=stage if point == "middle" and stage in PAUSED else "none")
        try:
            start = run.wait_for(re.escape(f"=== stage: {STAGE_LINE[stage]} ==="), 600)
            if point == "middle":
                _wait_for_middle(run, stage, start, clone)
            run.signal(sig)
            code = run.wait(180)
            left = wait_until_gone(str(clone), timeout=20 if sig == signal.SIGKILL else 0)
        finally:
            run.kill()
        if left:
            problems.append(f"still running after {sig.name} at the {point} of {stage}: {left}")
        if code != (-signal.SIGKILL if sig == signal.SIGKILL else 128 + sig):
            problems.append(f"exit {code}:\n{run.output[-3000:]}")
        if sig == signal.SIGTERM and ("stopped by SIGTERM" not in run.output or "Traceback" in run.output):
            problems.append(f"no stop message, or a traceback:\n{run.output[-3000:]}")
        finished = {path: stamp for path, stamp in _records(clone).items() if path not in out_of_date}
    finally:
        # run again whatever happened above, so that the next case starts from a finished state
        again = _runner(clone, *args)
        try:
            code = again.wait(1800)
        finally:
            again.kill()
    assert not problems, "\n".join(problems)
    assert code == 0, again.output[-4000:]
    # every step finished before the stop is reused: its record is the same file, untouched, and the log says so
    after = _records(clone)
    rewritten = [str(path.relative_to(clone)) for path, stamp in finished.items() if after.get(path) != stamp]
    assert not rewritten, f"finished steps done again: {rewritten}"
    for path in finished:
        if path.name.endswith(".done.json"):
            assert f"{path.name.removesuffix('.done.json')}: reusing the finished step" in again.output
    if stage != "build" and any(path.name == "tianchi.duckdb.build.json" for path in finished):
        assert "dbt build: reusing the build" in again.output
    if sig == signal.SIGKILL:
        assert "took over the lock left by PID" in again.output
    assert _results(clone) == uninterrupted
