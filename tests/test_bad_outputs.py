"""Outputs that a stop, a full disk or a second job can spoil, without dbt or tzrec (fast):

- a truncated or corrupt Parquet file (a prediction file, an export, the generator's probabilities) is named,
  with the command that writes it again, wherever the runner reads it;
- a prediction set or an average whose write did not finish is refused by every reader;
- docs/experiments.csv never holds half a row, and two jobs scoring at once keep both rows;
- one job at a time per run folder: a second one stops at once naming the first (PID, command line), and a
  lock left by a killed job is taken over with a message;
- a DuckDB file held by another process is one line naming that process.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import runner.experiments
from runner.cli import main
from runner.ensemble import average_runs
from runner.experiments import EXPERIMENT_COLUMNS, append_experiment

ROOT = Path(__file__).resolve().parent.parent


def _predictions(root: Path, probs: list[float], splits: tuple[str, ...] = ("eval", "predict")) -> Path:
    for split in splits:
        folder = root / "predictions" / split
        folder.mkdir(parents=True, exist_ok=True)
        table = {"logits": pa.array([0.0] * len(probs), pa.float32()), "probs": pa.array(probs, pa.float32()),
                 "user_id": pa.array([1] * len(probs), pa.int64()),
                 "item_id": pa.array(list(range(len(probs))), pa.int64()),
                 "cutoff_date": pa.array(["2014-12-17"] * len(probs))}
        if split != "predict":
            table["label"] = pa.array([0] * len(probs), pa.int32())
        pq.write_table(pa.table(table), folder / "part-0.parquet")
    return root


def _truncate(path: Path, keep: int = 100) -> Path:
    path.write_bytes(path.read_bytes()[:keep])
    return path


def _tzrec_run(root: Path, seed: int = 7) -> Path:
    """A run folder as `predict` leaves it (a rendered config, a training record with its seed)."""
    _predictions(root, [0.2, 0.4])
    (root / "pipeline.config").write_text("model_config {}\n")
    (root / "logs").mkdir()
    (root / "logs" / "train.done.json").write_text(json.dumps({"fingerprint": {"seed": seed}}))
    return root


# ---- a truncated or corrupt Parquet file is named, with the command that writes it again ---------------------


def test_score_names_a_truncated_prediction_file_and_the_predict_command(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    run = _tzrec_run(tmp_path / "outputs" / "model_seeds" / "m2" / "stage2_x_v1")
    broken = _truncate(run / "predictions" / "predict" / "part-0.parquet")
    caplog.set_level(logging.ERROR)
    assert main(["score", "--run", str(run), "--experiments", str(tmp_path / "e.csv")]) == 1
    assert str(broken) in caplog.text or "predictions/predict/part-0.parquet" in caplog.text
    assert "is not a readable Parquet file" in caplog.text
    assert (f"python -m runner predict --config stage2_x_v1 --outputs {tmp_path / 'outputs' / 'model_seeds' / 'm2'}"
            " --seed 7 --force") in caplog.text
    assert not (tmp_path / "e.csv").exists()


def test_an_ensemble_names_a_corrupt_member_file_and_the_gbdt_command(tmp_path: Path) -> None:
    gbdt = _predictions(tmp_path / "gbdt_v1", [0.1, 0.3])
    (gbdt / "run.json").write_text(json.dumps({"params": {"seed": 3}}))
    page = gbdt / "predictions" / "eval" / "part-0.parquet"
    data = bytearray(page.read_bytes())
    data[8:40] = b"\xff" * 32  # a damaged data page: the footer reads, the rows do not
    page.write_bytes(bytes(data))
    other = _predictions(tmp_path / "other", [0.2, 0.4])
    with pytest.raises(RuntimeError) as error:
        average_runs([gbdt, other], tmp_path / "ens")
    assert "gbdt_v1/predictions/eval/part-0.parquet is not a readable Parquet file" in str(error.value)
    assert "python -m runner baseline gbdt --name gbdt_v1" in str(error.value) and "--seed 3" in str(error.value)


def test_the_gbdt_names_a_truncated_export_and_the_build_command(tmp_path: Path) -> None:
    from runner.baselines.gbdt import train_gbdt

    processed = tmp_path / "processed"
    processed.mkdir()
    pq.write_table(pa.table({"label": [0, 1], "x": [1.0, 2.0]}), processed / "train.parquet")
    _truncate(processed / "train.parquet", 40)
    with pytest.raises(RuntimeError) as error:
        train_gbdt("gbdt_v1", processed_dir=processed, outputs_dir=tmp_path / "outputs")
    assert "processed/train.parquet is not a readable Parquet file" in str(error.value)
    assert "python -m runner build" in str(error.value)


def test_the_oracle_names_a_truncated_probability_file_and_the_generator(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "answers_20141219.txt").write_text("1\t10\n")
    probabilities = answers / "purchase_prob_20141219.parquet"
    pq.write_table(pa.table({"user_id": [1], "item_id": [10], "prob": [0.5]}), probabilities)
    _truncate(probabilities, 30)
    caplog.set_level(logging.ERROR)
    assert main(["oracle", "--raw-dir", str(tmp_path)]) == 1
    assert "purchase_prob_20141219.parquet is not a readable Parquet file" in caplog.text
    assert "python -m runner generate" in caplog.text


# ---- a set whose write did not finish is refused --------------------------------------------------------------


def test_score_and_ensemble_refuse_a_prediction_set_left_half_written(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    run = _tzrec_run(tmp_path / "stage2_x_v1")
    (run / "predictions" / "predict").rename(run / "predictions" / "predict.partial")  # predict was stopped
    caplog.set_level(logging.ERROR)
    assert main(["score", "--run", str(run), "--experiments", str(tmp_path / "e.csv")]) == 1
    assert "the predict predictions of" in caplog.text and "are incomplete" in caplog.text
    assert "predict.partial is left by a write that has not finished" in caplog.text
    assert "python -m runner predict --config stage2_x_v1" in caplog.text
    with pytest.raises(RuntimeError, match="are incomplete"):
        average_runs([run, _predictions(tmp_path / "b", [0.1, 0.1])], tmp_path / "ens")


def test_an_average_stopped_while_it_writes_keeps_no_mix_of_old_and_new_sets(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a = _predictions(tmp_path / "a", [0.2, 0.4])
    b = _predictions(tmp_path / "b", [0.6, 0.8])
    out = average_runs([a, b], tmp_path / "mean")
    before = {split: pq.read_table(out / "predictions" / split).column("probs").to_pylist()
              for split in ("eval", "predict")}
    c = _predictions(tmp_path / "c", [0.9, 0.9])
    written: list[Path] = []
    real_write = pq.write_table

    def stopped_after_one(table: pa.Table, where: object, **kwargs: object) -> None:
        if written:
            raise KeyboardInterrupt  # Ctrl-C (or SIGTERM) while the second set is written
        real_write(table, where, **kwargs)
        written.append(Path(str(where)))

    monkeypatch.setattr(pq, "write_table", stopped_after_one)
    with pytest.raises(KeyboardInterrupt):
        average_runs([a, c], out)
    monkeypatch.undo()
    with pytest.raises(RuntimeError, match="are incomplete"):  # readers refuse the unfinished average ...
        average_runs([out, a], tmp_path / "again")
    for split, probs in before.items():  # ... and its sets are still all the old ones, none replaced alone
        assert pq.read_table(out / "predictions" / split).column("probs").to_pylist() == probs
    average_runs([a, c], out)  # written again: whole and readable
    assert pq.read_table(out / "predictions" / "predict").column("probs").to_pylist() != before["predict"]


# ---- the experiments log ----------------------------------------------------------------------------------------


def test_a_stop_while_the_log_is_written_leaves_no_half_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "experiments.csv"
    append_experiment({"date": "2026-01-01", "run": "outputs/a", "f1": "0.1"}, log)
    before = log.read_bytes()
    real_writerow = csv.DictWriter.writerow

    def half_then_stop(self: csv.DictWriter, row: dict[str, str]) -> None:
        self.writer.writerow(list(row.values())[:3])  # part of the row reaches the file ...
        raise KeyboardInterrupt  # ... then the job is stopped

    monkeypatch.setattr(csv.DictWriter, "writerow", half_then_stop)
    with pytest.raises(KeyboardInterrupt):
        append_experiment({"date": "2026-01-02", "run": "outputs/b", "f1": "0.2"}, log)
    monkeypatch.setattr(csv.DictWriter, "writerow", real_writerow)
    assert log.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name != "experiments.csv"]  # no temporary left either


_APPENDER = """
import sys
from pathlib import Path
from runner.experiments import append_experiment
for number in range(int(sys.argv[3])):
    append_experiment({"date": "2026-01-01", "run": f"outputs/{sys.argv[2]}_{number}", "f1": "0.1"}, Path(sys.argv[1]))
