"""The paired user bootstrap of a 12-19 F1 difference (runner/bootstrap.py) on hand-made runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from runner.bootstrap import Submission, paired_difference, read_answers, rebuild_submission


def _run(tmp_path: Path, name: str, rows: list[tuple[int, int, float]]) -> Path:
    folder = tmp_path / name / "predictions" / "predict"
    folder.mkdir(parents=True)
    users, items, probs = zip(*rows, strict=True)
    pq.write_table(pa.table({"logits": pa.array([0.0] * len(rows), pa.float32()),
                             "probs": pa.array(probs, pa.float32()),
                             "user_id": pa.array(users, pa.int64()), "item_id": pa.array(items, pa.int64())}),
                   folder / "part-0.parquet")
    return tmp_path / name


def test_the_submission_is_ranked_as_dbt_ranks_it(tmp_path: Path) -> None:
    # ties in probability go by user_id, then item_id; the cap drops a user's third pair
    run = _run(tmp_path, "a", [(2, 21, 0.5), (1, 12, 0.5), (1, 11, 0.9), (1, 13, 0.8), (3, 31, 0.1)])
    capped = rebuild_submission(run, pairs=3, user_cap=2)
    assert list(zip(capped.users.tolist(), capped.items.tolist(), strict=True)) == [(1, 11), (1, 13), (2, 21)]
    uncapped = rebuild_submission(run, pairs=4, user_cap=10)
    assert list(zip(uncapped.users.tolist(), uncapped.items.tolist(), strict=True)) == [
        (1, 11), (1, 13), (1, 12), (2, 21)]


def _submission(pairs: list[tuple[int, int]]) -> Submission:
    return Submission(Path("run"), np.array([u for u, _ in pairs]), np.array([i for _, i in pairs]))


def test_identical_submissions_differ_by_exactly_nothing() -> None:
    answers = {(1, 11), (2, 21), (3, 31)}
    same = _submission([(1, 11), (2, 22)])
    result = paired_difference(same, same, answers, resamples=200)
    assert result.f1_a == result.f1_b == pytest.approx(2 * 1 / (2 + 3))
    assert result.low == result.high == 0 and result.share_a_ahead == 1


def test_a_clearly_better_submission_is_ahead_in_every_resample_it_can_be() -> None:
    answers = {(u, u * 10) for u in range(1, 41)}
    better = _submission([(u, u * 10) for u in range(1, 21)] + [(u, 0) for u in range(21, 41)])
    worse = _submission([(u, u * 10) for u in range(1, 4)] + [(u, 0) for u in range(4, 41)])
    result = paired_difference(better, worse, answers, resamples=500)
    assert result.difference == pytest.approx(2 * 20 / 80 - 2 * 3 / 80)
    assert 0 < result.low < result.difference < result.high and result.share_a_ahead == 1


def test_the_same_seed_gives_the_same_interval() -> None:
    answers = {(u, u) for u in range(30)}
    a = _submission([(u, u) for u in range(0, 30, 2)])
    b = _submission([(u, u) for u in range(0, 30, 3)])
    assert paired_difference(a, b, answers, resamples=300, seed=5) == paired_difference(a, b, answers, resamples=300,
                                                                                        seed=5)


def test_a_bad_answers_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "answers.txt"
    path.write_text("1\t11\n2 21\n")
    with pytest.raises(ValueError, match=r"answers.txt:2: expected `user_id<TAB>item_id`"):
        read_answers(path)
