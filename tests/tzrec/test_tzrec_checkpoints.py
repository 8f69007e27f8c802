"""The runner's choice of the checkpoint to export when a config asks for the best one (no training here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.tzrec.checkpoints import CheckpointError, best_checkpoint


def _model_dir(tmp_path: Path, scores: list[tuple[int, float]], saved: list[int] | None = None) -> tuple[Path, Path]:
    model = tmp_path / "model"
    model.mkdir()
    for step in saved if saved is not None else [s for s, _ in scores]:
        (model / f"model.ckpt-{step}").mkdir()
    result = model / "train_eval_result_v2.txt"
    result.write_text("".join(json.dumps({"global_step": s, "auc": v, "binary_cross_entropy": 1 - v}) + "\n"
                              for s, v in scores))
    return model, result


def test_the_best_scored_checkpoint_is_chosen_not_the_last(tmp_path: Path) -> None:
    model, result = _model_dir(tmp_path, [(170, 0.86), (340, 0.88), (510, 0.87), (680, 0.85)])
    choice = best_checkpoint(model, result, "auc", larger_is_better=True)
    assert choice.path == model / "model.ckpt-340" and choice.value == 0.88
    assert choice.scored == 4 and choice.last_value == 0.85
    # a loss is better when smaller: the same file then picks the checkpoint with the smallest one
    assert best_checkpoint(model, result, "binary_cross_entropy", larger_is_better=False).step == 340


def test_a_tie_goes_to_the_earlier_checkpoint_and_unsaved_steps_are_skipped(tmp_path: Path) -> None:
    model, result = _model_dir(tmp_path, [(10, 0.80), (20, 0.90), (30, 0.90), (40, 0.95)], saved=[10, 20, 30])
    choice = best_checkpoint(model, result, "auc", larger_is_better=True)
    assert choice.step == 20 and choice.scored == 3 and choice.last_value == 0.90


@pytest.mark.parametrize(("lines", "saved", "message"), [
    (None, [10], "does not exist: the config exports its best checkpoint"),
    ('{"global_step": 10, "auc": 0.9}\nnot json\n', [10], "line 2: not a tzrec eval result"),
    ('{"global_step": 10, "loss": 0.1}\n', [10], "line 1 has no metric 'auc' \\(it has loss\\)"),
    ('{"global_step": 10, "auc": 0.9}\n', [], "no checkpoint under .* has a score"),
])
def test_a_bad_result_file_is_named_with_the_fix(tmp_path: Path, lines: str | None, saved: list[int],
                                                 message: str) -> None:
    model = tmp_path / "model"
    model.mkdir()
    for step in saved:
        (model / f"model.ckpt-{step}").mkdir()
    result = model / "train_eval_result_v2.txt"
    if lines is not None:
        result.write_text(lines)
    with pytest.raises(CheckpointError, match=message):
        best_checkpoint(model, result, "auc", larger_is_better=True)
