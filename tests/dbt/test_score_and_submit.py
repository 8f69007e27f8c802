"""`python -m runner score` and `submit` end to end, on the shared small generated build and a fake run.

The run's predictions are written by the test (fake_predictions.py: random probabilities raised for
the pairs bought), never by a model. `score` builds the scoring models (with their data and unit
tests) into the build's database; the test then checks what it printed, drew and logged against
numbers computed here in Python from the same files: the best top-K F1 of the eval day from the
predictions and int_pair_labels, and the leaderboard F1 from the TSV and the answer file.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from dbt_helpers import DbtProject, DbtRun
from fake_predictions import write_fake_predictions

from runner.cli import main
from runner.oracle import read_answers
from runner.scoring import parse_scoring_vars, scoring_var_names
from runner.submission import check_submission_file

RUN_NAME = "stage9_fake_v3"


@pytest.fixture(scope="module")
def scoring_env(generated_build: tuple[DbtProject, DbtRun, Path], generated: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """The runner pointed at the shared build's database, and a fake run folder beside it."""
    project, _, processed = generated_build
    outputs = tmp_path_factory.mktemp("outputs")
    run_dir = outputs / RUN_NAME
    write_fake_predictions(run_dir, processed, generated / "answers" / "answers_20141219.txt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIANCHI_DUCKDB_PATH", str(project.database))
        patch.setenv("DBT_TARGET_PATH", str(project.workdir / "target"))
        patch.setenv("DBT_LOG_PATH", str(project.workdir / "logs"))
        patch.setenv("DUCKDB_TEMP_DIR", str(project.workdir / "duckdb_tmp"))
        yield {"run": run_dir, "outputs": outputs, "raw": generated, "database": project.database,
               "experiments": outputs / "experiments.csv"}


@pytest.fixture(scope="module")
def scored(scoring_env: dict[str, Path]) -> dict[str, Path]:
    code = main(["score", "--run", str(scoring_env["run"]), "--raw-dir", str(scoring_env["raw"]),
                 "--experiments", str(scoring_env["experiments"]), "--notes", "fake predictions"])
    assert code == 0, "score failed: see the log above"
    return scoring_env


def _query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_score_matches_an_f1_computed_here(scored: dict[str, Path]) -> None:
    """The best top-K row of f1_scan, recomputed in numpy from the predictions and every purchase of the eval day
    (the cap of 200 pairs per user never binds on this data)."""
    predictions = pq.read_table(scored["run"] / "predictions" / "eval").to_pandas()
    truth = set(_query(scored["database"], "select user_id, item_id from int_pair_labels "
                                           "where label_date = date '2014-12-18'"))
    (top_k, f1), = _query(scored["database"], "select top_k, f1 from f1_scan where scan = 'top_k' and is_best")
    ranked = predictions.sort_values(["probs", "user_id", "item_id"], ascending=[False, True, True]).head(top_k)
    hits = sum((u, i) in truth for u, i in zip(ranked.user_id, ranked.item_id, strict=True))
    assert f1 == pytest.approx(2 * hits / (len(ranked) + len(truth)))
    outside = truth - set(zip(predictions.user_id, predictions.item_id, strict=True))
    assert outside, "some purchases are no candidates: they count as misses"


def test_the_eval_auc_is_the_share_of_correctly_ordered_pairs(scored: dict[str, Path]) -> None:
    """eval_ranking_auc against the AUC's definition, counted here over every (bought, unbought) pair of
    candidates, ties one half."""
    predictions = pq.read_table(scored["run"] / "predictions" / "eval").to_pandas()
    truth = set(_query(scored["database"], "select user_id, item_id from int_pair_labels "
                                           "where label_date = date '2014-12-18'"))
    bought = np.array([(u, i) in truth for u, i in zip(predictions.user_id, predictions.item_id, strict=True)])
    probs = predictions.probs.to_numpy().astype(np.float64)
    positive, negative = np.sort(probs[bought]), np.sort(probs[~bought])
    below = np.searchsorted(negative, positive, side="left")
    ties = np.searchsorted(negative, positive, side="right") - below
    expected = (below.sum() + 0.5 * ties.sum()) / (len(positive) * len(negative))
    (auc, bought_pairs), = _query(scored["database"], "select auc, bought_pairs from eval_ranking_auc")
    assert bought_pairs == bought.sum() > 0
    assert auc == pytest.approx(expected, abs=1e-12) and 0.5 < auc < 1  # fake probabilities favour the bought


