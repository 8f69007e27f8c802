"""The retrieval (runner/tzrec_shims/tzrec_runner_retrieve.py) against a brute force, on hand-made embeddings: exact
top-N, ties to the smaller item_id, a MIND user's empty interests left out, the popularity correction."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from runner.tzrec.interpreter import child_env

TEMPERATURE = 0.5


def _write(path: Path, ids: np.ndarray, key: str, column: str, embeddings: list) -> Path:
    table = {key: pa.array(ids, pa.int64()), column: pa.array(embeddings)}
    if key == "user_id":
        table["cutoff_date"] = pa.array(["2014-12-17"] * len(ids), pa.string())
    path.mkdir(parents=True)
    pq.write_table(pa.table(table), path / "part-0.parquet")
    return path


def _run_retrieve(python: Path, users: Path, items: Path, out: Path, top_n: int, *extra: str
                  ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "tzrec_runner_retrieve", "--users", str(users), "--items", str(items), "--out", str(out),
         "--top-n", str(top_n), "--retriever", "tiny", "--temperature", str(TEMPERATURE), "--rows-per-chunk", "3",
         *extra], capture_output=True, text=True, env=child_env(), check=False)


def _retrieve(python: Path, users: Path, items: Path, out: Path, top_n: int, *extra: str) -> dict:
    completed = _run_retrieve(python, users, items, out, top_n, *extra)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _brute_force(user_vectors: np.ndarray, item_ids: np.ndarray, item_vectors: np.ndarray, bias: np.ndarray,
                 top_n: int) -> list[list[int]]:
    """Each user's top_n item ids: highest score first, equal scores by item_id (users x interests x dim)."""
    scores = np.einsum("ukd,id->uki", user_vectors, item_vectors) / TEMPERATURE
    live = np.linalg.norm(user_vectors, axis=-1) > 0
    scores = np.where(live[:, :, None], scores, -np.inf).max(axis=1) + bias
    return [[int(item_ids[i]) for i in np.lexsort((item_ids, -np.round(row, 4)))[:top_n]] for row in scores]


@pytest.fixture()
def items(tmp_path: Path) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(30, 4)).astype(np.float32)
    # ten items share one vector, longer than any other (untouched items of a category): ties
    vectors[10:20] = 6 * vectors[10] / np.linalg.norm(vectors[10])
    ids = rng.permutation(np.arange(1000, 1030)).astype(np.int64)  # not in id order in the file
    return ids, vectors


