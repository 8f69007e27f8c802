"""The oracle bound picks the size that maximises expected F1 and scores it honestly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from runner.oracle import oracle_bound, read_answers
from runner.synthetic.writer import ANSWERS_DIR, ANSWERS_FILE, write_probabilities


def _write(folder: Path, probs: list[tuple[int, int, float]], answers: list[tuple[int, int]], untraced: float) -> None:
    users, items, prob = (np.array(column) for column in zip(*probs, strict=False))
    write_probabilities(folder, users, items, prob, untraced)
    (folder / ANSWERS_DIR / ANSWERS_FILE).write_text("".join(f"{u}\t{i}\n" for u, i in answers))


def test_oracle_chooses_the_expected_f1_maximising_size(tmp_path: Path) -> None:
    # Two sure pairs and a long tail of unlikely ones: the best submission is the two sure pairs.
    probs = [(1, 10, 0.95), (2, 20, 0.9)] + [(100 + k, 5, 0.01) for k in range(50)]
    _write(tmp_path, probs, answers=[(1, 10), (3, 30)], untraced=1.0)
    bound = oracle_bound(tmp_path)
    assert bound.pairs_submitted == 2
    expected_truth = 0.95 + 0.9 + 50 * 0.01 + 1.0
    assert bound.expected_truth_pairs == pytest.approx(expected_truth)
    assert bound.expected_f1 == pytest.approx(2 * 1.85 / (2 + expected_truth))
    assert bound.observed_hits == 1
    assert bound.observed_f1 == pytest.approx(2 * 1 / (2 + 2))


def test_several_interests_of_one_pair_combine(tmp_path: Path) -> None:
    _write(tmp_path, [(1, 10, 0.5), (1, 10, 0.5)], answers=[(1, 10)], untraced=0.0)
    bound = oracle_bound(tmp_path)
    assert bound.expected_truth_pairs == pytest.approx(0.75)


def test_missing_answers_name_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="runner generate"):
        oracle_bound(tmp_path)


def test_malformed_answer_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.txt"
    path.write_text("1\t2\n3,4\n")
    with pytest.raises(ValueError, match=r"answers.txt:2"):
        read_answers(path)
