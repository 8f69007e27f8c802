"""Retrieved pairs as ranking candidates, end to end in dbt, on a micro generated month: a retrieval run folder laid
out as `python -m runner retrieve --splits train eval predict` writes it (the run's own retrieved eval and predict
pairs, each fold's out-of-fold pairs of the training cutoffs, in the retrieval's schema; the retrieval itself runs
for real in tests/tzrec/test_retrieval_smoke.py), then the whole build with vars retrieval_candidate_runs and
retrieval_candidate_top_n: every model and data test passes, the exports carry each candidate's source with
retrieved-only pairs at zero behaviour counts, and a fold's pairs on its own training users stop the build."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from dbt_helpers import DbtProject, DbtRun, generated_vars

from runner.baselines.gbdt import training_features
from runner.candidates import holds_retrieved_candidates
from runner.synthetic import generate
from runner.synthetic.params import GeneratorParams, WorldParams

pytestmark = pytest.mark.slow

TOP_N = 2  # var retrieval_candidate_top_n; the run retrieved one more per user (the cut)
RETRIEVED = TOP_N + 1
SPLIT_SEED = 20141219  # dbt var split_seed (default); retrieval_fold() hashes user_id with split_seed + 1
# the retrieval's file schema (runner/tzrec_shims/tzrec_runner_retrieve.py); out-of-fold files add training_fold
SCHEMA = pa.schema([("user_id", pa.int64()), ("item_id", pa.int64()), ("cutoff_date", pa.string()),
                    ("recall_score", pa.float32()), ("recall_rank", pa.int32()), ("retriever", pa.string())])
CALENDAR = {"train": ("2014-11-24", "2014-12-16"), "eval": ("2014-12-17", "2014-12-17"),
            "predict": ("2014-12-18", "2014-12-18")}
NEVER_HOURS_LN = math.log1p(960)  # hours since an event that never happened (never_hours()), as exported


def _retrieved_pairs(raw: Path, first: str, last: str) -> pa.Table:
    """For every user seen by each cutoff of [first, last]: RETRIEVED P items, rank 1 a pair the user touched within
    the 3 days up to the cutoff where there is one (found by both sources), then P items the user never touched by
    the cutoff (retrieved only), by a hash; and the user's retrieval fold."""
    behavior = (f"read_csv('{raw}/tianchi_fresh_comp_train_user_online_part*.txt', delim='\\t', header=false, "
                "columns={'user_id': 'BIGINT', 'item_id': 'BIGINT', 'behavior_type': 'INTEGER', "
                "'user_geohash': 'VARCHAR', 'item_category': 'BIGINT', 'time': 'VARCHAR'})")
    items = (f"read_csv('{raw}/tianchi_fresh_comp_train_item_online.txt', delim='\\t', header=false, "
             "columns={'item_id': 'BIGINT', 'item_geohash': 'VARCHAR', 'item_category': 'BIGINT'})")
    query = f"""
        with
        events as (select user_id, item_id, cast(substr(time, 1, 10) as date) as event_date from {behavior}),
        p_items as (select distinct item_id from {items}),
        cutoffs as (select cast(range as date) as cutoff_date
                    from range(date '{first}', date '{last}' + interval 1 day, interval 1 day)),
        seen as (select cutoffs.cutoff_date, events.user_id from cutoffs
                 inner join events on events.event_date <= cutoffs.cutoff_date group by 1, 2),
        touched_recently as (
            select cutoffs.cutoff_date, events.user_id, min(events.item_id) as item_id from cutoffs
            inner join events on events.event_date <= cutoffs.cutoff_date
                and events.event_date > cutoffs.cutoff_date - interval 3 day
            inner join p_items on events.item_id = p_items.item_id
            group by 1, 2),
        touched_ever as (select distinct cutoffs.cutoff_date, events.user_id, events.item_id from cutoffs
                         inner join events on events.event_date <= cutoffs.cutoff_date),
        untouched as (
            select seen.cutoff_date, seen.user_id, p_items.item_id,
                row_number() over (partition by seen.cutoff_date, seen.user_id
                                   order by md5(seen.user_id || ':' || p_items.item_id)) as position
            from seen cross join p_items
            anti join touched_ever using (cutoff_date, user_id, item_id)),
        chosen as (
            select cutoff_date, user_id, item_id, 0 as position from touched_recently
            union all
            select cutoff_date, user_id, item_id, position from untouched where position <= {RETRIEVED}),
        ranked as (
            select *, row_number() over (partition by cutoff_date, user_id order by position) as recall_rank
            from chosen)
        select user_id, item_id, strftime(cutoff_date, '%Y-%m-%d') as cutoff_date,
            cast(1.0 - 0.25 * recall_rank as float) as recall_score, cast(recall_rank as integer) as recall_rank,
            case when cast(('0x' || substr(md5(cast(user_id as varchar) || ':{SPLIT_SEED + 1}'), 1, 8)) as ubigint)
                / 4294967296.0 < 0.5 then 0 else 1 end as user_fold
        from ranked where recall_rank <= {RETRIEVED}
        order by cutoff_date, user_id, recall_rank"""
    return duckdb.connect().sql(query).to_arrow_table()


def _write(path: Path, pairs: pa.Table, retriever: str, training_fold: int | None = None) -> None:
    table = pairs.select(SCHEMA.names[:-1]).append_column("retriever", pa.array([retriever] * pairs.num_rows))
    schema = SCHEMA
    if training_fold is not None:
        schema = SCHEMA.append(pa.field("training_fold", pa.int32()))
        table = table.append_column("training_fold", pa.array([training_fold] * pairs.num_rows, pa.int32()))
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.cast(schema), path)


