"""Exact top-N retrieval from two-tower embeddings, in torch (tzrec interpreter).

    python -m tzrec_runner_retrieve --users DIR --items DIR --out FILE --top-n N --retriever NAME
        --temperature T [--positives FILE --popularity-correction BETA] [--rows-per-chunk R] [--training-fold K]

The runner starts it like a tzrec step (torchrun -m tzrec_runner_entry tzrec_runner_retrieve ...), after
`tzrec.predict` wrote the user tower's embeddings (--users: user_id, cutoff_date, user_tower_emb: one vector,
or one per interest for MIND) and the item tower's (--items: item_id, item_tower_emb, and cutoff_date) as Parquet.
Each user is retrieved among the items of its own cutoff (the training cutoffs' sides hold every cutoff at once);
item embeddings without a cutoff_date serve every cutoff.

For every user, the N items with the highest score
    score(user, item) = max over the user's interests of  <user, item> / temperature  +  bias(item)
(one interest for DSSM; a MIND interest that the capsule routing left empty, an all-zero vector, takes no
part), exact: chunked matrix products over every item, then top-k. bias(item) is the popularity
correction: 0, or BETA * log q(item) with q(item) = (positives of the item + 1) / (positives + items), the
share of the training rows (--positives, their item_id column) that hold the item, i.e. how often in-batch
sampling showed it as a negative. A softmax over in-batch negatives learns log p(item | user) - log q(item);
adding log q back (BETA = 1) is the logQ correction, applied when retrieving because tzrec 0.9's match models
take no per-item logit correction while training.

Items whose embedding and bias are equal (P items nobody has touched share their category's) are scored
once; their ties go to the smaller item_id, so the top-N is exact and the same on every run. The result,
most similar first, goes to --out (written to a temporary name, then renamed): user_id, item_id,
cutoff_date (string), recall_score (float), recall_rank (int, 1 = first), retriever (string), and with
--training-fold K (an out-of-fold retriever, trained on retrieval fold K's users only) training_fold (int, K).
The last line printed is a JSON summary: users, items and distinct item vectors (the largest cutoff's), cutoffs,
interests, seconds, peak resident memory.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import torch

SCHEMA = pa.schema([("user_id", pa.int64()), ("item_id", pa.int64()), ("cutoff_date", pa.string()),
                    ("recall_score", pa.float32()), ("recall_rank", pa.int32()), ("retriever", pa.string())])
FOLD_FIELD = pa.field("training_fold", pa.int32())  # written by an out-of-fold retriever only


class RetrieveError(ValueError):
    pass


def _read(path: str, columns: list[str]) -> pa.Table:
    files = _files(path)
    if not files:
        raise RetrieveError(f"{path} holds no Parquet file")
    names = pq.read_schema(files[0]).names
    missing = [c for c in columns if c not in names]
    if missing:
        raise RetrieveError(f"{path} lacks the column(s) {', '.join(missing)} (it has {', '.join(names)})")
    # only the named columns are read: the training cutoffs' item embeddings are gigabytes beside their cutoff_date
    return pa.concat_tables([pq.read_table(f, columns=columns) for f in files])


def _matrix(column: pa.ChunkedArray, where: str) -> np.ndarray:
    """A list<float> column as [rows, dim], or a list<list<float>> column (MIND interests) as [rows, k, dim]."""
    array = column.combine_chunks()
    depth = 0
    values = array
    while pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
        values = values.flatten()
        depth += 1
    flat = values.to_numpy(zero_copy_only=False).astype(np.float32)
    rows = len(array)
    if depth == 1:
        return flat.reshape(rows, -1)
    if depth == 2:
        k = len(array[0]) if rows else 0
        return flat.reshape(rows, k, -1)
    raise RetrieveError(f"{where}: an embedding column is a list of floats (or of lists of floats), not {array.type}")


def item_bias(item_ids: np.ndarray, positives: str | np.ndarray | None, beta: float) -> np.ndarray:
    """beta * log q(item) per item (zeros when beta is 0); positives: the training rows' file, or its item ids."""
    if beta == 0 or positives is None:
        return np.zeros(item_ids.size, np.float32)
    seen = _read(positives, ["item_id"]).column("item_id").to_numpy() if isinstance(positives, str) else positives
    unique, counts = np.unique(seen, return_counts=True)
    n = np.zeros(item_ids.size)
    if unique.size:
        position = np.minimum(np.searchsorted(unique, item_ids), unique.size - 1)
        n = np.where(unique[position] == item_ids, counts[position], 0)
    q = (n + 1.0) / (seen.size + item_ids.size)
    return (beta * np.log(q)).astype(np.float32)


