"""The oracle bound: the best F1 a submission could expect on 2014-12-19 on generated data.

The generator knows every live interest's latent purchase probability for 12-19 given the
state at the end of 12-18 (intent, age, how late it was carted, ...). Ranking pairs by that
probability and submitting the top k maximises the expected F1 for each k; the best k gives
the bound. A model sees only the logs, never the latent intent, so it cannot reach this.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np

from runner.parquet_files import read_table
from runner.synthetic.writer import ANSWERS_DIR, ANSWERS_FILE, EXPECTED_UNTRACED_KEY, PROBABILITIES_FILE


@dataclass(frozen=True)
class OracleBound:
    pairs_submitted: int
    expected_f1: float
    expected_precision: float
    expected_recall: float
    observed_f1: float  # the same submission scored against the realised 12-19 purchases
    observed_hits: int
    truth_pairs: int
    expected_truth_pairs: float


def read_answers(path: Path) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    with path.open() as handle:
        for line_number, line in enumerate(handle, start=1):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 2:
                raise ValueError(f"{path}:{line_number}: expected 'user_id<TAB>item_id', got {line!r}")
            pairs.add((int(fields[0]), int(fields[1])))
    return pairs


@dataclass(frozen=True)
class PairGroup:
    """Some of the pairs of a submission or of the oracle's list of the same length, scored on 12-19."""

    name: str
    pairs: int
    hits: int  # pairs bought on 12-19
    expected_hits: float  # the sum of the generator's probabilities: what the latent state promised

    @property
    def hit_rate(self) -> float:
        return self.hits / self.pairs if self.pairs else 0.0

    @property
    def expected_hit_rate(self) -> float:
        return self.expected_hits / self.pairs if self.pairs else 0.0


class OracleComparison(NamedTuple):
    """A submission against the oracle's top pairs of the same number (OracleDay.compare)."""

    both: PairGroup
    submission_only: PairGroup
    oracle_only: PairGroup

    @property
    def size(self) -> int:
        """The submission's pairs, and so the length of the oracle's list beside it."""
        return self.both.pairs + self.submission_only.pairs


@dataclass(frozen=True)
class OracleDay:
    """The generator's 12-19: every known (user, P item) pair ranked by its latent purchase probability,
    best first, and the pairs bought. Read once; the bound and any submission's comparison use it."""

    users: np.ndarray
    items: np.ndarray
    prob: np.ndarray  # descending
    expected_untraced: float  # purchases no known pair foresees (interests that start on 12-19)
    truth: set[tuple[int, int]]

    def top(self, k: int) -> set[tuple[int, int]]:
        return {(int(u), int(i)) for u, i in zip(self.users[:k], self.items[:k], strict=True)}

    @cached_property
    def probability(self) -> dict[tuple[int, int], float]:
        return {(int(u), int(i)): float(q) for u, i, q in zip(self.users, self.items, self.prob, strict=True)}

    def bound(self) -> OracleBound:
        expected_truth = float(self.prob.sum()) + self.expected_untraced
        k = np.arange(1, self.prob.size + 1)
        expected_hits = np.cumsum(self.prob)
        # E[2H / (k + T)] ~ 2 E[H] / (k + E[T]): T is a sum of many independent small Bernoullis.
        expected_f1 = 2.0 * expected_hits / (k + expected_truth)
        best = int(np.argmax(expected_f1))
        chosen_k = best + 1
        hits = len(self.top(chosen_k) & self.truth)
        observed = 2.0 * hits / (chosen_k + len(self.truth)) if chosen_k + len(self.truth) else 0.0
        return OracleBound(
            pairs_submitted=chosen_k,
            expected_f1=float(expected_f1[best]),
            expected_precision=float(expected_hits[best] / chosen_k),
            expected_recall=float(expected_hits[best] / expected_truth),
            observed_f1=observed,
            observed_hits=hits,
            truth_pairs=len(self.truth),
            expected_truth_pairs=expected_truth,
        )

    def compare(self, submission: set[tuple[int, int]]) -> OracleComparison:
        """Where a submission's ranking parts from the oracle's: its pairs against the oracle's top pairs of the
        same number, split into the pairs both chose, the submission's alone and the oracle's alone, each with
        its 12-19 hits and the hits the generator's probabilities expected. A pair the probability file lacks
        (no live interest on 12-18) expects nothing."""
        oracle_top = self.top(len(submission))

        def scored(name: str, pairs: set[tuple[int, int]]) -> PairGroup:
            return PairGroup(name, len(pairs), len(pairs & self.truth),
                             sum(self.probability.get(pair, 0.0) for pair in pairs))

        return OracleComparison(scored("both", submission & oracle_top),
                                scored("submission only", submission - oracle_top),
                                scored("oracle only", oracle_top - submission))


def read_oracle_day(raw_dir: Path) -> OracleDay:
    answers_dir = raw_dir / ANSWERS_DIR
    prob_path, answers_path = answers_dir / PROBABILITIES_FILE, answers_dir / ANSWERS_FILE
    for path in (prob_path, answers_path):
        if not path.exists():
            raise FileNotFoundError(
                f"{path} is missing: the oracle needs the generator's answers "
                "(run `python -m runner generate` first; real competition data has none)."
            )
    table = read_table(prob_path)
    metadata = table.schema.metadata or {}
    prob = table.column("prob").to_numpy()
    order = np.argsort(-prob, kind="stable")
    return OracleDay(users=table.column("user_id").to_numpy()[order], items=table.column("item_id").to_numpy()[order],
                     prob=prob[order], expected_untraced=float(metadata.get(EXPECTED_UNTRACED_KEY, b"0")),
                     truth=read_answers(answers_path))


def oracle_bound(raw_dir: Path) -> OracleBound:
    return read_oracle_day(raw_dir).bound()


def overlap_summary(raw_dir: Path, submission: Path) -> str:
    """One line for a run's summary: how much of the submission the oracle would also have sent, and how the
    pairs each sent alone fared on 12-19 (`python -m runner oracle --submission` prints the table)."""
    comparison = read_oracle_day(raw_dir).compare(read_answers(submission))
    own, missed = comparison.submission_only, comparison.oracle_only
    return (f"shares {comparison.both.pairs:,} of its {comparison.size:,} pairs with the oracle's top "
            f"{comparison.size:,}; its other pairs were bought at {own.hit_rate:.3f} (expected "
            f"{own.expected_hit_rate:.3f}), the oracle's others at {missed.hit_rate:.3f} (expected "
            f"{missed.expected_hit_rate:.3f})")