def write_retrieval_run(raw: Path, run: Path) -> None:
    """The layout of a `retrieve --splits train eval predict` run folder, its pairs made by _retrieved_pairs."""
    for split in ("eval", "predict"):
        _write(run / "retrieved" / split / "part-0.parquet", _retrieved_pairs(raw, *CALENDAR[split]), run.name)
    train = _retrieved_pairs(raw, *CALENDAR["train"])
    for fold in (0, 1):  # the fold-k retriever retrieves the other fold's users
        others = train.filter(pc.equal(train.column("user_fold"), 1 - fold))
        _write(run / "folds" / f"fold_{fold}" / "retrieved" / "train" / "part-0.parquet", others,
               f"{run.name}/fold_{fold}", training_fold=fold)


@dataclass(frozen=True)
class RetrievalBuild:
    project: DbtProject
    run: DbtRun  # the whole build with retrieval candidates on
    processed: Path  # its exports
    run_folder: Path  # the retrieval run folder it read
    dbt_vars: dict[str, object]


@pytest.fixture(scope="module")
def retrieval_build(tmp_path_factory: pytest.TempPathFactory) -> RetrievalBuild:
    """A micro month (a small catalog keeps the build to seconds), its retrieval run folder, and the whole build
    with retrieval candidates on."""
    raw = tmp_path_factory.mktemp("micro_raw")
    world = WorldParams(n_categories=300, n_p_categories=40, items_at_default_scale=40_000)
    generate(raw, n_users=80, seed=5, params=GeneratorParams(world=world), progress=False)
    project = DbtProject(tmp_path_factory.mktemp("retrieval_candidates"))
    run_folder = project.workdir / "outputs" / "stage1_dssm_v1"
    write_retrieval_run(raw, run_folder)
    processed = project.workdir / "processed"
    dbt_vars = generated_vars(raw, processed, retrieval_candidate_runs=[str(run_folder)],
                              retrieval_candidate_top_n=TOP_N)
    return RetrievalBuild(project, project.run("build", dbt_vars=dbt_vars), processed, run_folder, dbt_vars)


def test_every_model_and_test_passes_with_retrieval_candidates(retrieval_build: RetrievalBuild) -> None:
    run = retrieval_build.run.check()
    bad = {node: status for node, status in run.statuses().items() if status not in ("success", "pass")}
    assert not bad, bad
    guards = [node for node in run.statuses() if "training_fold" in node or "cover_every_cutoff" in node
              or "samples_hold_every_candidate" in node]
    assert len(guards) >= 3, guards  # the leakage guard, the coverage of every cutoff, no candidate dropped


def test_the_exports_carry_each_candidates_source(retrieval_build: RetrievalBuild) -> None:
    run, processed = retrieval_build.run, retrieval_build.processed
    for split in ("train", "validation", "eval", "predict"):
        table = pq.read_table(processed / f"{split}.parquet")
        sources = set(table.column("candidate_source_code").to_pylist())
        assert {2, 3} <= sources, (split, sources)  # retrieved only, and found by both
        retrieved_only = table.filter(pc.equal(table.column("candidate_source_code"), 2))
        # an untouched pair: zero behaviour counts, hours since "never", no open cart
        for column in ("ui_clicks_all", "ui_carts_all", "ui_buys_all", "ui_clicks_7d", "ui_active_days_all"):
            assert pc.max(retrieved_only.column(column)).as_py() == 0.0, (split, column)
        assert retrieved_only.column("ui_hours_since_last_event").to_pylist() == \
            pytest.approx([NEVER_HOURS_LN] * retrieved_only.num_rows)
        assert set(retrieved_only.column("last_cart_hour_code").to_pylist()) == {0}
        # ranks, as ln(1 + r): 1..N for retrieved pairs (the run's rank N + 1 is cut), N + 1 for touched-only ones
        ranks = {round(math.expm1(value)) for value in table.column("recall_rank").to_pylist()}
        assert ranks <= set(range(1, TOP_N + 2)) and TOP_N + 1 in ranks
        touched_only = table.filter(pc.equal(table.column("candidate_source_code"), 1))
        assert {round(math.expm1(value)) for value in touched_only.column("recall_rank").to_pylist()} == {TOP_N + 1}
    # one candidate per pair: a pair found by both sources is not repeated
    counts = run.query("select count(*), count(distinct (cutoff_date, user_id, item_id)) from samples")
    assert counts[0][0] == counts[0][1]
    by_source = dict(run.query("select candidate_source, count(*) from int_pair_candidate_sources group by 1"))
    assert set(by_source) == {"touched", "retrieved", "both"}
    # every model reads the candidate features from these exports
    assert holds_retrieved_candidates(processed / "train.parquet")
    assert {"candidate_source_code", "recall_score", "recall_rank"} <= set(training_features(processed))


def test_a_folds_pairs_on_its_own_training_users_stop_the_build(retrieval_build: RetrievalBuild) -> None:
    """The leakage guard: fold 0's retriever trained on fold 0's users; give it one of them to retrieve for."""
    folds = retrieval_build.run_folder / "folds"
    fold_file = folds / "fold_0" / "retrieved" / "train" / "part-0.parquet"
    own_user = pq.read_table(folds / "fold_1" / "retrieved" / "train" / "part-0.parquet").slice(0, 1)
    leaked_row = own_user.set_column(own_user.schema.get_field_index("training_fold"), "training_fold",
                                     pa.array([0], pa.int32()))
    pq.write_table(pa.concat_tables([pq.read_table(fold_file), leaked_row]), fold_file)
    leaked = retrieval_build.project.run("build", "--select", "int_pair_retrieved_candidates",
                                         dbt_vars=retrieval_build.dbt_vars)
    assert leaked.returncode != 0
    failed = [node for node, status in leaked.statuses().items() if status == "fail"]
    assert any("training_fold" in node for node in failed), leaked.output[-3000:]
