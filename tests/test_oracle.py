"""The oracle bound picks the size that maximises expected F1 and scores it honestly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from runner.oracle import oracle_bound, overlap_summary, read_answers, read_oracle_day
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


def test_a_submission_is_split_against_the_oracles_list_of_its_own_length(tmp_path: Path) -> None:
    probs = [(1, 10, 0.9), (2, 20, 0.6), (3, 30, 0.3), (4, 40, 0.05)]
    _write(tmp_path, probs, answers=[(1, 10), (3, 30), (5, 50)], untraced=0.5)
    # three pairs: one the oracle ranks first, one it ranks last, one it does not know at all
    both, submission_only, oracle_only = read_oracle_day(tmp_path).compare({(1, 10), (4, 40), (5, 50)})
    assert (both.name, both.pairs, both.hits, both.expected_hits) == ("both", 1, 1, pytest.approx(0.9))
    # (5, 50) is bought but had no live interest on 12-18: a hit that expected nothing
    assert (submission_only.pairs, submission_only.hits) == (2, 1)
    assert submission_only.expected_hits == pytest.approx(0.05)
    assert (oracle_only.pairs, oracle_only.hits) == (2, 1)  # (2, 20) and (3, 30), the oracle's next two
    assert oracle_only.hit_rate == pytest.approx(0.5) and oracle_only.expected_hit_rate == pytest.approx(0.45)


def test_the_oracle_command_sets_each_submission_beside_the_oracle(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from runner.cli import main

    _write(tmp_path, [(1, 10, 0.9), (2, 20, 0.6)], answers=[(2, 20)], untraced=0.0)
    submission = tmp_path / "submission.tsv"
    submission.write_text("2\t20\n")
    assert main(["oracle", "--raw-dir", str(tmp_path), "--submission", str(submission)]) == 0
    out = capsys.readouterr().out
    assert "1 pairs against the oracle's top 1" in out
    assert "  submission only       1      1     1.000          0.600" in out
    assert "  oracle only           1      0     0.000          0.900" in out


def test_the_run_summary_line_says_how_much_of_the_submission_the_oracle_shares(tmp_path: Path) -> None:
    _write(tmp_path, [(1, 10, 0.9), (2, 20, 0.6), (3, 30, 0.2)], answers=[(2, 20)], untraced=0.0)
    submission = tmp_path / "submission.tsv"
    submission.write_text("1\t10\n3\t30\n")
    assert overlap_summary(tmp_path, submission) == (
        "shares 1 of its 2 pairs with the oracle's top 2; its other pairs were bought at 0.000 (expected 0.200), "
        "the oracle's others at 1.000 (expected 0.600)")