"""


def test_two_jobs_appending_at_once_keep_every_row(tmp_path: Path) -> None:
    log = tmp_path / "experiments.csv"
    jobs = [subprocess.Popen([sys.executable, "-c", _APPENDER, str(log), name, "40"], cwd=ROOT)
            for name in ("a", "b")]
    assert [job.wait(120) for job in jobs] == [0, 0]
    with log.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 80 and len({row["run"] for row in rows}) == 80
    assert list(rows[0]) == EXPERIMENT_COLUMNS


def test_the_log_keeps_its_own_header(tmp_path: Path) -> None:
    log = tmp_path / "experiments.csv"
    log.write_text("date,run,f1\n2026-01-01,outputs/a,0.1")  # no line end after the last row
    append_experiment({"date": "2026-01-02", "run": "outputs/b", "f1": "0.2", "auc": "0.7"}, log)
    # the row ends as the csv module ends rows (\r\n), as every row of docs/experiments.csv does
    assert log.read_bytes() == b"date,run,f1\n2026-01-01,outputs/a,0.1\n2026-01-02,outputs/b,0.2\r\n"
    assert runner.experiments.EXPERIMENTS_CSV.name == "experiments.csv"


# ---- one job per run folder ---------------------------------------------------------------------------------------

_HOLDER = """
import sys, time
from pathlib import Path
from runner.locks import run_folder_lock, Busy
try:
    with run_folder_lock(Path(sys.argv[1])):
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
except Busy as error:
    print("BUSY", error, flush=True)
    sys.exit(3)