def distinct_vectors(embeddings: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                         np.ndarray]:
    """Groups of items with equal (embedding, bias): (group vectors [G, dim], group biases [G], the item
    positions ordered by group (each group's in item order), the first position of each group in that order)."""
    keyed = np.ascontiguousarray(np.concatenate([embeddings, bias[:, None]], axis=1))
    view = keyed.view(np.dtype((np.void, keyed.dtype.itemsize * keyed.shape[1]))).ravel()
    _, first, inverse = np.unique(view, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    # groups in the order of their first item, so that equal scores keep the item order
    order_of_groups = np.argsort(first, kind="stable")
    rename = np.empty_like(order_of_groups)
    rename[order_of_groups] = np.arange(order_of_groups.size)
    group = rename[inverse]
    members = np.argsort(group, kind="stable")
    sizes = np.bincount(group, minlength=order_of_groups.size)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    vectors = embeddings[first[order_of_groups]]
    return vectors, bias[first[order_of_groups]], members, starts


def retrieve(args: argparse.Namespace) -> dict[str, float | int]:
    started = time.monotonic()
    users = _read(args.users, ["user_id", "cutoff_date", "user_tower_emb"])
    # items with a cutoff_date are read one cutoff at a time (the training cutoffs' sides hold every P item at each)
    item_files = _files(args.items)
    if not item_files:
        raise RetrieveError(f"{args.items} holds no Parquet file")
    by_cutoff = ItemsByCutoff(args.items, item_files) if "cutoff_date" in pq.read_schema(item_files[0]).names \
        else None
    items = None if by_cutoff is not None else _read(args.items, ["item_id", "item_tower_emb"])
    user_cutoffs = users.column("cutoff_date").to_numpy(zero_copy_only=False).astype(str)
    cutoffs = sorted(set(user_cutoffs))
    if by_cutoff is not None:
        lacking = [cutoff for cutoff in cutoffs if not by_cutoff.covers(cutoff)]
        if lacking:
            raise RetrieveError(f"{args.items} holds no item of the users' cutoff(s) {', '.join(lacking)}")
    positives = None
    if args.popularity_correction and args.positives is not None:
        positives = _read(args.positives, ["item_id"]).column("item_id").to_numpy()
    schema = SCHEMA.append(FOLD_FIELD) if args.training_fold is not None else SCHEMA
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    totals = {"users": 0, "items": 0, "distinct_item_vectors": 0, "interests": 0, "live_interests": 0, "top_n": 0,
              "rows": 0}
    try:
        with torch.inference_mode(), pq.ParquetWriter(partial, schema) as writer:
            for cutoff in cutoffs:
                chosen = items if by_cutoff is None else by_cutoff.read(cutoff)
                figures = _retrieve_cutoff(users.filter(pa.array(user_cutoffs == cutoff)), chosen, positives, args,
                                           writer, schema)
                for key in ("users", "live_interests", "rows"):
                    totals[key] += figures[key]
                for key in ("items", "distinct_item_vectors", "interests", "top_n"):
                    totals[key] = max(totals[key], figures[key])
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out)
    return {**totals, "cutoffs": len(cutoffs), "seconds": round(time.monotonic() - started, 2),
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 3),
            "threads": torch.get_num_threads()}


def _files(path: str) -> list[str]:
    """The Parquet files of a folder, or the file itself; none when the path does not exist."""
    if os.path.isdir(path):
        return sorted(glob.glob(os.path.join(path, "*.parquet")))
    return [path] if os.path.exists(path) else []


