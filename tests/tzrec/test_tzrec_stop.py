"""Stopping `python -m runner train` while torchrun trains: SIGTERM and SIGHUP (what `timeout`, a scheduler, a CI
job limit, `kill` or a closed terminal send) stop torchrun and its ranks, which run in sessions of their own,
and the runner says what it stopped; SIGKILL, which the runner cannot catch, ends them too (the parent-death
signal of runner/processes.py). Nothing of the stopped run keeps writing into the run folder, and the same
command run again trains to the same result as a run never stopped."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from process_helpers import RunnerProcess, processes_mentioning, run_runner, wait_until_gone

pytestmark = pytest.mark.tzrec


def _train_args(config: Path, data: dict[str, Path], outputs: Path, python: Path) -> list[str]:
    return ["train", "--config", str(config), "--train-data", str(data["train"]), "--eval-data", str(data["eval"]),
            "--buckets", str(data["id_buckets"]), "--outputs", str(outputs), "--tzrec-python", str(python)]


def _wait_for_a_rank(runner: RunnerProcess, outputs: Path, timeout: float = 120.0) -> None:
    """Until torchrun has started a worker of this run (its command line names the run folder)."""
    runner.wait_for(r"train: running tzrec", timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = [command for command in processes_mentioning(str(outputs)).values()
                   if "tzrec_runner_entry" in command and "torch.distributed.run" not in command]
        if workers:
            time.sleep(2.0)  # into the worker's imports or its training
            return
        time.sleep(0.2)
    raise AssertionError(f"no tzrec worker started:\n{runner.output[-3000:]}")


def _metrics(outputs: Path, name: str) -> dict[str, object]:
    return json.loads((outputs / name / "model" / "train_eval_result_v2.txt").read_text().splitlines()[-1])


@pytest.fixture(scope="module")
def uninterrupted(tzrec_python: Path, tiny_data: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
                  ) -> dict[str, object]:
    """The metrics of the same training, never stopped."""
    from runner.paths import PROJECT_ROOT

    outputs = tmp_path_factory.mktemp("never_stopped")
    config = PROJECT_ROOT / "tests" / "fixtures" / "tzrec" / "deepfm_tiny.config"
    code, output = run_runner(_train_args(config, tiny_data, outputs, tzrec_python))
    assert code == 0, output[-3000:]
    return _metrics(outputs, config.stem)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=lambda s: s.name)
def test_a_stopped_training_leaves_nothing_running_and_trains_again_to_the_same_model(
        sig: signal.Signals, tzrec_python: Path, tiny_data: dict[str, Path], deepfm_config: Path, tmp_path: Path,
        uninterrupted: dict[str, object]) -> None:
    outputs = tmp_path / "outputs"
    args = _train_args(deepfm_config, tiny_data, outputs, tzrec_python)
    runner = RunnerProcess(args)
    try:
        _wait_for_a_rank(runner, outputs)
        runner.signal(sig)
        code = runner.wait(120)
        # SIGTERM, SIGHUP: the runner waits for its children before it exits; SIGKILL: the kernel's
        # parent-death signal reaches torchrun, which stops its ranks within seconds
        survivors = wait_until_gone(str(outputs), timeout=15 if sig == signal.SIGKILL else 0)
    finally:
        runner.kill()
    assert not survivors, f"still running after {sig.name} of the runner: {survivors}"
    run = outputs / deepfm_config.stem
    # the stopped training wrote no result after the runner ended (a surviving worker would have finished it),
    # and an unfinished step is never recorded as done
    assert not (run / "model" / "train_eval_result_v2.txt").exists()
    assert not (run / "logs" / "train.done.json").exists()
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 128 + sig
        assert f"stopped by {sig.name}" in runner.output
        assert "Stopped: tzrec train (torchrun, 1 rank)" in runner.output, runner.output[-2000:]
        assert "Traceback" not in runner.output
    if sig == signal.SIGHUP:
        return  # the same stop as SIGTERM; training again is shown by the other two
    code, output = run_runner(args)
    assert code == 0, output[-3000:]
    assert "train: running (it has no record of finishing)" in output or "train: running (it has not run" in output
    assert _metrics(outputs, deepfm_config.stem) == uninterrupted
