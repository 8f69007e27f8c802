"""How much of a 12-19 F1 difference between two runs is noise: a paired bootstrap over users.

A generated month has ~540 purchases on 12-19 and a model submits ~300 pairs with ~40 hits, so one
hit moves F1 by ~0.0025. To tell a better model from a luckier one, the users of the day are drawn
with replacement (the same draw for both runs, so what the two share cancels) and both F1s are
recomputed on each draw. The submissions are the ones dbt's `submission` model made, kept by the
study beside each run (`<run>/submission.tsv`); the caller checks their F1 against dbt's.
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


def paired_difference(a: Pairs, b: Pairs, answers: Pairs, resamples: int = DEFAULT_RESAMPLES,
                      seed: int = DEFAULT_BOOTSTRAP_SEED) -> PairedDifference:
    """F1(a) - F1(b) on 12-19 with its 90 % interval from resampling the day's users (paired)."""
    users = sorted({user for user, _ in answers | a | b})
    index = {user: i for i, user in enumerate(users)}
    true = np.zeros(len(users))
    for user, _ in answers:
        true[index[user]] += 1
    submitted_a, hits_a = _per_user(a, answers, index)
    submitted_b, hits_b = _per_user(b, answers, index)
    # weights[r, u]: how often user u is drawn in resample r
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(users), np.full(len(users), 1 / len(users)), size=resamples).astype(np.float64)
    difference = (_f1(weights @ hits_a, weights @ submitted_a, weights @ true)
                  - _f1(weights @ hits_b, weights @ submitted_b, weights @ true))
    return PairedDifference(
        f1_a=float(_f1(hits_a.sum(), submitted_a.sum(), true.sum())),
        f1_b=float(_f1(hits_b.sum(), submitted_b.sum(), true.sum())),
        low=float(np.quantile(difference, 0.05)),
        high=float(np.quantile(difference, 0.95)),
        share_a_ahead=float(np.mean(difference >= 0)),
        resamples=resamples,
    )
