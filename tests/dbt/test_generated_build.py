"""`dbt build` of the whole project on a small generated month: calibration, features, exports.

2,000 users (a tenth of the default scale) keep the build to seconds; statistics that do not
depend on the scale are checked against the real bands (with a margin for the smaller sample),
the one count that does (P pairs bought per day) after scaling it to 20,000 users.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from dbt_helpers import GENERATED_USERS, DbtProject, DbtRun

from runner.contracts import EXPORTS_DOCS, EXPORTS_YML, documented_columns, render_exports_docs, render_exports_yml

SCALE_TO_DEFAULT = 20_000 / GENERATED_USERS
# Scale-free statistics: band widened by this much on each side for a 2,000-user sample.
MARGIN = {
    "p_buys_carted_day_before_share": 0.03,
    "p_buys_touched_day_before_share": 0.04,
    "p_buys_touched_before_share": 0.05,
    "cart_not_bought_next_day_conversion": 0.015,
    "sale_peak_p_pairs_bought_ratio": 0.8,
}


@pytest.fixture(scope="module")
def built(generated_build: tuple[DbtProject, DbtRun, Path]) -> tuple[DbtRun, Path]:
    _, run, processed = generated_build
    return run, processed


def test_every_model_and_test_passes(built: tuple[DbtRun, Path]) -> None:
    run, _ = built
    bad = {node: status for node, status in run.statuses().items() if status not in ("success", "pass")}
    assert not bad, bad
    assert any(node.startswith("unit_test.") for node in run.statuses()), "the leakage unit tests ran"


def test_calibration_at_small_scale(built: tuple[DbtRun, Path]) -> None:
    run, _ = built
    rows = run.query("select statistic, value, band_low, band_high from profile__calibration")
    checked = 0
    for statistic, value, low, high in rows:
        if low is None or value is None:
            continue
        if statistic == "p_pairs_bought_per_normal_day":
            value *= SCALE_TO_DEFAULT
        margin = MARGIN.get(statistic, 0.0)
        assert low - margin <= value <= high + margin, f"{statistic} = {value:.4f} outside [{low}, {high}] ± {margin}"
        checked += 1
    assert checked >= 12


def test_the_checked_in_contract_is_what_the_generator_writes_from_the_build(built: tuple[DbtRun, Path]) -> None:
    """`python -m runner contracts` on these exports writes the checked-in yml and doc blocks unchanged: the
    contract (names, types, tests) and every description, each written once as a doc block."""
    _, processed = built
    assert render_exports_yml(processed) == EXPORTS_YML.read_text()
    assert render_exports_docs(processed) == EXPORTS_DOCS.read_text()


def test_exports_match_their_contract_and_rules(built: tuple[DbtRun, Path]) -> None:
    _, processed = built
    documented = documented_columns()
    buckets = pq.read_table(processed / "id_buckets.parquet").to_pydict()
    size = dict(zip(buckets["feature_name"], buckets["num_buckets"], strict=True))
    for name in ("train", "train_all_negatives", "validation", "eval", "predict"):
        table = pq.read_table(processed / f"{name}.parquet")
        assert table.column_names == documented[f"export_{name}"], name
        assert table.num_rows > 0
        assert table.schema.field("cutoff_date").type == "string", "tzrec reads no date type"
        for column in ("user_code", "item_code", "category_code"):
            values = table.column(column)
            assert pc.min(values).as_py() >= 0 and pc.max(values).as_py() < size[column], (name, column)
        if name != "predict":
            labels = set(table.column("label").to_pylist())
            assert labels <= {0, 1}
    train = pq.read_table(processed / "train.parquet")
    assert set(train.column("label").to_pylist()) == {0, 1}
    # negatives are sampled, positives all kept: weights are 1 for positives, 1 / rate otherwise
    weights = dict(zip(train.column("label").to_pylist(), train.column("sample_weight").to_pylist(), strict=True))
    assert weights[1] == 1.0 and weights[0] > 1.0
    eval_dates = set(pq.read_table(processed / "eval.parquet").column("cutoff_date").to_pylist())
    assert eval_dates == {"2014-12-17"}
    assert set(pq.read_table(processed / "predict.parquet").column("cutoff_date").to_pylist()) == {"2014-12-18"}
    assert "label" not in pq.read_schema(processed / "predict.parquet").names


def test_the_scored_exports_are_written_in_key_order(built: tuple[DbtRun, Path]) -> None:
    """eval, predict and validation have no shuffle to keep: sorted by key, a build writes the same file each
    time (a parallel query alone leaves the order to its threads)."""
    _, processed = built
    for name in ("eval", "predict", "validation"):
        keys = _keys(pq.read_table(processed / f"{name}.parquet", columns=["cutoff_date", "user_id", "item_id"]))
        assert len(keys) > 1 and keys == sorted(keys), name


def _keys(table: pa.Table) -> list[tuple[str, int, int]]:
    return list(zip(*(table.column(name).to_pylist() for name in ("cutoff_date", "user_id", "item_id")), strict=True))


def test_the_all_negatives_export_is_the_training_export_before_sampling(built: tuple[DbtRun, Path]) -> None:
    run, processed = built
    full = pq.read_table(processed / "train_all_negatives.parquet")
    sampled = pq.read_table(processed / "train.parquet")
    assert full.num_rows == run.query("select count(*) from samples where dataset = 'train'")[0][0]
    assert set(full.column("sample_weight").to_pylist()) == {1.0}
    negatives = {name: pc.sum(pc.equal(table.column("label"), 0)).as_py() for name, table in
                 (("full", full), ("sampled", sampled))}
    assert 0.15 < negatives["sampled"] / negatives["full"] < 0.25, "negative_keep_rate 0.2 of the negatives"
    # one shuffle: the sampled export is a subsequence of the full one, row for row, with every positive
    position = {key: index for index, key in enumerate(_keys(full))}
    order = [position[key] for key in _keys(sampled)]
    assert order == sorted(order)
    assert pc.sum(full.column("label")).as_py() == pc.sum(sampled.column("label")).as_py()
    assert full.take(order).drop_columns("sample_weight").equals(sampled.drop_columns("sample_weight"))


def test_training_stops_before_the_eval_day_and_validation_users_are_held_out(built: tuple[DbtRun, Path]) -> None:
    _, processed = built
    train_dates = set(pq.read_table(processed / "train.parquet").column("cutoff_date").to_pylist())
    assert max(train_dates) == "2014-12-16", "the last training cutoff's labels are 12-17, before the eval day"
    validation_users = set(pq.read_table(processed / "validation.parquet").column("user_id").to_pylist())
    train_users = set(pq.read_table(processed / "train.parquet").column("user_id").to_pylist())
    assert validation_users and not validation_users & train_users


def test_rule_baseline_and_candidate_recall(built: tuple[DbtRun, Path]) -> None:
    run, _ = built
    rule = dict(run.query("select dataset, f1 from rule_cart_baseline"))
    assert set(rule) == {"eval", "predict"}, "12-19 is scored where the generated answers exist"
    assert all(0 < f1 < 0.3 for f1 in rule.values())
    recall = run.query("select min(candidate_recall), max(candidate_recall), count(*) from candidate_recall")[0]
    assert 0.1 < recall[0] <= recall[1] < 0.8 and recall[2] == 25


def test_dense_bins_are_learned_on_training_rows_and_exported_as_bucket_ids(built: tuple[DbtRun, Path]) -> None:
    run, processed = built
    bounds: dict[str, list[float]] = {}
    for feature, lower_bound in run.query("select feature_name, lower_bound from dense_feature_bins order by 1, 2"):
        bounds.setdefault(feature, []).append(lower_bound)
    # the buckets count the training rows (dataset 'train', before sampling) and nothing else
    training_rows = run.query("select count(*) from samples where dataset = 'train'")[0][0]
    counted = run.query("select min(n), max(n) from "
                        "(select sum(training_rows) as n from dense_feature_bins group by feature_name)")
    assert counted[0] == (training_rows, training_rows)
    assert max(len(b) for b in bounds.values()) <= 64, "dense_feature_exact_values caps the buckets"
    sizes = dict(run.query("select feature_name, num_buckets from read_parquet(?)",
                           str(processed / "id_buckets.parquet")))
    features = ["u_clicks_7d", "ui_hours_since_last_cart", "i_buy_per_click_all", "ui_carted_not_bought",
                "c_click_trend"]
    for name in ("train", "eval", "predict"):
        # the bucket id is the number of lower bounds at or below the sample's value (0: below all)
        rows = run.query(
            f"select {', '.join(f's.{f}, e.{f}_bin' for f in features)} "
            "from read_parquet(?) as e inner join samples as s "
            "on cast(s.cutoff_date as varchar) = e.cutoff_date and s.user_id = e.user_id and s.item_id = e.item_id",
            str(processed / f"{name}.parquet"),
        )
        assert rows, name
        for row in rows:
            for position, feature in enumerate(features):
                value, bucket = row[2 * position], row[2 * position + 1]
                assert bucket == sum(bound <= value for bound in bounds[feature]), (name, feature, value, bucket)
                assert 0 <= bucket < sizes[f"{feature}_bin"]


def test_gbdt_reference_trains_on_the_exports_and_predicts_both_days(built: tuple[DbtRun, Path],
                                                                      tmp_path: Path) -> None:
    from runner.baselines.gbdt import GbdtParams, train_gbdt
    from runner.candidates import is_candidate_feature

    _, processed = built
    run = train_gbdt("gbdt_test", GbdtParams(max_rounds=20, early_stopping_rounds=5, seed=1),
                     processed_dir=processed, outputs_dir=tmp_path)
    train_columns = pq.read_schema(processed / "train.parquet").names
    # every dense feature and the two small id codes; never a bucket id, a key, a label or a big id, nor the
    # candidate features, constant while retrieval candidates are off (runner/candidates.py)
    dense = [name for name in train_columns if f"{name}_bin" in train_columns and not is_candidate_feature(name)]
    assert run.features == len(dense) + 2
    importance = (run.run_dir / "feature_importance.csv").read_text().splitlines()[1:]
    assert not [line for line in importance if line.split(",")[0].endswith("_bin")]
    assert 0.5 < run.validation_auc <= 1.0
    for split in ("eval", "predict"):
        predictions = pq.read_table(run.run_dir / "predictions" / split / "part-0.parquet")
        assert predictions.num_rows == pq.read_metadata(processed / f"{split}.parquet").num_rows
        assert predictions.column_names[:2] == ["logits", "probs"]
        probs = predictions.column("probs").to_numpy()
        assert ((probs > 0) & (probs < 1)).all()
