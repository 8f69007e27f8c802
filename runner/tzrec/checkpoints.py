"""Which checkpoint a run exports when its config asks for the best one (`export_config { exporter_type: "best" }`).

tzrec's train_eval scores every saved checkpoint on the eval set (here the validation users) and appends one JSON
line per checkpoint to model/train_eval_result_v2.txt. The runner picks the best line itself and passes that
checkpoint to `tzrec.export`, so the choice is logged and recorded with the run, not left implicit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from runner.paths import shown


class CheckpointError(ValueError):
    pass


@dataclass(frozen=True)
class CheckpointChoice:
    path: Path
    step: int
    metric: str
    value: float
    scored: int  # how many saved checkpoints had a score
    last_value: float  # the last checkpoint's score: what exporting the latest would have given


def checkpoint_scores(result_file: Path, metric: str) -> dict[int, float]:
    """global_step -> the metric, one per line of tzrec's train_eval result file (a later line wins)."""
    if not result_file.is_file():
        raise CheckpointError(f"{shown(result_file)} does not exist: the config exports its best checkpoint, which "
                              "needs train_eval's per-checkpoint scores; train the run again")
    scores: dict[int, float] = {}
    for number, line in enumerate(result_file.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            step = int(record["global_step"])
        except (ValueError, KeyError, TypeError) as error:
            raise CheckpointError(f"{shown(result_file)} line {number}: not a tzrec eval result ({error})") from error
        if metric not in record:
            names = ", ".join(sorted(k for k in record if k != "global_step"))
            raise CheckpointError(f"{shown(result_file)} line {number} has no metric {metric!r} (it has {names}): set "
                                  "export_config.best_exporter_metric to one of those")
        scores[step] = float(record[metric])
    return scores


def best_checkpoint(model_dir: Path, result_file: Path, metric: str, larger_is_better: bool) -> CheckpointChoice:
    """The saved checkpoint with the best score; a tie goes to the earlier step (fewer passes over the data)."""
    scores = checkpoint_scores(result_file, metric)
    saved = {step: model_dir / f"model.ckpt-{step}" for step in scores if (model_dir / f"model.ckpt-{step}").is_dir()}
    if not saved:
        raise CheckpointError(f"no checkpoint under {shown(model_dir)} has a score in {shown(result_file)}: train the "
                              "run again")
    sign = 1.0 if larger_is_better else -1.0
    step = max(sorted(saved), key=lambda s: sign * scores[s])  # max keeps the first of equal keys
    last = max(saved)
    return CheckpointChoice(path=saved[step], step=step, metric=metric, value=scores[step], scored=len(saved),
                            last_value=scores[last])
