"""The two-tower path for real, no mocks: tiny retrieval exports -> `python -m runner retrieve` (train, export both
towers, embed every user and item, retrieve the top N), for a DSSM and a MIND; the files and their schemas, the
retrieval checked against a brute force over the embeddings, and a second run reusing every step. The training
cutoffs' out-of-fold retrieval (`--splits train`): a fold's retriever trains on its own users' positives and
retrieves only the other fold's users, cutoff by cutoff."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from test_tzrec_smoke import _main
from tiny_data import BUCKETS, write_buckets
from tiny_retrieval_data import (
    CUTOFF,
    NUM_ITEMS,
    NUM_USERS,
    TRAIN_CUTOFF_ITEMS,
    TRAIN_CUTOFFS,
    item_id,
    write_tiny_fold_data,
    write_tiny_retrieval_data,
)

from runner.paths import PROJECT_ROOT
from runner.retrieval.session import RetrievalOptions, RetrievalSession

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "tzrec"
TOP_N = 5
TEMPERATURE = 0.1  # the fixtures' model_config.<model>.temperature
RETRIEVED_SCHEMA = pa.schema([("user_id", pa.int64()), ("item_id", pa.int64()), ("cutoff_date", pa.string()),
                              ("recall_score", pa.float32()), ("recall_rank", pa.int32()),
                              ("retriever", pa.string())])
STEPS = ("train", "export", "embed_user_eval", "embed_item_eval", "retrieve_eval")


@pytest.fixture(scope="module")
def tiny_retrieval(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny_retrieval")
    write_tiny_retrieval_data(folder)
    write_tiny_fold_data(folder)
    return folder


def _args(config: Path, processed: Path, outputs: Path, python: Path, *extra: str) -> list[str]:
    return ["retrieve", "--config", str(config), "--processed-dir", str(processed), "--outputs", str(outputs),
            "--splits", "eval", "--top-n", str(TOP_N), "--tzrec-python", str(python), *extra]


def _embeddings(folder: Path, key: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    table = pq.read_table(folder)
    ids = table.column(key).to_numpy()
    vectors = np.array(table.column(column).to_pylist(), dtype=np.float32)
    return ids, vectors if vectors.ndim == 3 else vectors[:, None, :]


def _check_run(run: Path, interests: bool) -> None:
    for step in STEPS:
        assert (run / "logs" / f"{step}.done.json").is_file(), step
    for side in ("user", "item"):
        assert (run / "export" / side / "scripted_model.pt").is_file()
    users = pq.read_table(run / "embeddings" / "user_eval")
    items = pq.read_table(run / "embeddings" / "item_eval")
    assert users.num_rows == NUM_USERS and items.num_rows == NUM_ITEMS
    user_type = pa.list_(pa.list_(pa.float64())) if interests else pa.list_(pa.float64())
    assert users.schema.field("user_tower_emb").type == user_type, users.schema
    assert items.schema.field("item_tower_emb").type == pa.list_(pa.float64())
    assert set(users.column_names) == {"user_tower_emb", "user_id", "cutoff_date"}
    assert set(items.column_names) == {"item_tower_emb", "item_id", "cutoff_date"}

    retrieved = pq.read_table(run / "retrieved" / "eval" / "part-0.parquet")
    assert retrieved.schema.remove_metadata().equals(RETRIEVED_SCHEMA), retrieved.schema
    assert retrieved.num_rows == NUM_USERS * TOP_N
    assert set(retrieved.column("retriever").to_pylist()) == {run.name}
    assert set(retrieved.column("cutoff_date").to_pylist()) == {CUTOFF}

    # exact: each user's items are the brute-force top N of the embeddings (ties: the smaller item_id)
    user_ids, user_vectors = _embeddings(run / "embeddings" / "user_eval", "user_id", "user_tower_emb")
    item_ids, item_vectors = _embeddings(run / "embeddings" / "item_eval", "item_id", "item_tower_emb")
    scores = np.einsum("ukd,id->uki", user_vectors, item_vectors[:, 0, :]) / TEMPERATURE
    live = np.linalg.norm(user_vectors, axis=-1) > 0
    live[~live.any(axis=1)] = True
    scores = np.where(live[:, :, None], scores, -np.inf).max(axis=1)
    for user, row in zip(user_ids, scores, strict=True):
        mine = retrieved.filter(pc.equal(retrieved.column("user_id"), user))
        assert mine.column("recall_rank").to_pylist() == list(range(1, TOP_N + 1))
        got = np.array(mine.column("recall_score").to_pylist())
        assert np.all(np.diff(got) <= 1e-5)
        best = np.sort(row)[::-1][:TOP_N]
        np.testing.assert_allclose(got, best, atol=1e-4)
        # every item scoring clearly above the N-th is there; none below it is
        chosen = set(mine.column("item_id").to_pylist())
        assert {int(i) for i, s in zip(item_ids, row, strict=True) if s > best[-1] + 1e-4} <= chosen
        assert all(row[list(item_ids).index(i)] >= best[-1] - 1e-4 for i in chosen)


@pytest.mark.tzrec
def test_dssm_trains_exports_embeds_and_retrieves(tzrec_python: Path, tiny_retrieval: Path, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    outputs = tmp_path / "outputs"
    config = FIXTURES / "dssm_tiny.config"
    assert _main(_args(config, tiny_retrieval, outputs, tzrec_python), caplog) == 0
    run = outputs / "dssm_tiny"
    train = json.loads((run / "model" / "train_eval_result_v2.txt").read_text().splitlines()[-1])
    assert train["global_step"] > 0 and 0 <= train["recall@5"] <= 1
    _check_run(run, interests=False)

    # everything is finished: a second run reuses every step (no tzrec process at all)
    stamps = {step: (run / "logs" / f"{step}.done.json").read_text() for step in STEPS}
    assert _main(_args(config, tiny_retrieval, outputs, tzrec_python), caplog) == 0
    assert {step: (run / "logs" / f"{step}.done.json").read_text() for step in STEPS} == stamps

    # the popularity correction is a retrieval input: only the retrieval runs again, and its scores move
    before = pq.read_table(run / "retrieved" / "eval" / "part-0.parquet")
    assert _main(_args(config, tiny_retrieval, outputs, tzrec_python, "--popularity-correction", "1"), caplog) == 0
    after = pq.read_table(run / "retrieved" / "eval" / "part-0.parquet")
    assert {step: (run / "logs" / f"{step}.done.json").read_text() for step in STEPS[:-1]} == \
        {step: stamps[step] for step in STEPS[:-1]}
    assert json.loads((run / "logs" / "retrieve_eval.done.json").read_text())["popularity_correction"] == 1.0
    assert not after.column("recall_score").equals(before.column("recall_score"))


@pytest.mark.tzrec
def test_mind_retrieves_by_its_best_interest(tzrec_python: Path, tiny_retrieval: Path, tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    outputs = tmp_path / "outputs"
    assert _main(_args(FIXTURES / "mind_tiny.config", tiny_retrieval, outputs, tzrec_python), caplog) == 0
    _check_run(outputs / "mind_tiny", interests=True)


@pytest.mark.tzrec
def test_the_ranking_commands_refuse_a_two_tower_config_and_retrieve_a_ranking_one(
        tzrec_python: Path, tiny_retrieval: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    outputs = tmp_path / "outputs"
    train = ["train", "--config", str(FIXTURES / "dssm_tiny.config"), "--train-data",
             str(tiny_retrieval / "retrieval_train.parquet"), "--eval-data",
             str(tiny_retrieval / "retrieval_validation.parquet"), "--buckets",
             str(tiny_retrieval / "id_buckets.parquet"), "--outputs", str(outputs), "--tzrec-python", str(tzrec_python)]
    assert _main(train, caplog) == 1
    assert "is a two-tower model (dssm): `python -m runner retrieve --config dssm_tiny`" in caplog.text
    buckets = write_buckets(tmp_path / "ranking_buckets.parquet", BUCKETS)  # the ranking fixture's ids
    assert _main(_args(FIXTURES / "deepfm_tiny.config", tiny_retrieval, outputs, tzrec_python, "--buckets",
                       str(buckets)), caplog) == 1
    assert "is not a two-tower model (deepfm" in caplog.text
    assert not (outputs / "dssm_tiny" / "model").exists() and not (outputs / "deepfm_tiny" / "model").exists()


FOLD_STEPS = ("train", "export", "embed_user_train", "embed_item_train", "retrieve_train")


@pytest.mark.tzrec
def test_a_fold_retriever_retrieves_the_other_folds_users_at_every_training_cutoff(
        tzrec_python: Path, tiny_retrieval: Path, tmp_path: Path) -> None:
    """One fold for real (`retrieve --splits train` runs this session for fold 0 and fold 1 alike: the split into
    sessions is tests/test_retrieval_folds.py's): trained on fold 1's positives, it retrieves fold 0's users only,
    at each training cutoff among that cutoff's items, and marks every pair training_fold 1."""
    fold = 1
    outputs = tmp_path / "outputs"
    options = RetrievalOptions.for_exports(FIXTURES / "dssm_tiny.config", tiny_retrieval, outputs_dir=outputs,
                                           tzrec_python=tzrec_python, top_n=TOP_N).for_fold(fold)
    RetrievalSession(options).execute("retrieve")
    run = outputs / "dssm_tiny" / "folds" / f"fold_{fold}"
    assert not (outputs / "dssm_tiny" / "model").exists()  # the run's own retriever is another session
    for step in FOLD_STEPS:
        assert (run / "logs" / f"{step}.done.json").is_file(), step
    assert f"retrieval_train_fold_{fold}.parquet" in (run / "pipeline.config").read_text()
    retrieved = pq.read_table(run / "retrieved" / "train" / "part-0.parquet")
    assert retrieved.schema.remove_metadata().equals(
        RETRIEVED_SCHEMA.append(pa.field("training_fold", pa.int32()))), retrieved.schema
    assert set(retrieved.column("training_fold").to_pylist()) == {fold}
    assert set(retrieved.column("retriever").to_pylist()) == {f"dssm_tiny/fold_{fold}"}
    # the leakage guard: no user the retriever trained on is among the users it retrieved for
    trained_on = set(pq.read_table(tiny_retrieval / f"retrieval_train_fold_{fold}.parquet",
                                   columns=["user_id"]).column("user_id").to_pylist())
    side = set(pq.read_table(tiny_retrieval / f"retrieval_user_train_fold_{1 - fold}.parquet",
                             columns=["user_id"]).column("user_id").to_pylist())
    retrieved_users = set(retrieved.column("user_id").to_pylist())
    assert trained_on and retrieved_users == side and not trained_on & retrieved_users
    # every user at every training cutoff, each among that cutoff's items only
    assert retrieved.num_rows == len(side) * len(TRAIN_CUTOFFS) * TOP_N
    for cutoff, count in zip(TRAIN_CUTOFFS, TRAIN_CUTOFF_ITEMS, strict=True):
        at_cutoff = retrieved.filter(pc.equal(retrieved.column("cutoff_date"), cutoff))
        assert at_cutoff.num_rows == len(side) * TOP_N
        assert set(at_cutoff.column("item_id").to_pylist()) <= set(item_id(np.arange(count)).tolist())
