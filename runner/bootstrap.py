"""How much of a 12-19 F1 difference between two runs is noise: a paired bootstrap over users.

A generated month has ~540 purchases on 12-19 and a model submits ~300 pairs with ~40 hits, so one
hit moves F1 by ~0.0025. To tell a better model from a luckier one, the users of the day are drawn
with replacement (the same draw for both runs, so what the two share cancels) and both F1s are
recomputed on each draw. The submissions are rebuilt from the runs' 12-19 predictions exactly as
dbt's scoring ranks them (probability, then user_id, item_id; at most `user_cap` pairs per user;
the top `pairs`), and each rebuilt F1 is checked against the one dbt reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from runner.paths import PROJECT_ROOT

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20141219
USER_CAP = 200  # dbt var score_max_pairs_per_user (dbt_project.yml); the F1 check catches a change


@dataclass(frozen=True)
class Submission:
    """A run's 12-19 submission as (user_id, item_id) pairs."""

    run_dir: Path
    users: np.ndarray
    items: np.ndarray


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


def rebuild_submission(run_dir: Path, pairs: int, user_cap: int = USER_CAP) -> Submission:
    """The `pairs` most probable 12-19 pairs of a run, ranked as scored_pairs ranks them."""
    run_dir = run_dir if run_dir.is_absolute() else PROJECT_ROOT / run_dir
    files = sorted((run_dir / "predictions" / "predict").glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"{run_dir}/predictions/predict holds no Parquet: run `predict` for this run first")
    query = f"""
        with ranked as (
            select user_id, item_id, cast(probs as double) as prob,
                   row_number() over (partition by user_id order by cast(probs as double) desc, item_id) as user_rank
            from read_parquet({[str(f) for f in files]})
        )
        select user_id, item_id from ranked
        where user_rank <= {int(user_cap)}
        order by prob desc, user_id, item_id
        limit {int(pairs)}
    """
    with duckdb.connect() as connection:
        table = connection.execute(query).fetchnumpy()
    return Submission(run_dir, table["user_id"].astype(np.int64), table["item_id"].astype(np.int64))


def read_answers(path: Path) -> set[tuple[int, int]]:
    """The held-out 12-19 purchases: one `user_id<TAB>item_id` per line."""
    answers: set[tuple[int, int]] = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise ValueError(f"{path}:{number}: expected `user_id<TAB>item_id`, got {line!r}")
        answers.add((int(fields[0]), int(fields[1])))
    return answers


def _per_user(submission: Submission, answers: set[tuple[int, int]], index: dict[int, int]) -> tuple[np.ndarray, ...]:
    submitted = np.zeros(len(index))
    hits = np.zeros(len(index))
    for user, item in zip(submission.users.tolist(), submission.items.tolist(), strict=True):
        submitted[index[user]] += 1
        hits[index[user]] += (user, item) in answers
    return submitted, hits


def _f1(hits: np.ndarray, submitted: np.ndarray, true: np.ndarray) -> np.ndarray:
    return 2 * hits / (submitted + true)


def paired_difference(a: Submission, b: Submission, answers: set[tuple[int, int]],
                      resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> PairedDifference:
    """F1(a) - F1(b) on 12-19 with its 90 % interval from resampling the day's users (paired)."""
    users = sorted({u for u, _ in answers} | set(a.users.tolist()) | set(b.users.tolist()))
    index = {user: i for i, user in enumerate(users)}
    true = np.zeros(len(users))
    for user, _ in answers:
        true[index[user]] += 1
    submitted_a, hits_a = _per_user(a, answers, index)
    submitted_b, hits_b = _per_user(b, answers, index)
    # weights[r, u]: how often user u is drawn in resample r
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(users), np.full(len(users), 1 / len(users)), size=resamples).astype(np.float64)
    f1_a = _f1(weights @ hits_a, weights @ submitted_a, weights @ true)
    f1_b = _f1(weights @ hits_b, weights @ submitted_b, weights @ true)
    difference = f1_a - f1_b
    return PairedDifference(
        f1_a=float(_f1(hits_a.sum(), submitted_a.sum(), true.sum())),
        f1_b=float(_f1(hits_b.sum(), submitted_b.sum(), true.sum())),
        low=float(np.quantile(difference, 0.05)),
        high=float(np.quantile(difference, 0.95)),
        share_a_ahead=float(np.mean(difference >= 0)),
        resamples=resamples,
    )