@pytest.mark.tzrec
def test_top_n_is_exact_with_ties_by_item_id(tzrec_python: Path, tmp_path: Path,
                                             items: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vectors = items
    rng = np.random.default_rng(4)
    users = rng.normal(size=(7, 4)).astype(np.float32)
    users[0] = vectors[10]  # this user's best items are the ten tied ones: top 6 takes the 6 smallest ids
    user_dir = _write(tmp_path / "users", np.arange(7) + 50, "user_id", "user_tower_emb", users.tolist())
    item_dir = _write(tmp_path / "items", ids, "item_id", "item_tower_emb", vectors.tolist())
    out = tmp_path / "retrieved" / "part-0.parquet"
    summary = _retrieve(tzrec_python, user_dir, item_dir, out, 6)
    assert summary["users"] == 7 and summary["items"] == 30 and summary["distinct_item_vectors"] == 21
    assert summary["cutoffs"] == 1  # items without a cutoff_date serve the users' one cutoff

    table = pq.read_table(out)
    assert table.schema.names == ["user_id", "item_id", "cutoff_date", "recall_score", "recall_rank", "retriever"]
    expected = _brute_force(users[:, None, :], ids, vectors, np.zeros(30), 6)
    for position, user in enumerate(np.arange(7) + 50):
        rows = table.filter(pa.compute.equal(table.column("user_id"), user))
        assert rows.column("recall_rank").to_pylist() == [1, 2, 3, 4, 5, 6]
        assert rows.column("item_id").to_pylist() == expected[position]
        scores = rows.column("recall_score").to_numpy()
        assert np.all(np.diff(scores) <= 1e-6)
    tied = sorted(int(i) for i in ids[10:20])[:6]
    assert table.filter(pa.compute.equal(table.column("user_id"), 50)).column("item_id").to_pylist() == tied


@pytest.mark.tzrec
def test_a_mind_user_is_scored_by_its_best_live_interest_and_popularity_shifts_scores(
        tzrec_python: Path, tmp_path: Path, items: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vectors = items
    rng = np.random.default_rng(5)
    interests = rng.normal(size=(5, 3, 4)).astype(np.float32)
    interests[:, 2] = 0  # the routing filled two interests of three
    interests[0, 1] = 0  # and one of this user's
    user_dir = _write(tmp_path / "users", np.arange(5) + 70, "user_id", "user_tower_emb", interests.tolist())
    item_dir = _write(tmp_path / "items", ids, "item_id", "item_tower_emb", vectors.tolist())
    positives = tmp_path / "positives.parquet"
    bought = np.array([ids[3]] * 6 + [ids[25]] * 2, np.int64)
    pq.write_table(pa.table({"item_id": pa.array(bought, pa.int64())}), positives)

    out = tmp_path / "plain" / "part-0.parquet"
    assert _retrieve(tzrec_python, user_dir, item_dir, out, 4)["interests"] == 3
    corrected = tmp_path / "corrected" / "part-0.parquet"
    _retrieve(tzrec_python, user_dir, item_dir, corrected, 4, "--positives", str(positives),
              "--popularity-correction", "1.0")

    counts = np.array([np.sum(bought == i) for i in ids])
    bias = np.log((counts + 1.0) / (bought.size + ids.size))
    for path, item_bias in ((out, np.zeros(30)), (corrected, bias)):
        table = pq.read_table(path)
        expected = _brute_force(interests, ids, vectors, item_bias, 4)
        got = [table.filter(pa.compute.equal(table.column("user_id"), user)).column("item_id").to_pylist()
               for user in np.arange(5) + 70]
        assert got == expected
    assert pq.read_table(corrected).column("item_id").to_pylist() != pq.read_table(out).column("item_id").to_pylist()


@pytest.mark.tzrec
def test_items_of_every_cutoff_are_read_by_row_group_and_each_user_gets_its_own_cutoffs(
        tzrec_python: Path, tmp_path: Path) -> None:
    """The training cutoffs' side: items with a cutoff_date, in row groups of 4 rows (one of them spans two
    cutoffs), one file written without statistics; each user is retrieved among its own cutoff's items only."""
    rng = np.random.default_rng(6)
    cutoffs = ["2014-11-24", "2014-11-25", "2014-11-26"]
    ids = np.arange(2000, 2010, dtype=np.int64)
    vectors = {cutoff: rng.normal(size=(ids.size, 4)).astype(np.float32) for cutoff in cutoffs}
    item_dir = tmp_path / "items"
    item_dir.mkdir()
    for part, (chosen, statistics) in enumerate(((cutoffs[:2], True), (cutoffs[2:], False))):
        table = pa.table({
            "item_tower_emb": pa.array([v.tolist() for c in chosen for v in vectors[c]]),
            "item_id": pa.array(np.tile(ids, len(chosen)), pa.int64()),
            "cutoff_date": pa.array([c for c in chosen for _ in ids], pa.string())})
        pq.write_table(table, item_dir / f"part-{part}.parquet", row_group_size=4, write_statistics=statistics)
    assert pq.ParquetFile(item_dir / "part-0.parquet").metadata.num_row_groups == 5  # rows 8-11: both cutoffs
    users = rng.normal(size=(6, 4)).astype(np.float32)
    user_cutoffs = [cutoffs[i % 3] for i in range(6)]
    user_dir = tmp_path / "users"
    user_dir.mkdir()
    pq.write_table(pa.table({"user_id": pa.array(np.arange(6) + 90, pa.int64()),
                             "cutoff_date": pa.array(user_cutoffs, pa.string()),
                             "user_tower_emb": pa.array(users.tolist())}), user_dir / "part-0.parquet")

    out = tmp_path / "retrieved" / "part-0.parquet"
    summary = _retrieve(tzrec_python, user_dir, item_dir, out, 3)
    assert summary["cutoffs"] == 3 and summary["items"] == ids.size and summary["users"] == 6
    table = pq.read_table(out)
    for position, user in enumerate(np.arange(6) + 90):
        rows = table.filter(pa.compute.equal(table.column("user_id"), user))
        cutoff = user_cutoffs[position]
        assert set(rows.column("cutoff_date").to_pylist()) == {cutoff}
        expected = _brute_force(users[position][None, None, :], ids, vectors[cutoff], np.zeros(ids.size), 3)[0]
        assert rows.column("item_id").to_pylist() == expected

    # a user cutoff that no item row holds is refused, and nothing is left behind
    pq.write_table(pa.table({"user_id": pa.array([99], pa.int64()), "cutoff_date": pa.array(["2014-11-27"]),
                             "user_tower_emb": pa.array([users[0].tolist()])}), user_dir / "part-1.parquet")
    refused = _run_retrieve(tzrec_python, user_dir, item_dir, tmp_path / "again" / "part-0.parquet", 3)
    assert refused.returncode != 0
    assert f"{item_dir} holds no item of the users' cutoff(s) 2014-11-27" in refused.stdout + refused.stderr
    assert not (tmp_path / "again").exists()

    # nor one that lies inside a row group's range of cutoffs without a row of its own
    gap_dir = tmp_path / "gap"
    gap_dir.mkdir()
    pq.write_table(pa.table({"item_tower_emb": pa.array(vectors[cutoffs[0]][:2].tolist()),
                             "item_id": pa.array(ids[:2], pa.int64()),
                             "cutoff_date": pa.array([cutoffs[0], cutoffs[2]])}), gap_dir / "part-0.parquet")
    (user_dir / "part-1.parquet").unlink()
    gap_out = tmp_path / "gap_out" / "part-0.parquet"
    refused = _run_retrieve(tzrec_python, user_dir, gap_dir, gap_out, 3)
    assert refused.returncode != 0
    assert f"{gap_dir} holds no item of the users' cutoff 2014-11-25" in refused.stdout + refused.stderr
    assert not any(gap_out.parent.iterdir())  # the partial file the first cutoff began is removed
