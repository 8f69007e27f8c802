"""The runner side without tzrec: locating the interpreter, launching and failing, run folders, the CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import runner.tzrec.steps
from runner.cli import build_parser
from runner.tzrec.config import ConfigSummary
from runner.tzrec.interpreter import DEFAULT_TZREC_PYTHON, SHIMS_DIR, TzrecNotFoundError, child_env, find_tzrec_python
from runner.tzrec.launch import (
    DEFAULT_STALL_SECONDS,
    STALL_ENV,
    StepRun,
    TzrecStepError,
    _root_cause,
    run_step,
    stall_seconds_from_env,
    torchrun_command,
)
from runner.tzrec.runfolder import RunFolder
from runner.tzrec.steps import RunOptions, Session, run_command


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


def test_the_log_shows_each_line_while_the_step_runs(tmp_path: Path) -> None:
    """A user tails logs/<step>.log during a long step: each line is in the file as soon as tzrec prints it,
    not when a write buffer fills or the step ends."""
    release = tmp_path / "release"
    python = _fake_python(tmp_path / "python", (
        'echo "[2026-01-01 00:00:00,000][INFO] Training Epoch 0: 5it [1.00it/s]"\n'
        f"i=0; while [ ! -f {release} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n"
    ))
    log_path = tmp_path / "logs" / "train.log"
    step = threading.Thread(target=run_step, args=("train", python, "tzrec.train_eval", []),
                            kwargs={"nproc": 1, "log_path": log_path, "cwd": tmp_path / "run"})
    step.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (
                log_path.exists() and "Training Epoch 0" in log_path.read_text()):
            time.sleep(0.1)
        assert step.is_alive(), "the step ended before the line was looked for"
        assert "Training Epoch 0" in log_path.read_text()
    finally:
        release.touch()
        step.join(timeout=60)


def test_root_cause_falls_back_to_the_last_lines() -> None:
    assert _root_cause(["[rank1]: RuntimeError: boom", "ChildFailedError: x"]) == "RuntimeError: boom"
    assert _root_cause(["nothing", "to see"]) is None


def test_run_folder_reuse(tmp_path: Path) -> None:
    run = RunFolder.for_config(Path("configs/experiments/stage1_deepfm_v1.yml"), tmp_path)
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


def _fake_tzrec(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """tzrec stood in for: the config is copied as its rendering, and each step writes the outputs the runner
    checks (predictions: the input's reserved columns and a constant score). Returns the steps launched."""
    launched: list[str] = []

    def render(python: Path, source: Path, destination: Path, buckets: Mapping[str, int],
               fields: Mapping[str, str], header: str = "", candidate_features: bool = False) -> ConfigSummary:
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(source.read_text())
        return ConfigSummary(source=source, model="DeepFM", fg_mode="FG_NONE", dataset_type="ParquetDataset",
                             label_fields=("label",), features=())

    def run(step: str, python: Path, module: str, args: Sequence[str], *, nproc: int, log_path: Path,
            cwd: Path, env: Mapping[str, str] | None = None) -> StepRun:
        launched.append(step)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("")
        flags = dict(zip(args[::2], args[1::2], strict=True))
        if module == "tzrec.train_eval":
            (cwd / "model" / "model.ckpt-1").mkdir(parents=True)
            (cwd / "model" / "train_eval_result_v2.txt").write_text('{"global_step": 1, "auc": 0.5}\n')
            (cwd / "model" / "pipeline.config").write_text("")
        elif module == "tzrec.export":
            Path(flags["--export_dir"]).mkdir(parents=True)
            for name in ("scripted_model.pt", "pipeline.config"):
                (Path(flags["--export_dir"]) / name).write_text("")
        elif module == "tzrec.predict":
            source = pq.read_table(flags["--predict_input_path"], columns=flags["--reserved_columns"].split(","))
            scores = {"logits": pa.array([0.0] * source.num_rows, pa.float32()),
                      "probs": pa.array([0.5] * source.num_rows, pa.float32())}
            output = Path(flags["--predict_output_path"])
            output.mkdir(parents=True)
            pq.write_table(pa.table({**scores, **{c: source.column(c) for c in source.column_names}}),
                           output / "part-0.parquet")
        return StepRun(seconds=0.0, peak_rss_gb=0.0)

    monkeypatch.setattr(runner.tzrec.steps, "render_config", render)
    monkeypatch.setattr(runner.tzrec.steps, "run_step", run)
    return launched


def _options(tmp_path: Path, config: Path, data: dict[str, Path], **changes: object) -> RunOptions:
    python = _fake_python(tmp_path / "python", "exit 1\n")
    options = RunOptions(config=config, train_data=data["train"], eval_data=data["eval"],
                         predict_data=data["predict"], predict_validation_data=data["validation"],
                         buckets=data["id_buckets"], outputs_dir=tmp_path / "outputs", tzrec_python=python)
    return dataclasses.replace(options, **changes)


def test_predict_predicts_the_validation_users_too_and_reuses_what_is_finished(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_data: dict[str, Path], deepfm_config: Path) -> None:
    """A run predicted before predict_validation existed (its data None here) gains only that step on the next
    `predict`; then everything is reused."""
    launched = _fake_tzrec(monkeypatch)
    without = _options(tmp_path, deepfm_config, tiny_data, predict_validation_data=None)
    assert [o.step for o in Session(without).plan("predict")] == ["train", "export", "predict_eval",
                                                                 "predict_predict"]
    run_command("predict", without)
    assert launched == ["train", "export", "predict_eval", "predict_predict"]
    run = RunFolder.for_config(deepfm_config, tmp_path / "outputs")
    assert not run.prediction_files("validation")

    launched.clear()
    options = _options(tmp_path, deepfm_config, tiny_data)
    outcomes = run_command("predict", options)
    assert [(o.step, o.ran) for o in outcomes] == [("train", False), ("export", False), ("predict_eval", False),
                                                   ("predict_predict", False), ("predict_validation", True)]
    assert launched == ["predict_validation"]
    predictions = pq.read_table(run.predictions_dir("validation"))
    assert predictions.column_names == ["logits", "probs", "user_id", "item_id", "cutoff_date", "label"]
    assert predictions.num_rows == pq.read_metadata(tiny_data["validation"]).num_rows
    assert (run.read_record("predict_validation") or {})["fingerprint"]["data"][0][0] == str(tiny_data["validation"])

    launched.clear()
    assert not any(o.ran for o in run_command("predict", options)) and launched == []
    # the step is predict's own: --force predicts it again (and the other sets), without retraining
    assert [o.step for o in run_command("predict", dataclasses.replace(options, force=True)) if o.ran] == [
        "predict_eval", "predict_predict", "predict_validation"]


def test_the_validation_users_are_checked_as_a_labelled_set_once_per_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_data: dict[str, Path], deepfm_config: Path) -> None:
    _fake_tzrec(monkeypatch)
    session = Session(_options(tmp_path, deepfm_config, tiny_data))
    (validation,) = session.datasets(["predict_validation"])
    assert (validation.role, validation.path) == ("validation", tiny_data["validation"])
    assert validation.reserved == ("item_id", "user_id") and validation.optional_reserved == ("cutoff_date", "label")
    # RunOptions.from_exports: training evaluates on the same file predict_validation scores; it is read once
    shared = Session(_options(tmp_path, deepfm_config, tiny_data, eval_data=tiny_data["validation"]))
    checked = shared.datasets(["train", "predict_validation"])
    assert [d.path for d in checked] == [tiny_data["train"], tiny_data["validation"]]
    assert checked[1].needs_label and checked[1].reserved == ("item_id", "user_id")