"""


def _holder(folder: Path, seconds: float) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _HOLDER, str(folder), str(seconds)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_jobs_racing_for_one_folder_one_runs_the_other_stops_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "outputs" / "stage2_x_v1"
    jobs = [_holder(folder, 3) for _ in range(2)]
    outputs = [job.communicate(timeout=60)[0] for job in jobs]
    codes = sorted(job.returncode for job in jobs)
    assert codes == [0, 3], outputs
    winner, loser = (jobs[0], jobs[1]) if jobs[0].returncode == 0 else (jobs[1], jobs[0])
    message = outputs[jobs.index(loser)]
    assert f"run folder {folder} is in use by another job: PID {winner.pid} (" in message
    assert "-c" in message and "kill" in message  # its command line, and how to stop it


def test_a_cli_command_on_a_busy_folder_stops_at_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    outputs = tmp_path / "outputs"
    holder = _holder(outputs / "gbdt_v1", 60)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        caplog.set_level(logging.ERROR)
        started = time.monotonic()
        code = main(["baseline", "gbdt", "--outputs", str(outputs), "--processed-dir", str(tmp_path / "none")])
        assert code == 1 and time.monotonic() - started < 5
        assert f"is in use by another job: PID {holder.pid}" in caplog.text
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_left_by_a_killed_job_is_taken_over_with_a_message(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from runner.locks import run_folder_lock

    folder = tmp_path / "run"
    holder = _holder(folder, 60)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert json.loads((folder / ".lock").read_text())["pid"] == holder.pid  # the file is left behind
    caplog.set_level(logging.WARNING, logger="runner.locks")
    with run_folder_lock(folder):
        assert json.loads((folder / ".lock").read_text())["pid"] == os.getpid()
    assert f"took over the lock left by PID {holder.pid}" in caplog.text and "killed" in caplog.text
    assert (folder / ".lock").read_text() == ""  # released cleanly: nothing to take over next time
    with run_folder_lock(folder), run_folder_lock(folder):  # re-entrant within one process
        pass


def test_the_lock_is_the_kernels_so_a_killed_holder_never_blocks(tmp_path: Path) -> None:
    from runner.locks import Busy, run_folder_lock

    folder = tmp_path / "run"
    holder = _holder(folder, 60)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    with pytest.raises(Busy), run_folder_lock(folder):
        pass
    holder.kill()
    holder.wait()
    with run_folder_lock(folder):
        pass


# ---- the DuckDB file held by another process ----------------------------------------------------------------------


def test_profile_names_the_process_that_holds_the_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    database = tmp_path / "tianchi.duckdb"
    duckdb.connect(str(database)).close()
    writer = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"c = duckdb.connect({str(database)!r})\nprint('open', flush=True)\ntime.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        monkeypatch.setenv("TIANCHI_DUCKDB_PATH", str(database))
        caplog.set_level(logging.ERROR)
        assert main(["profile"]) == 1
    finally:
        writer.kill()
        writer.wait()
    message = caplog.records[-1].getMessage()
    assert f"tianchi.duckdb is open for writing by PID {writer.pid} (" in message and "kill" in message
    assert "\n" not in message and "Traceback" not in caplog.text
