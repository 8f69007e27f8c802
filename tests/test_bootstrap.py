"""The paired user bootstrap of a 12-19 F1 difference (runner/bootstrap.py) on hand-made submissions."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.bootstrap import f1_interval, paired_difference
from runner.oracle import read_answers


def test_identical_submissions_differ_by_exactly_nothing() -> None:
    answers = {(1, 11), (2, 21), (3, 31)}
    same = {(1, 11), (2, 22)}
    result = paired_difference(same, same, answers, resamples=200)
    assert result.f1_a == result.f1_b == pytest.approx(2 * 1 / (2 + 3))
    assert result.low == result.high == 0 and result.share_a_ahead == 1


def test_a_clearly_better_submission_is_ahead_in_every_resample_it_can_be() -> None:
    answers = {(u, u * 10) for u in range(1, 41)}
    better = {(u, u * 10) for u in range(1, 21)} | {(u, 0) for u in range(21, 41)}
    worse = {(u, u * 10) for u in range(1, 4)} | {(u, 0) for u in range(4, 41)}
    result = paired_difference(better, worse, answers, resamples=500)
    assert result.difference == pytest.approx(2 * 20 / 80 - 2 * 3 / 80)
    assert 0 < result.low < result.difference < result.high and result.share_a_ahead == 1


def test_the_same_seed_gives_the_same_interval() -> None:
    answers = {(u, u) for u in range(30)}
    a = {(u, u) for u in range(0, 30, 2)}
    b = {(u, u) for u in range(0, 30, 3)}
    assert paired_difference(a, b, answers, resamples=300, seed=5) == paired_difference(a, b, answers, resamples=300,
                                                                                        seed=5)


def test_a_bad_answers_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "answers.txt"
    path.write_text("1\t11\n2 21\n")
    with pytest.raises(ValueError, match=r"answers.txt:2: expected 'user_id<TAB>item_id'"):
        read_answers(path)


def test_one_submissions_interval_on_a_hand_made_day() -> None:
    """Two users, one true pair each; the submission hits user 1 and misses user 2. A resample of two users
    draws both (half the time: F1 2·1/(2+2) = 0.5), user 1 twice (a quarter: F1 1) or user 2 twice (a
    quarter: F1 0), so the 5 % and 95 % points are 0 and 1."""
    answers = {(1, 11), (2, 21)}
    result = f1_interval({(1, 11), (2, 22)}, answers, resamples=2000)
    assert (result.f1, result.low, result.high) == (0.5, 0.0, 1.0)


def test_one_submissions_interval_is_its_difference_from_an_empty_one() -> None:
    answers = {(u, u * 10) for u in range(1, 41)}
    pairs = {(u, u * 10) for u in range(1, 12)} | {(u, 0) for u in range(12, 50)}
    alone = f1_interval(pairs, answers, resamples=500, seed=3)
    against_nothing = paired_difference(pairs, set(), answers, resamples=500, seed=3)
    assert alone.f1 == pytest.approx(2 * 11 / (49 + 40)) == against_nothing.difference
    assert (alone.low, alone.high) == (against_nothing.low, against_nothing.high)
    assert alone.low < alone.f1 < alone.high
