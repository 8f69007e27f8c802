"""How much of a 12-19 F1 difference between two runs is noise: a paired bootstrap over users.

A generated month has ~540 purchases on 12-19 and a model submits ~300 pairs with ~40 hits, so one
hit moves F1 by ~0.0025. To tell a better model from a luckier one, the users of the day are drawn
with replacement (the same draw for both runs, so what the two share cancels) and both F1s are
recomputed on each draw. The submissions are the ones dbt's `submission` model made, kept by the
study beside each run (`<run>/submission.tsv`); the caller checks their F1 against dbt's. The same
draws give one submission's F1 its own interval (f1_interval), for the results plot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runner.defaults import DEFAULT_BOOTSTRAP_SEED

DEFAULT_RESAMPLES = 2000

Pairs = set[tuple[int, int]]  # (user_id, item_id), as runner.oracle.read_answers reads a two-column TSV


@dataclass(frozen=True)
class PairedDifference:
    f1_a: float
    f1_b: float
    low: float  # 5th percentile of F1(a) - F1(b) over the resamples
    high: float  # 95th percentile
    share_a_ahead: float  # share of resamples with F1(a) >= F1(b)
    resamples: int

    @property
    def difference(self) -> float:
        return self.f1_a - self.f1_b


def _per_user(pairs: Pairs, answers: Pairs, index: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    submitted = np.zeros(len(index))
    hits = np.zeros(len(index))
    for user, item in pairs:
        submitted[index[user]] += 1
        hits[index[user]] += (user, item) in answers
    return submitted, hits


def _f1(hits: np.ndarray, submitted: np.ndarray, true: np.ndarray) -> np.ndarray:
    return 2 * hits / (submitted + true)


@dataclass(frozen=True)
class F1Interval:
    f1: float
    low: float  # 5th percentile of the F1 over the resamples
    high: float  # 95th percentile
    resamples: int


def _resampled(submissions: list[Pairs], answers: Pairs, resamples: int,
               seed: int) -> tuple[list[float], list[np.ndarray]]:
    """Each submission's F1 on the day, and its F1 on each resample of the day's users (one draw for all)."""
    users = sorted({user for user, _ in answers.union(*submissions)})
    index = {user: i for i, user in enumerate(users)}
    true = np.zeros(len(users))
    for user, _ in answers:
        true[index[user]] += 1
    # weights[r, u]: how often user u is drawn in resample r
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(users), np.full(len(users), 1 / len(users)), size=resamples).astype(np.float64)
    points, draws = [], []
    for pairs in submissions:
        submitted, hits = _per_user(pairs, answers, index)
        points.append(float(_f1(hits.sum(), submitted.sum(), true.sum())))
        draws.append(_f1(weights @ hits, weights @ submitted, weights @ true))
    return points, draws


def paired_difference(a: Pairs, b: Pairs, answers: Pairs, resamples: int = DEFAULT_RESAMPLES,
                      seed: int = DEFAULT_BOOTSTRAP_SEED) -> PairedDifference:
    """F1(a) - F1(b) on 12-19 with its 90 % interval from resampling the day's users (paired)."""
    (f1_a, f1_b), (draws_a, draws_b) = _resampled([a, b], answers, resamples, seed)
    difference = draws_a - draws_b
    return PairedDifference(
        f1_a=f1_a,
        f1_b=f1_b,
        low=float(np.quantile(difference, 0.05)),
        high=float(np.quantile(difference, 0.95)),
        share_a_ahead=float(np.mean(difference >= 0)),
        resamples=resamples,
    )


def f1_interval(pairs: Pairs, answers: Pairs, resamples: int = DEFAULT_RESAMPLES,
                seed: int = DEFAULT_BOOTSTRAP_SEED) -> F1Interval:
    """One submission's F1 on 12-19 with its 90 % interval from resampling the day's users."""
    (f1,), (draws,) = _resampled([pairs], answers, resamples, seed)
    return F1Interval(f1=f1, low=float(np.quantile(draws, 0.05)), high=float(np.quantile(draws, 0.95)),
                      resamples=resamples)