class ItemsByCutoff:
    """Item embeddings that hold every cutoff (the training cutoffs' side), read one cutoff at a time: the row
    groups of each cutoff are found once, from the files' statistics (a row group without them: from its
    cutoff_date column), and only those are read. A dataset scan filtered per cutoff read the files' metadata
    again each time, and the process's memory grew by about 80 MB a cutoff."""

    COLUMNS = ["item_id", "item_tower_emb", "cutoff_date"]

    def __init__(self, path: str, files: list[str]) -> None:
        self.path = path
        self.files = {name: pq.ParquetFile(name) for name in files}
        self.row_groups: list[tuple[str, int, str, str]] = []  # (file, row group, lowest cutoff, highest)
        for name, handle in self.files.items():
            column = handle.schema_arrow.get_field_index("cutoff_date")
            for group in range(handle.metadata.num_row_groups):
                bounds = _cutoff_bounds(handle, group, column)
                if bounds is not None:
                    self.row_groups.append((name, group, *bounds))

    def covers(self, cutoff: str) -> bool:
        return any(low <= cutoff <= high for _, _, low, high in self.row_groups)

    def read(self, cutoff: str) -> pa.Table:
        """item_id and item_tower_emb of the cutoff's rows."""
        parts = [self.files[name].read_row_group(group, columns=self.COLUMNS)
                 for name, group, low, high in self.row_groups if low <= cutoff <= high]
        rows = pa.concat_tables(parts).filter(pc.equal(pc.field("cutoff_date"), cutoff)) if parts else None
        if rows is None or rows.num_rows == 0:
            raise RetrieveError(f"{self.path} holds no item of the users' cutoff {cutoff}")
        return rows.select(["item_id", "item_tower_emb"])


def _cutoff_bounds(handle: pq.ParquetFile, group: int, column: int) -> tuple[str, str] | None:
    """The lowest and highest cutoff_date of one row group; None when it holds none."""
    statistics = handle.metadata.row_group(group).column(column).statistics
    if statistics is not None and statistics.has_min_max:
        low, high = statistics.min, statistics.max
    else:
        found = pc.min_max(handle.read_row_group(group, columns=["cutoff_date"]).column(0))
        low, high = found["min"].as_py(), found["max"].as_py()
        if low is None:
            return None
    low, high = (value.decode() if isinstance(value, bytes) else str(value) for value in (low, high))
    return low, high


