"""A tiny, deterministic data set shaped like the retrieval exports (models_sql/retrieval), for the two-tower tests.

    retrieval_train.parquet, retrieval_validation.parquet   positives: cutoff_date, user_id, item_id, label (1),
                                                            the user side's columns, then the item side's
    retrieval_user_eval.parquet                             cutoff_date, user_id, the user side's columns
    retrieval_item_eval.parquet                             cutoff_date, item_id, the item side's columns
    id_buckets.parquet                                      the id features' bucket counts

and, for the out-of-fold retrieval of the training cutoffs (write_tiny_fold_data), the users split into two folds
by the parity of their index:

    retrieval_train_fold_<k>.parquet                        the positives of fold k's users (two cutoffs)
    retrieval_user_train_fold_<k>.parquet                   fold k's users at both training cutoffs
    retrieval_item_train.parquet                            the items at both training cutoffs (the second
                                                            cutoff's P holds the first TRAIN_CUTOFF_ITEMS[1] items)

The user side: user_code, the sequence hist__category_code (";"-joined, most recent first), u_clicks_7d,
u_buys_all. The item side: category_code, i_clicks_7d, c_clicks_7d. Each user favours a few categories and buys
in them, so a two-tower model has something to learn; items of one category with the same clicks share their
features (the retrieval's ties). Raw ids are far outside any bucket range, as in the real exports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tiny_data import write_buckets

NUM_USERS = 40
NUM_ITEMS = 60
NUM_CATEGORIES = 8
SEQUENCE_LENGTH = 6
CUTOFF = "2014-12-17"
TRAIN_CUTOFFS = ("2014-12-09", "2014-12-10")
TRAIN_CUTOFF_ITEMS = (NUM_ITEMS, 30)  # items at each training cutoff: the second holds only the first 30
BUCKETS = {"user_code": NUM_USERS + 1, "category_code": NUM_CATEGORIES + 1, "hist__category_code": NUM_CATEGORIES + 1}


def user_id(index: np.ndarray) -> np.ndarray:
    return 100_000_000 + index * 7919


def item_id(index: np.ndarray) -> np.ndarray:
    return 200_000_000 + index * 104_729


def _users(rng: np.random.Generator, users: np.ndarray, favourites: np.ndarray) -> dict[str, pa.Array]:
    sequences = []
    for user in users:
        length = int(rng.integers(1, SEQUENCE_LENGTH + 1))
        history = np.where(rng.random(length) < 0.7, rng.choice(favourites[user], length), rng.integers(1, 9, length))
        sequences.append(";".join(str(int(x)) for x in history))
    return {
        "user_code": pa.array(users + 1, pa.int64()),
        "hist__category_code": pa.array(sequences, pa.string()),
        "u_clicks_7d": pa.array(np.log1p(rng.poisson(5.0, users.size)), pa.float64()),
        "u_buys_all": pa.array(np.log1p(rng.poisson(0.5, users.size)), pa.float64()),
    }


def _items(items: np.ndarray) -> dict[str, pa.Array]:
    category = items % NUM_CATEGORIES + 1
    clicks = np.log1p((items * 7) % 5)  # repeats within a category: equal item features, tied scores
    return {
        "category_code": pa.array(category, pa.int64()),
        "i_clicks_7d": pa.array(clicks, pa.float64()),
        "c_clicks_7d": pa.array(np.log1p(category * 3.0), pa.float64()),
    }


def _positives(rng: np.random.Generator, rows: int, favourites: np.ndarray) -> pa.Table:
    users = rng.integers(0, NUM_USERS, rows)
    wanted = favourites[users, rng.integers(0, favourites.shape[1], rows)]  # a favourite category per row
    items = np.array([rng.choice(np.flatnonzero(np.arange(NUM_ITEMS) % NUM_CATEGORIES + 1 == c)) for c in wanted])
    columns = {"cutoff_date": pa.array([CUTOFF] * rows, pa.string()), "user_id": pa.array(user_id(users), pa.int64()),
               "item_id": pa.array(item_id(items), pa.int64()), "label": pa.array(np.ones(rows, np.int32), pa.int32())}
    return pa.table({**columns, **_users(rng, users, favourites), **_items(items)})


def write_tiny_retrieval_data(folder: Path, train_rows: int = 320, validation_rows: int = 96) -> dict[str, Path]:
    """Write the retrieval exports (eval split only) and id_buckets.parquet into `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    favourites = rng.integers(1, NUM_CATEGORIES + 1, (NUM_USERS, 2))
    paths = {name: folder / f"retrieval_{name}.parquet" for name in ("train", "validation", "user_eval", "item_eval")}
    pq.write_table(_positives(rng, train_rows, favourites), paths["train"])
    pq.write_table(_positives(rng, validation_rows, favourites), paths["validation"])
    users = np.arange(NUM_USERS)
    pq.write_table(pa.table({"cutoff_date": pa.array([CUTOFF] * NUM_USERS, pa.string()),
                             "user_id": pa.array(user_id(users), pa.int64()),
                             **_users(rng, users, favourites)}), paths["user_eval"])
    items = np.arange(NUM_ITEMS)
    pq.write_table(pa.table({"cutoff_date": pa.array([CUTOFF] * NUM_ITEMS, pa.string()),
                             "item_id": pa.array(item_id(items), pa.int64()), **_items(items)}), paths["item_eval"])
    paths["id_buckets"] = write_buckets(folder / "id_buckets.parquet", BUCKETS)
    return paths


def fold_of(users: np.ndarray) -> np.ndarray:
    """The tiny data's retrieval fold of a user index (its parity)."""
    return users % 2


def write_tiny_fold_data(folder: Path) -> dict[str, Path]:
    """Write the training cutoffs' exports of the out-of-fold retrieval into `folder` (beside the eval split's, which
    write_tiny_retrieval_data writes); returns their paths."""
    rng = np.random.default_rng(11)
    favourites = rng.integers(1, NUM_CATEGORIES + 1, (NUM_USERS, 2))
    paths: dict[str, Path] = {}
    positives = []
    for cutoff in TRAIN_CUTOFFS:
        table = _positives(rng, 160, favourites)
        positives.append(table.set_column(0, "cutoff_date", pa.array([cutoff] * table.num_rows, pa.string())))
    every = pa.concat_tables(positives)
    user_index = (every.column("user_id").to_numpy() - 100_000_000) // 7919
    users = np.arange(NUM_USERS)
    for fold in (0, 1):
        paths[f"train_fold_{fold}"] = folder / f"retrieval_train_fold_{fold}.parquet"
        pq.write_table(every.filter(pa.array(fold_of(user_index) == fold)), paths[f"train_fold_{fold}"])
        mine = users[fold_of(users) == fold]
        sides = [pa.table({"cutoff_date": pa.array([cutoff] * mine.size, pa.string()),
                           "user_id": pa.array(user_id(mine), pa.int64()), **_users(rng, mine, favourites)})
                 for cutoff in TRAIN_CUTOFFS]
        paths[f"user_train_fold_{fold}"] = folder / f"retrieval_user_train_fold_{fold}.parquet"
        pq.write_table(pa.concat_tables(sides), paths[f"user_train_fold_{fold}"])
    items = [pa.table({"cutoff_date": pa.array([cutoff] * count, pa.string()),
                       "item_id": pa.array(item_id(np.arange(count)), pa.int64()), **_items(np.arange(count))})
             for cutoff, count in zip(TRAIN_CUTOFFS, TRAIN_CUTOFF_ITEMS, strict=True)]
    paths["item_train"] = folder / "retrieval_item_train.parquet"
    pq.write_table(pa.concat_tables(items), paths["item_train"])
    return paths
