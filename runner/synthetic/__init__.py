"""Calibrated synthetic Tianchi data: the real file formats from a latent behaviour model."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from runner.defaults import DEFAULT_GENERATOR_SEED, DEFAULT_USERS
from runner.synthetic import calendar
from runner.synthetic.params import GeneratorParams
from runner.synthetic.simulate import simulate_chunk
from runner.synthetic.world import build_catalog, build_users, geohash_bytes, p_item_locations
from runner.synthetic.writer import (
    ANSWERS_DIR,
    EDITIONS,
    MANIFEST_FILE,
    BehaviorFileWriter,
    behavior_table,
    write_answers,
    write_items,
    write_manifest,
    write_probabilities,
)

log = logging.getLogger(__name__)

# Users are simulated in chunks of this size: memory stays bounded by one chunk whatever the
# total, and the output does not depend on anything but the seed and the user count.
CHUNK_USERS = 5_000


@dataclass
class GenerationSummary:
    out_dir: Path
    edition: str
    users: int
    behavior_rows: int
    item_rows: int
    answer_pairs: int
    oracle_pairs: int
    seconds: float
    files: list[Path]


def _geohash_strings(codes: np.ndarray) -> pa.Array:
    return pa.array(geohash_bytes(codes)).cast(pa.string())


def generate(
    out_dir: Path,
    n_users: int = DEFAULT_USERS,
    seed: int = DEFAULT_GENERATOR_SEED,
    edition: str = "online",
    params: GeneratorParams | None = None,
    progress: bool = True,
) -> GenerationSummary:
    """Write one month of behaviour logs, the P file, and the held-out 12-19 answers."""
    if n_users < 1:
        raise ValueError(f"--users must be at least 1, got {n_users}")
    if edition not in EDITIONS:
        raise ValueError(f"--edition must be one of {sorted(EDITIONS)}, got {edition!r}")
    params = params or GeneratorParams()
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = EDITIONS[edition]
    # the manifest of an earlier month goes first: a generation stopped half-way leaves answers that match nothing
    (out_dir / ANSWERS_DIR / MANIFEST_FILE).unlink(missing_ok=True)

    world_rng = np.random.default_rng([seed, 0])
    catalog = build_catalog(world_rng, n_users, params.world)
    item_rows, item_codes = p_item_locations(world_rng, catalog)
    order = world_rng.permutation(item_rows.size)
    item_rows, item_codes = item_rows[order], item_codes[order]
    n_item_rows = write_items(
        out_dir / spec.item_file,
        spec,
        catalog.item_ids[item_rows],
        pc_mask(_geohash_strings(np.maximum(item_codes, 0)), item_codes < 0),
        catalog.category_ids[catalog.item_category[item_rows]],
    )

    time_dictionary = pa.array(calendar.time_strings())
    n_chunks = -(-n_users // CHUNK_USERS)
    writer = BehaviorFileWriter(out_dir, spec)
    answers_user, answers_item = [], []
    oracle_user, oracle_item, oracle_prob = [], [], []
    expected_untraced = 0.0
    for chunk in tqdm(range(n_chunks), desc="generating users", unit="chunk", disable=not progress):
        rng = np.random.default_rng([seed, 1, chunk])
        first = chunk * CHUNK_USERS
        users = build_users(
            rng, first, min(CHUNK_USERS, n_users - first), catalog, params.world, params.behaviour.geo_share_beta
        )
        result = simulate_chunk(rng, catalog, users, params.behaviour)
        shuffle = rng.permutation(result.rows_user.size)
        table = behavior_table(
            user_id=users.ids[result.rows_user[shuffle]],
            item_id=catalog.item_ids[result.rows_item[shuffle]],
            behavior=result.rows_behavior[shuffle],
            geohash_dictionary=_geohash_strings(users.locations.ravel()),
            location=result.rows_location[shuffle],
            category_id=catalog.category_ids[catalog.item_category[result.rows_item[shuffle]]],
            time_dictionary=time_dictionary,
            time_index=result.rows_time[shuffle],
        )
        writer.write(table)
        answers_user.append(users.ids[result.answer_user])
        answers_item.append(catalog.item_ids[result.answer_item])
        oracle_user.append(users.ids[result.oracle_user])
        oracle_item.append(catalog.item_ids[result.oracle_item])
        oracle_prob.append(result.oracle_prob)
        expected_untraced += result.expected_untraced_buys

    answers_path = write_answers(out_dir, np.concatenate(answers_user), np.concatenate(answers_item))
    prob_path = write_probabilities(
        out_dir, np.concatenate(oracle_user), np.concatenate(oracle_item), np.concatenate(oracle_prob),
        expected_untraced,
    )
    n_answers = sum(1 for _ in answers_path.open()) if answers_path.stat().st_size else 0
    manifest = write_manifest(out_dir, [*writer.paths, out_dir / spec.item_file])
    return GenerationSummary(
        out_dir=out_dir,
        edition=edition,
        users=n_users,
        behavior_rows=writer.rows_written,
        item_rows=n_item_rows,
        answer_pairs=n_answers,
        oracle_pairs=int(pq.read_metadata(prob_path).num_rows),
        seconds=time.perf_counter() - started,
        files=[*writer.paths, out_dir / spec.item_file, answers_path, prob_path, manifest],
    )


def pc_mask(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """`values` with nulls where `mask` is true (an empty geohash in the text files)."""
    return pc.if_else(pa.array(mask), pa.nulls(len(values), values.type), values)
