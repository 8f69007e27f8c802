"""The runner side without tzrec: locating the interpreter, launching and failing, run folders, the CLI."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runner.cli import build_parser
from runner.tzrec.interpreter import DEFAULT_TZREC_PYTHON, SHIMS_DIR, TzrecNotFoundError, child_env, find_tzrec_python
from runner.tzrec.launch import (
    DEFAULT_STALL_SECONDS,
    STALL_ENV,
    TzrecStepError,
    _root_cause,
    run_step,
    stall_seconds_from_env,
    torchrun_command,
)
from runner.tzrec.runfolder import RunFolder


def _fake_python(path: Path, script: str) -> Path:
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_interpreter_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flag = _fake_python(tmp_path / "flag_python", "")
    env = _fake_python(tmp_path / "env_python", "")
    monkeypatch.setenv("TZREC_PYTHON", str(env))
    assert find_tzrec_python(flag) == flag
    assert find_tzrec_python() == env
    monkeypatch.delenv("TZREC_PYTHON")
    if DEFAULT_TZREC_PYTHON.exists():
        assert find_tzrec_python() == DEFAULT_TZREC_PYTHON


def test_missing_interpreter_names_path_and_make_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZREC_PYTHON", str(tmp_path / "nope" / "python"))
    with pytest.raises(TzrecNotFoundError) as error:
        find_tzrec_python()
    assert str(tmp_path / "nope" / "python") in str(error.value)
    assert "$TZREC_PYTHON" in str(error.value) and "make setup" in str(error.value)


def test_child_env_has_only_the_shims_on_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    env = child_env({"QUANT_EMB": "0"})
    assert env["PYTHONPATH"] == str(SHIMS_DIR) and env["QUANT_EMB"] == "0"


def test_torchrun_command() -> None:
    command = torchrun_command(Path("/py"), "tzrec.export", ["--export_dir", "e"], nproc=2)
    assert command == ["/py", "-m", "torch.distributed.run", "--standalone", "--nnodes=1", "--nproc-per-node=2",
                       "-m", "tzrec_runner_entry", "tzrec.export", "--export_dir", "e"]


def test_failed_step_names_the_cause_and_the_log(tmp_path: Path) -> None:
    python = _fake_python(tmp_path / "python", (
        'echo "[2026-01-01 00:00:00,000][INFO] Training Epoch 0: 5it [1.00it/s]"\n'
        'echo "[rank0]: Traceback (most recent call last):"\n'
        'echo "[rank0]: ValueError: column [cutoff_date] with dtype date32[day] is not supported now."\n'
        'echo "torch.distributed.elastic.multiprocessing.errors.ChildFailedError:"\n'
        "exit 1\n"
    ))
    log_path = tmp_path / "logs" / "train.log"
    with pytest.raises(TzrecStepError) as error:
        run_step("train", python, "tzrec.train_eval", [], nproc=1, log_path=log_path, cwd=tmp_path / "run")
    message = str(error.value)
    assert "tzrec train failed (exit 1)" in message
    assert "ValueError: column [cutoff_date] with dtype date32[day] is not supported now." in message
    assert str(log_path) in message
    assert "Training Epoch 0" in log_path.read_text()


def test_root_cause_falls_back_to_the_last_lines() -> None:
    assert _root_cause(["[rank1]: RuntimeError: boom", "ChildFailedError: x"]) == "RuntimeError: boom"
    assert _root_cause(["nothing", "to see"]) is None


def test_run_folder_reuse(tmp_path: Path) -> None:
    run = RunFolder.for_config(Path("configs/staging/stage1_deepfm_v1.config"), tmp_path)
    assert run.root == tmp_path / "stage1_deepfm_v1"
    assert run.reusable("train", {"a": 1}) == (False, "it has not run yet")
    (run.model_dir / "model.ckpt-12").mkdir(parents=True)
    (run.model_dir / "model.ckpt-3").mkdir(parents=True)
    (run.model_dir / "train_eval_result_v2.txt").write_text('{"global_step": 12, "auc": 0.7}\n')
    (run.model_dir / "pipeline.config").write_text("")
    assert [p.name for p in run.checkpoints()] == ["model.ckpt-3", "model.ckpt-12"]
    assert run.reusable("train", {"a": 1}) == (False, "it has no record of finishing")
    run.write_record("train", {"a": 1}, 3.0)
    assert run.reusable("train", {"a": 1})[0]
    assert run.reusable("train", {"a": 2}) == (False, "its inputs changed (a)")
    record_id = run.record_id("train")
    assert record_id and json.loads(run.record_path("train").read_text())["fingerprint"] == {"a": 1}
    run.remove_outputs("train")
    assert not run.model_dir.exists() and run.read_record("train") is None


@pytest.mark.parametrize("command", ["train", "evaluate", "export", "predict"])
def test_help_reads_like_documentation(command: str) -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    text = subparsers.choices[command].format_help()
    for option in ("--config", "--nproc", "--tzrec-python", "--force", "--train-data", "--eval-data", "--seed"):
        assert option in text
    assert ("--predict-data" in text) == (command == "predict")
    assert "data/processed/train.parquet" in text and "train_all_negatives.parquet" in text


def test_cli_reports_a_missing_interpreter(tmp_path: Path) -> None:
    env = {**os.environ, "TZREC_PYTHON": str(tmp_path / "missing")}
    result = subprocess.run([sys.executable, "-m", "runner", "train", "--config",
                             "tests/fixtures/tzrec/deepfm_tiny.config"], capture_output=True, text=True, env=env,
                            cwd=Path(__file__).resolve().parents[2], check=False)
    assert result.returncode == 1
    assert "make setup" in result.stderr and str(tmp_path / "missing") in result.stderr


def test_a_silent_step_is_stopped_as_stalled_with_the_fix(tmp_path: Path) -> None:
    """A step that prints one line and then hangs (with a child of its own, like a DataLoader worker) is stopped
    after stall_seconds of silence, every process of its group with it, and the error says what to do."""
    pid_file = tmp_path / "child.pid"
    python = _fake_python(tmp_path / "python", (
        'echo "[2026-01-01 00:00:00,000][INFO] Training Epoch 0: 5it [1.00it/s]"\n'
        f"sleep 300 & echo $! > {pid_file}\n"
        "wait\n"
    ))
    log_path = tmp_path / "logs" / "train.log"
    started = time.monotonic()
    with pytest.raises(TzrecStepError) as error:
        run_step("train", python, "tzrec.train_eval", [], nproc=1, log_path=log_path, cwd=tmp_path / "run",
                 stall_seconds=2)
    assert time.monotonic() - started < 60
    message = str(error.value)
    assert "tzrec train stalled: it printed nothing for 2 s" in message
    assert "run the same command again" in message and STALL_ENV in message and str(log_path) in message
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists() and \
            "Z" not in Path(f"/proc/{child}/stat").read_text().split()[2]:
        time.sleep(0.1)
    assert not Path(f"/proc/{child}").exists() or Path(f"/proc/{child}/stat").read_text().split()[2] == "Z"


@pytest.mark.parametrize(("value", "expected"), [(None, DEFAULT_STALL_SECONDS), ("90", 90.0), ("0", None)])
def test_the_stall_limit_reads_its_env_var(monkeypatch: pytest.MonkeyPatch, value: str | None,
                                           expected: float | None) -> None:
    if value is None:
        monkeypatch.delenv(STALL_ENV, raising=False)
    else:
        monkeypatch.setenv(STALL_ENV, value)
    assert stall_seconds_from_env() == expected


def test_a_bad_stall_limit_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STALL_ENV, "ten minutes")
    with pytest.raises(TzrecStepError, match="not a number of seconds"):
        stall_seconds_from_env()