def test_the_exports_wiring_predicts_the_validation_export(tmp_path: Path, deepfm_config: Path) -> None:
    options = RunOptions.from_exports(deepfm_config, tmp_path)
    assert options.predict_validation_data == tmp_path / "validation.parquet"


def test_a_predict_stopped_half_way_leaves_a_set_no_reader_takes_and_predicts_it_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_data: dict[str, Path], deepfm_config: Path) -> None:
    """tzrec writes each prediction set into <set>.partial/, which becomes <set>/ only when the step has finished
    and its rows are checked: a predict stopped while a set is written (here after its first part file) leaves no
    <set>/ that scoring, submit or an ensemble would read as whole; the next predict writes the set again."""
    from runner.parquet_files import IncompleteOutputError
    from runner.scoring import check_predictions

    launched = _fake_tzrec(monkeypatch)
    faked = runner.tzrec.steps.run_step

    def stopped_in_predict(step: str, *args: object, **kwargs: object) -> StepRun:
        result = faked(step, *args, **kwargs)
        if step == "predict_predict":
            raise KeyboardInterrupt  # the runner stopped right after tzrec wrote a part file
        return result

    monkeypatch.setattr(runner.tzrec.steps, "run_step", stopped_in_predict)
    options = _options(tmp_path, deepfm_config, tiny_data)
    with pytest.raises(KeyboardInterrupt):
        run_command("predict", options)
    run = RunFolder.for_config(deepfm_config, tmp_path / "outputs")
    assert (run.root / "predictions" / "predict.partial" / "part-0.parquet").is_file()
    assert not run.predictions_dir("predict").exists() and run.read_record("predict_predict") is None
    with pytest.raises(IncompleteOutputError, match="predict.partial is left by a write that has not finished"):
        check_predictions(run.root)

    monkeypatch.setattr(runner.tzrec.steps, "run_step", faked)
    launched.clear()
    outcomes = run_command("predict", options)
    assert [o.step for o in outcomes if o.ran] == ["predict_predict", "predict_validation"] == launched
    assert not (run.root / "predictions" / "predict.partial").exists()
    assert set(check_predictions(run.root)) == {"eval", "predict"}


def test_a_damaged_prediction_file_is_predicted_again_not_reused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_data: dict[str, Path], deepfm_config: Path) -> None:
    launched = _fake_tzrec(monkeypatch)
    options = _options(tmp_path, deepfm_config, tiny_data)
    run_command("predict", options)
    part = RunFolder.for_config(deepfm_config, tmp_path / "outputs").prediction_files("eval")[0]
    part.write_bytes(part.read_bytes()[:-20])  # cut short: its footer is gone
    launched.clear()
    outcomes = run_command("predict", options)
    assert [(o.step, o.reason) for o in outcomes if o.ran] == [("predict_eval", "its outputs are missing")]
    assert launched == ["predict_eval"] and pq.read_table(part).num_rows > 0


def test_the_pre_flight_check_names_a_truncated_export_and_the_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_data: dict[str, Path], deepfm_config: Path) -> None:
    _fake_tzrec(monkeypatch)
    train = tmp_path / "train.parquet"
    train.write_bytes(tiny_data["train"].read_bytes()[:500])
    with pytest.raises(RuntimeError) as error:
        run_command("train", _options(tmp_path, deepfm_config, tiny_data, train_data=train))
    assert f"{train} is not a readable Parquet file" in str(error.value)
    assert "python -m runner build" in str(error.value)
