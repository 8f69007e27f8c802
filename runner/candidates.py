"""The candidate features of the ranking exports, and whether a model reads them.

Every ranking export carries where each candidate comes from and its retrieval score and rank
(models_sql/intermediate/int_pair_candidate_sources.sql): candidate_source_code (1 touched only, 2 retrieved only,
3 both), recall_score, recall_rank, and the dense ones' quantile buckets (<feature>_bin). While retrieval candidates
are off (the dbt vars retrieval_candidate_runs and retrieval_candidate_top_n; the default) every candidate is a
touched pair and these columns are constants: the models leave them out, so that what they train on, and so their
results, are what they were before the columns existed. Once the training export holds a candidate that is not
touched-only (retrieval on), every model takes them as it takes any other export column of their kind: the tzrec
experiments through their feature selection (runner/experiment_configs/features.py), the GBDT reference as dense
columns (runner/baselines/gbdt.py). A new candidate feature needs no edit here: its name starts with one of
CANDIDATE_PREFIXES.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc

from runner import parquet_files
from runner.paths import input_files

# The candidate features' names start with these (samples.sql: candidate_source_code, recall_score, recall_rank).
CANDIDATE_PREFIXES = ("candidate_", "recall_")
SOURCE_COLUMN = "candidate_source_code"
TOUCHED_ONLY = 1  # candidate_source_code of a pair that only the touch lookback proposed


def is_candidate_feature(name: str) -> bool:
    """Whether an export column is a candidate feature (or a candidate feature's bucket id)."""
    return name.startswith(CANDIDATE_PREFIXES)


def holds_retrieved_candidates(export: Path) -> bool:
    """Whether a training export (a file or a Spark folder of parts) holds a candidate that is not touched-only,
    i.e. was built with retrieval candidates on. Read from the Parquet column statistics where every row group has
    them, else from the column itself; False for an export without the column or without files, or one that cannot
    be read (the tzrec pre-flight check and the GBDT name it, with the command that writes it again)."""
    for file in input_files(export):
        try:
            parquet = parquet_files.parquet_file(file)
        except parquet_files.CorruptParquetError:
            return False
        names = parquet.schema_arrow.names
        if SOURCE_COLUMN not in names:
            return False
        index = parquet.schema_arrow.get_field_index(SOURCE_COLUMN)
        statistics = [parquet.metadata.row_group(group).column(index).statistics
                      for group in range(parquet.metadata.num_row_groups)]
        if all(stats is not None and stats.has_min_max for stats in statistics):
            if any(stats.min != TOUCHED_ONLY or stats.max != TOUCHED_ONLY for stats in statistics):
                return True
            continue
        column = parquet.read(columns=[SOURCE_COLUMN]).column(0)
        bounds = pc.min_max(column)
        if column.null_count or bounds["min"].as_py() != TOUCHED_ONLY or bounds["max"].as_py() != TOUCHED_ONLY:
            return True
    return False


def describe_state(active: bool) -> str:
    """Whether the candidate features are read, in words, for the logs and a rendered config's header."""
    if active:
        return "candidate_*, recall_* read (the training export holds retrieved candidates)"
    return "candidate_*, recall_* left out (every training candidate is a touched pair: retrieval candidates off)"
