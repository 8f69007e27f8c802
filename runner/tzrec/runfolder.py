"""The run folder of one config, `outputs/<config stem>/`, and the records of finished steps.

    outputs/<config stem>/
        pipeline.config          the rendered config (num_buckets and input paths filled)
        model/                   tzrec's model_dir: model.ckpt-<step>/, pipeline.config, TensorBoard
                                 events (and eval_val/), train_eval_result_v2.txt, eval_result.txt
        export/                  scripted_model.pt, pipeline.config, fg.json, ... (fp32 embeddings)
        predictions/eval/        part-<rank>.parquet: logits, probs, user_id, item_id[, cutoff_date][, label]
                                 (tzrec writes predictions/eval.partial/, renamed when the step succeeds)
        predictions/predict/     the same for the predict set
        predictions/validation/  the same for the validation users (held out of the training label days)
        logs/<step>.log          the full output of each tzrec step
        logs/<step>.done.json    written when a step succeeds: what it was run on (its fingerprint)
        .lock                    held by the job writing the folder (runner/locks.py)

A step is reused when its outputs exist and its record's fingerprint matches what it would be run on
now: the rendered config, the input files' size and modification time, the seed, the upstream step's
record. (Training is not tied to the eval set, which only changes the metrics it reports.) Otherwise,
or with --force, it runs again, and the outputs of the steps after it are removed so that nothing
stale (an export of an older model, predictions of an older export) is left behind.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner import atomic
from runner.parquet_files import CorruptParquetError, check_readable

STEPS = ("train", "evaluate", "export", "predict_eval", "predict_predict", "predict_validation")
# Removing a step's outputs also removes these (they were built from it).
DOWNSTREAM = {
    "train": ("evaluate", "export", "predict_eval", "predict_predict", "predict_validation"),
    "evaluate": (),
    "export": ("predict_eval", "predict_predict", "predict_validation"),
    "predict_eval": (),
    "predict_predict": (),
    "predict_validation": (),
}
TRAIN_RESULT = "train_eval_result_v2.txt"
EVAL_RESULT = "eval_result.txt"


@dataclass(frozen=True)
class RunFolder:
    root: Path

    @classmethod
    def for_config(cls, config: Path, outputs_dir: Path) -> RunFolder:
        return cls(outputs_dir.absolute() / config.stem)

    @property
    def pipeline_config(self) -> Path:
        return self.root / "pipeline.config"

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def trained_config(self) -> Path:
        """The config tzrec saved beside the checkpoints (what evaluate and export read)."""
        return self.model_dir / "pipeline.config"

    @property
    def export_dir(self) -> Path:
        return self.root / "export"

    def predictions_dir(self, data_set: str) -> Path:
        return self.root / "predictions" / data_set

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def log_path(self, step: str) -> Path:
        return self.logs_dir / f"{step}.log"

    def record_path(self, step: str) -> Path:
        return self.logs_dir / f"{step}.done.json"

    # ---- outputs of each step -------------------------------------------------------------------

    def checkpoints(self) -> list[Path]:
        found = [p for p in self.model_dir.glob("model.ckpt-*") if p.is_dir()]
        return sorted(found, key=lambda p: int(p.name.rsplit("-", 1)[-1]) if p.name.rsplit("-", 1)[-1].isdigit()
                      else -1)

    def prediction_files(self, data_set: str) -> list[Path]:
        return sorted(self.predictions_dir(data_set).glob("*.parquet"))

    def outputs_present(self, step: str) -> bool:
        if step == "train":
            return bool(self.checkpoints()) and (self.model_dir / TRAIN_RESULT).is_file() \
                and self.trained_config.is_file()
        if step == "evaluate":
            return (self.model_dir / EVAL_RESULT).is_file()
        if step == "export":
            return (self.export_dir / "scripted_model.pt").is_file() and (self.export_dir / "pipeline.config").is_file()
        if step.startswith("predict_"):
            files = self.prediction_files(step.removeprefix("predict_"))
            try:
                check_readable(files)  # a file damaged since is written again, not reused
            except CorruptParquetError:
                return False
            return bool(files)
        raise ValueError(f"unknown step {step}")

    def remove_outputs(self, step: str) -> None:
        """Remove a step's outputs and record (not its log: the caller overwrites it)."""
        if step == "train":
            shutil.rmtree(self.model_dir, ignore_errors=True)
        elif step == "evaluate":
            (self.model_dir / EVAL_RESULT).unlink(missing_ok=True)
        elif step == "export":
            shutil.rmtree(self.export_dir, ignore_errors=True)
        elif step.startswith("predict_"):
            folder = self.predictions_dir(step.removeprefix("predict_"))
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(atomic.partial_folder(folder), ignore_errors=True)
        self.record_path(step).unlink(missing_ok=True)

    # ---- records --------------------------------------------------------------------------------

    def read_record(self, step: str) -> dict[str, Any] | None:
        try:
            return json.loads(self.record_path(step).read_text())
        except (OSError, ValueError):
            return None

    def record_id(self, step: str) -> str | None:
        """A short hash of a finished step's record: downstream fingerprints include it."""
        record = self.read_record(step)
        if record is None:
            return None
        return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]

    def write_record(self, step: str, fingerprint: Mapping[str, Any], seconds: float,
                     extra: Mapping[str, Any] | None = None) -> None:
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        record = {"step": step, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "seconds": round(seconds, 1),
                  "fingerprint": dict(fingerprint), **(extra or {})}
        atomic.write_text(self.record_path(step), json.dumps(record, indent=2, sort_keys=True) + "\n")

    def reusable(self, step: str, fingerprint: Mapping[str, Any]) -> tuple[bool, str]:
        """Whether a finished `step` matches `fingerprint`; the reason when it does not."""
        record = self.read_record(step)
        if record is None:
            return False, "it has not run yet" if not self.outputs_present(step) else "it has no record of finishing"
        if not self.outputs_present(step):
            return False, "its outputs are missing"
        old = record.get("fingerprint", {})
        changed = sorted(key for key in set(old) | set(fingerprint) if old.get(key) != fingerprint.get(key))
        if changed:
            return False, f"its inputs changed ({', '.join(changed)})"
        return True, f"finished {record.get('finished_at', '?')}"


def file_stamp(paths: list[Path]) -> list[list[Any]]:
    """What identifies the input files cheaply: path, size and modification time."""
    stamps = []
    for path in paths:
        stat = path.stat()
        stamps.append([str(path.absolute()), stat.st_size, stat.st_mtime_ns])
    return stamps


RUNNER_SET_FIELDS = ("train_input_path:", "eval_input_path:", "model_dir:")


def config_hash(path: Path) -> str:
    """A hash of what a rendered config asks of the model: comments and the runner-set paths left out.

    The paths are fingerprinted apart (the train data by its files; the eval data does not change the model,
    so evaluating or predicting another eval set does not retrain).
    """
    kept = [line for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#") and not line.startswith(RUNNER_SET_FIELDS)]
    return hashlib.sha256("\n".join(kept).encode()).hexdigest()[:16]