def _retrieve_cutoff(users: pa.Table, items: pa.Table, positives: np.ndarray | None, args: argparse.Namespace,
                     writer: pq.ParquetWriter, schema: pa.Schema) -> dict[str, int]:
    """Every user of one cutoff against that cutoff's items: their top N rows, written; the cutoff's figures."""
    order = np.argsort(users.column("user_id").to_numpy(), kind="stable")
    users = users.take(order)
    items = items.take(np.argsort(items.column("item_id").to_numpy(), kind="stable"))
    item_ids = items.column("item_id").to_numpy()
    if np.unique(item_ids).size != item_ids.size:
        raise RetrieveError(f"{args.items}: an item_id appears twice at one cutoff")
    item_emb = _matrix(items.column("item_tower_emb"), args.items)
    user_emb = _matrix(users.column("user_tower_emb"), args.users)
    if user_emb.ndim == 2:
        user_emb = user_emb[:, None, :]
    if user_emb.shape[-1] != item_emb.shape[-1]:
        raise RetrieveError(f"user embeddings are {user_emb.shape[-1]} wide, item embeddings {item_emb.shape[-1]}")
    bias = item_bias(item_ids, positives, args.popularity_correction)
    vectors, group_bias, members, starts = distinct_vectors(item_emb, bias)
    sizes = np.diff(np.concatenate([starts, [members.size]]))
    n_users, interests, _ = user_emb.shape
    top_n = min(args.top_n, item_ids.size)
    k = min(top_n, vectors.shape[0])
    groups_t = torch.from_numpy(np.ascontiguousarray(vectors.T)) / args.temperature
    bias_t = torch.from_numpy(group_bias)
    biased = bool(np.any(group_bias))
    live = np.linalg.norm(user_emb, axis=-1) > 0  # [users, k]: MIND interests the routing filled
    live[~live.any(axis=1)] = True  # a user without one is scored by all (zero) vectors alike
    live_per_user = live.sum(axis=1)
    # the users in chunks of equal live interests, so that each chunk's best interest per item is one reduction
    # over a [users, interests, items] block; only the live interests are scored
    order = np.argsort(live_per_user, kind="stable")
    user_ids = users.column("user_id").to_numpy()
    cutoffs = users.column("cutoff_date").to_numpy(zero_copy_only=False).astype(str)
    rows = 0
    chunks = []
    for m in np.unique(live_per_user):
        members_m = order[live_per_user[order] == m]
        step = max(1, args.rows_per_chunk // int(m))
        chunks += [members_m[i:i + step] for i in range(0, members_m.size, step)]
    for chosen in chunks:
        m = int(live_per_user[chosen[0]])
        vectors_m = user_emb[chosen][live[chosen]].reshape(chosen.size * m, -1)
        scores = (torch.from_numpy(np.ascontiguousarray(vectors_m)) @ groups_t)
        if m > 1:  # each user's best interest per item
            scores = scores.view(chosen.size, m, -1).amax(dim=1)
        if biased:  # a pass over the whole block: skipped without the correction (every bias 0)
            scores += bias_t
        values, groups = torch.topk(scores, k, dim=1)
        values, groups = values.numpy(), groups.numpy()
        # each group's items, in item order, until the user has top_n items
        taken_sizes = sizes[groups]
        before = np.cumsum(taken_sizes, axis=1) - taken_sizes
        take = np.clip(top_n - before, 0, taken_sizes).ravel()
        total = int(take.sum())
        offsets = np.arange(total) - np.repeat(np.cumsum(take) - take, take)
        positions = members[np.repeat(starts[groups.ravel()], take) + offsets]
        per_user = take.reshape(chosen.size, -1).sum(axis=1)
        user_rows = np.repeat(chosen, per_user)
        rank = np.arange(total) - np.repeat(np.cumsum(per_user) - per_user, per_user) + 1
        columns = {
            "user_id": pa.array(user_ids[user_rows], pa.int64()),
            "item_id": pa.array(item_ids[positions], pa.int64()),
            "cutoff_date": pa.array(cutoffs[user_rows], pa.string()),
            "recall_score": pa.array(np.repeat(values.ravel(), take), pa.float32()),
            "recall_rank": pa.array(rank, pa.int32()),
            "retriever": pa.array([args.retriever] * total, pa.string()),
        }
        if args.training_fold is not None:
            columns[FOLD_FIELD.name] = pa.array([args.training_fold] * total, pa.int32())
        writer.write_table(pa.table(columns, schema=schema))
        rows += total
    return {"users": int(n_users), "items": int(item_ids.size), "distinct_item_vectors": int(vectors.shape[0]),
            "interests": int(interests), "live_interests": int(live.sum()), "top_n": int(top_n), "rows": rows}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tzrec_runner_retrieve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", required=True, help="the user tower's embeddings (a Parquet file or folder)")
    parser.add_argument("--items", required=True, help="the item tower's embeddings (a Parquet file or folder)")
    parser.add_argument("--out", required=True, help="the Parquet file to write")
    parser.add_argument("--top-n", type=int, required=True, help="items per user")
    parser.add_argument("--retriever", required=True, help="the retriever's name, written on every row")
    parser.add_argument("--temperature", type=float, required=True, help="the model's similarity temperature")
    parser.add_argument("--positives", default=None, help="the training rows (their item_id) for the correction")
    parser.add_argument("--popularity-correction", type=float, default=0.0, help="BETA of BETA * log q(item)")
    parser.add_argument("--training-fold", type=int, default=None, choices=[0, 1],
                        help="the retrieval fold whose users alone trained the retriever (an out-of-fold retrieval of "
                        "the training cutoffs): written as training_fold on every row")
    parser.add_argument("--rows-per-chunk", type=int, default=256,
                        help="user vectors (a MIND user's live interests count each) scored at once: memory grows "
                        "with it")
    args = parser.parse_args(argv)
    if args.top_n < 1 or args.rows_per_chunk < 1 or args.temperature <= 0:
        parser.error("--top-n, --rows-per-chunk and --temperature must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        summary = retrieve(args)
    except RetrieveError as error:
        print(f"RetrieveError: {error}", flush=True)
        return 2
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