def test_score_writes_the_plot_and_one_experiments_row(scored: dict[str, Path]) -> None:
    assert (scored["run"] / "f1_scan.png").stat().st_size > 10_000
    with scored["experiments"].open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    row = rows[0]
    assert row["stage"] == "stage9" and row["model"] == "fake"
    assert 0 < float(row["f1"]) <= 1 and 0 < float(row["leaderboard_f1"]) <= 1
    assert row["operating_point"].startswith("top_k_share") and "fake predictions" in row["notes"]
    (eval_f1,) = _query(scored["database"], "select eval_f1 from operating_point")[0]
    assert float(row["f1"]) == pytest.approx(eval_f1, abs=1e-4)
    (eval_auc,) = _query(scored["database"], "select auc from eval_ranking_auc")[0]
    assert float(row["eval_auc"]) == pytest.approx(eval_auc, abs=1e-4)


def test_submit_writes_a_checked_tsv_that_scores_as_the_leaderboard(scored: dict[str, Path],
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert main(["submit", "--run", str(scored["run"])]) == 0
    assert "running:" not in caplog.text, "the database already held this run's scoring: no second dbt build"
    path = scored["outputs"] / "submission_fake_v3.tsv"
    lines = path.read_text().splitlines()
    p_items = {row[0] for row in _query(scored["database"], "select item_id from int_p_items")}
    assert check_submission_file(path, p_items).pairs == len(lines) > 0
    pairs = {tuple(int(v) for v in line.split("\t")) for line in lines}
    answers = read_answers(scored["raw"] / "answers" / "answers_20141219.txt")
    hits = len(pairs & answers)
    (f1, submitted, rule_f1), = _query(scored["database"], "select f1, submitted_pairs, cart_rule_f1 from leaderboard")
    assert submitted == len(pairs)
    assert f1 == pytest.approx(2 * hits / (len(pairs) + len(answers)))
    assert rule_f1 is not None and 0 < rule_f1 < 1
    # top_k_share: the same share of the predict day's scored pairs as of the eval day's
    (share, predict_pairs) = _query(scored["database"], "select top_k_share, predict_scored_pairs "
                                                        "from operating_point")[0]
    assert len(pairs) == max(1, round(share * predict_pairs))


def test_score_again_appends_and_submit_rescores_newer_predictions(scored: dict[str, Path],
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert main(["score", "--run", str(scored["run"]), "--raw-dir", str(scored["raw"]),
                 "--experiments", str(scored["experiments"])]) == 0
    text = scored["experiments"].read_text()
    assert text.count("date,stage,") == 1 and len(text.strip().splitlines()) == 3
    later = max(p.stat().st_mtime for p in scored["database"].parent.glob("*.duckdb")) + 10
    for part in (scored["run"] / "predictions" / "predict").glob("*.parquet"):
        os.utime(part, (later, later))
    assert main(["submit", "--run", str(scored["run"])]) == 0
    assert "the predictions are newer than the database's scoring" in caplog.text


def test_missing_predictions_name_the_folder_and_the_command(scoring_env: dict[str, Path],
                                                             caplog: pytest.LogCaptureFixture) -> None:
    empty = scoring_env["outputs"] / "stage2_nothing_v1"
    (empty / "predictions" / "eval").mkdir(parents=True)
    assert main(["score", "--run", str(empty), "--experiments", str(scoring_env["experiments"])]) == 1
    assert "stage2_nothing_v1/predictions/predict/*.parquet" in caplog.text
    assert "python -m runner predict --config" in caplog.text


def test_dbt_refuses_a_missing_predictions_folder(generated_build: tuple[DbtProject, DbtRun, Path]) -> None:
    """The on-run-start check, for dbt used directly."""
    project, _, _ = generated_build
    run = project.run("build", "--select", "tag:scoring",
                      dbt_vars={"predictions_dir": "outputs/no_such_run/predictions", "check_raw_files": False})
    assert run.returncode != 0
    assert "outputs/no_such_run/predictions/eval/*.parquet" in run.output
    assert "python -m runner predict" in run.output


def test_a_plain_build_has_no_scoring_models(generated_build: tuple[DbtProject, DbtRun, Path]) -> None:
    _, run, _ = generated_build
    names = {node.split(".")[-1] for node in run.statuses()}
    assert not names & {"scored_pairs", "f1_scan", "operating_point", "submission", "leaderboard"}


def test_fake_predictions_look_like_a_tzrec_run(scoring_env: dict[str, Path]) -> None:
    schema = pq.read_schema(next((scoring_env["run"] / "predictions" / "eval").glob("*.parquet")))
    assert [f"{f.name}:{f.type}" for f in schema] == [
        "logits:float", "probs:float", "user_id:int64", "item_id:int64", "cutoff_date:string", "label:int32"]
    probs = pq.read_table(scoring_env["run"] / "predictions" / "predict").column("probs").to_numpy()
    assert np.all((probs > 0) & (probs < 1))


def test_score_var_overrides_the_cap_for_one_scoring(scored: dict[str, Path]) -> None:
    """`score --var score_max_pairs_per_user=1`: every scan and the submission keep one pair per user, and the
    experiments row says so; scoring again without --var goes back to the project's cap."""
    def pairs_per_user() -> int:
        return _query(scored["database"], "select max(pairs) from (select user_id, count(*) as pairs "
                                          "from submission group by user_id)")[0][0]

    assert pairs_per_user() > 1, "the fake predictions put several pairs of one user in the submission"
    assert main(["score", "--run", str(scored["run"]), "--raw-dir", str(scored["raw"]),
                 "--experiments", str(scored["experiments"]), "--var", "score_max_pairs_per_user=1"]) == 0
    assert _query(scored["database"], "select max_pairs_per_user from operating_point") == [(1,)]
    assert pairs_per_user() == 1
    assert "vars score_max_pairs_per_user=1" in scored["experiments"].read_text().strip().splitlines()[-1]
    assert main(["score", "--run", str(scored["run"]), "--raw-dir", str(scored["raw"]),
                 "--experiments", str(scored["experiments"])]) == 0
    assert _query(scored["database"], "select max_pairs_per_user from operating_point") == [(200,)]


@pytest.mark.parametrize(("item", "message"), [
    ("score_max_pairs_per_user", "write NAME=VALUE"),
    ("max_pairs=3", "max_pairs is not a scoring var; the scoring vars (dbt_project.yml) are"),
    ("negative_keep_rate=1.0", "negative_keep_rate is not a scoring var"),
    ("score_top_ks=[25, 50", "not valid YAML"),
])
def test_a_bad_score_var_is_refused_with_the_fix(item: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_scoring_vars([item])


def test_score_vars_are_read_as_yaml() -> None:
    assert parse_scoring_vars(["score_max_pairs_per_user=null", "score_top_ks=[25, 50]",
                               "operating_point_rule=threshold"]) == {
        "score_max_pairs_per_user": None, "score_top_ks": [25, 50], "operating_point_rule": "threshold"}
    assert "operating_point_rule" in scoring_var_names() and "score_smoothing_ratio" in scoring_var_names()


# The three rule tests below come last in this module and leave their rule's scoring in the database
# (each `score` rebuilds every scoring model, so none reads another's): nothing after them reads it,
# which saves scoring back to the project's rule after each (about 15 s a time).


def _expected_f1_cut(probs: np.ndarray, shift: float, true_per_hit: float,
                     slope: float = 1.0) -> tuple[int, np.ndarray]:
    """The K that maximises 2 * S(K) / (K + N) over probabilities already in rank order, calibrated as
    sigmoid(slope * logit + shift), and the calibrated ones."""
    logits = slope * np.log(probs / (1 - probs)) + shift
    calibrated = 1 / (1 + np.exp(-logits))
    expected = 2 * np.cumsum(calibrated) / (np.arange(1, len(calibrated) + 1) + calibrated.sum() * true_per_hit)
    return int(np.argmax(expected)) + 1, calibrated


def _ranked_predictions(scored: dict[str, Path]) -> tuple[set, np.ndarray, np.ndarray, np.ndarray]:
    """The eval day's true pairs, and in rank order its hits, its probabilities and the predict day's."""
    truth = set(_query(scored["database"], "select user_id, item_id from int_pair_labels "
                                           "where label_date = date '2014-12-18'"))
    order = {"by": ["probs", "user_id", "item_id"], "ascending": [False, True, True]}
    eval_pairs = pq.read_table(scored["run"] / "predictions" / "eval").to_pandas().sort_values(**order)
    predict_pairs = pq.read_table(scored["run"] / "predictions" / "predict").to_pandas().sort_values(**order)
    is_hit = np.array([(u, i) in truth for u, i in zip(eval_pairs.user_id, eval_pairs.item_id, strict=True)])
    return (truth, is_hit, eval_pairs.probs.to_numpy().astype(np.float64),
            predict_pairs.probs.to_numpy().astype(np.float64))


def test_the_expected_f1_rule_cuts_where_a_recomputation_here_does(scored: dict[str, Path],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """`score --var operating_point_rule=expected_f1`: the logit shift matches the eval day's hits (found here by
    bisection), and each day's K is the argmax of the expected F1 recomputed in numpy from the predictions; the
    eval day's F1 is what that K really scores. The predict day's answers play no part."""
    assert main(["score", "--run", str(scored["run"]), "--raw-dir", str(scored["raw"]),
                 "--experiments", str(scored["experiments"]), "--var", "operating_point_rule=expected_f1"]) == 0
    assert "carried by expected_f1: each day's own expected-F1 cut" in capsys.readouterr().out
    truth, is_hit, eval_probs, predict_probs = _ranked_predictions(scored)
    low, high = -10.0, 10.0
    for _ in range(60):  # expected hits grow with the shift
        middle = (low + high) / 2
        low, high = (middle, high) if (1 / (1 + np.exp(-(np.log(eval_probs / (1 - eval_probs)) + middle)))).sum() \
            < is_hit.sum() else (low, middle)
    (shift, true_per_hit), = _query(scored["database"], "select logit_shift, true_pairs_per_scored_hit "
                                                        "from expected_f1_calibration")
    assert shift == pytest.approx(low, abs=2e-3) and shift != 0
    assert true_per_hit == pytest.approx(len(truth) / is_hit.sum())
    eval_k, _ = _expected_f1_cut(eval_probs, shift, true_per_hit)
    predict_k, _ = _expected_f1_cut(predict_probs, shift, true_per_hit)
    (rule, eval_top_k, predict_top_k, eval_f1), = _query(
        scored["database"], "select operating_point_rule, eval_top_k, predict_top_k, eval_f1 from operating_point")
    assert (rule, eval_top_k, predict_top_k) == ("expected_f1", eval_k, predict_k)
    assert eval_f1 == pytest.approx(2 * is_hit[:eval_k].sum() / (eval_k + len(truth)))
    assert _query(scored["database"], "select count(*) from submission")[0][0] <= predict_k


def test_the_platt_rule_fits_the_eval_day_by_maximum_likelihood(scored: dict[str, Path],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`--var operating_point_rule=expected_f1_platt`: the slope and intercept are the eval day's logistic fit of
    its labels on the logit (found here by scipy's BFGS on the log-likelihood, not by Newton's method), and each
    day's K is the expected-F1 argmax recomputed in numpy under that calibration."""
    from scipy.optimize import minimize

    assert main(["score", "--run", str(scored["run"]), "--raw-dir", str(scored["raw"]),
                 "--experiments", str(scored["experiments"]), "--var", "operating_point_rule=expected_f1_platt"]) == 0
    printed = capsys.readouterr().out
    truth, is_hit, eval_probs, predict_probs = _ranked_predictions(scored)
    logits = np.log(eval_probs / (1 - eval_probs))

    def negative_log_likelihood(params: np.ndarray) -> float:
        z = params[0] * logits + params[1]
        return float(np.sum(np.logaddexp(0, z)) - np.sum(z[is_hit]))

    fitted = minimize(negative_log_likelihood, x0=np.array([1.0, 0.0]), method="BFGS").x
    (slope, intercept, shift, true_per_hit), = _query(
        scored["database"],
        "select slope, intercept, logit_shift, true_pairs_per_scored_hit from expected_f1_calibration")
    assert (slope, intercept) == (pytest.approx(fitted[0], abs=2e-3), pytest.approx(fitted[1], abs=2e-3))
    assert abs(slope - 1) > 0.01, "the fake scores are not calibrated: the fit must move the slope off 1"
    assert intercept != shift
    assert f"calibrated on the eval day by a Platt fit, sigmoid({slope:g} * logit {intercept:+g})" in printed
    eval_k, _ = _expected_f1_cut(eval_probs, intercept, true_per_hit, slope)
    predict_k, _ = _expected_f1_cut(predict_probs, intercept, true_per_hit, slope)
    (rule, eval_top_k, predict_top_k), = _query(
        scored["database"], "select operating_point_rule, eval_top_k, predict_top_k from operating_point")
    assert (rule, eval_top_k, predict_top_k) == ("expected_f1_platt", eval_k, predict_k)


def _validation_share(user_id: int, split_seed: int) -> float:
    """samples.sql's validation split, recomputed: the first 8 hex digits of md5('<user>:<seed>') over 2**32."""
    return int(hashlib.md5(f"{user_id}:{split_seed}".encode()).hexdigest()[:8], 16) / 2**32


def _smoothed_best(top_ks: list[int], f1: list[float], pairs: list[int], ratio: float = 1.5,
                   min_settings: int = 3) -> int:
    """f1_scan's smoothing and tie rule: the mean F1 of the settings within a factor ratio of K, argmax with
    ties to the fewer pairs."""
    smoothed = []
    for k in top_ks:
        window = [f for other, f in zip(top_ks, f1, strict=True) if k <= other * ratio and k * ratio >= other]
        smoothed.append(np.mean(window) if len(window) >= min_settings else -1.0)
    best = max(range(len(top_ks)), key=lambda i: (smoothed[i], -pairs[i], -top_ks[i]))
    return top_ks[best]


def test_the_pooled_rule_chooses_the_share_a_recomputation_here_does(scored: dict[str, Path],
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`--var operating_point_rule=top_k_share_pooled`: each share's F1 pooled over the eval day and the
    validation users' normal training label days, recomputed here from the prediction files, the labels and the
    validation split (its hash recomputed in Python), picks the share that dbt carried to the predict day."""
    assert main(["score", "--run", str(scored["run"]), "--raw-dir", str(scored["raw"]),
                 "--experiments", str(scored["experiments"]), "--var", "operating_point_rule=top_k_share_pooled"]) == 0
    assert "carried by top_k_share_pooled" in capsys.readouterr().out
    database = scored["database"]
    days = [day for day, in _query(database, "select label_date from int_label_calendar where dataset = 'train' "
                                             "and label_date not in ('2014-12-11', '2014-12-12', '2014-12-13') "
                                             "order by 1")]
    assert days, "the generated month has normal training label days"
    purchases = _query(database, "select label_date, user_id, item_id from int_pair_labels")
    order = {"by": ["probs", "user_id", "item_id"], "ascending": [False, True, True]}
    validation = pq.read_table(scored["run"] / "predictions" / "validation").to_pandas()
    eval_truth, eval_hits, _, predict_probs = _ranked_predictions(scored)
    # (hits in rank order, true pairs) of every pooled day: the eval day first
    ranked_days = [(eval_hits, len(eval_truth))]
    for day in days:
        truth = {(u, i) for d, u, i in purchases if d == day and _validation_share(u, 20141219) < 0.1}
        pairs = validation[validation.cutoff_date == str(day - timedelta(days=1))].sort_values(**order)
        hits = np.array([(u, i) in truth for u, i in zip(pairs.user_id, pairs.item_id, strict=True)], dtype=bool)
        ranked_days.append((hits, len(truth)))
    assert sum(true for _, true in ranked_days[1:]) > 0, "the validation users bought something"
    scan = _query(database, "select top_k, share_of_scored_pairs, predicted_pairs from f1_scan "
                            "where scan = 'top_k' order by top_k")
    f1, pairs = [], []
    for _, share, _ in scan:
        cuts = [min(len(hits), max(1, round(share * len(hits)))) for hits, _ in ranked_days]
        hit_count = sum(int(hits[:cut].sum()) for cut, (hits, _) in zip(cuts, ranked_days, strict=True))
        submitted, true_pairs = sum(cuts), sum(true for _, true in ranked_days)
        f1.append(2 * hit_count / (submitted + true_pairs))
        pairs.append(submitted)
    best_k = _smoothed_best([k for k, _, _ in scan], f1, pairs)
    best_share = next(share for k, share, _ in scan if k == best_k)
    (rule, eval_top_k, top_k_share, predict_top_k), = _query(
        database, "select operating_point_rule, eval_top_k, top_k_share, predict_top_k from operating_point")
    assert (rule, eval_top_k) == ("top_k_share_pooled", best_k)
    assert top_k_share == pytest.approx(best_share)
    assert predict_top_k == max(1, round(best_share * len(predict_probs)))
    assert _query(database, "select max(pooled_days) from pooled_share_scan") == [(len(days) + 1,)]
