"""The out-of-fold retrieval of the training cutoffs without tzrec: `retrieve --splits train eval predict` becomes the
run's own retriever for eval and predict and two fold retrievers for train, each trained on one fold's positives and
reading the other fold's user side; the exports each needs; the splits each may retrieve."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from runner.retrieval import command
from runner.retrieval.session import (
    FOLDS,
    RetrievalOptions,
    RetrievalSession,
    fold_train_export,
    needed_exports,
    side_export,
)

CONFIG = Path(__file__).parent / "fixtures" / "tzrec" / "dssm_tiny.config"


class _Recorded:
    """Stands in for RetrievalSession: keeps the options it was made with."""

    def __init__(self, options: RetrievalOptions) -> None:
        self.options = options


def test_the_training_cutoffs_go_to_the_two_fold_retrievers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "RetrievalSession", _Recorded)
    options = RetrievalOptions.for_exports(CONFIG, tmp_path, splits=("train", "eval", "predict"), top_n=10)
    whole, *folds = command.retrieval_sessions(options)
    assert whole.options.fold is None and whole.options.splits == ("eval", "predict")
    assert whole.options.train_path == tmp_path / "retrieval_train.parquet"
    assert [session.options.fold for session in folds] == list(FOLDS)
    for session in folds:
        fold = session.options.fold
        assert session.options.splits == ("train",) and session.options.top_n == 10
        # trains on its own fold's positives, retrieves the other fold's users
        assert session.options.train_path == fold_train_export(tmp_path, fold) == \
            tmp_path / f"retrieval_train_fold_{fold}.parquet"
        other = tmp_path / f"retrieval_user_train_fold_{1 - fold}.parquet"
        assert side_export(tmp_path, "user", "train", fold) == other
        assert side_export(tmp_path, "item", "train", fold) == tmp_path / "retrieval_item_train.parquet"
    # eval and predict alone: no fold retriever
    only = command.retrieval_sessions(RetrievalOptions.for_exports(CONFIG, tmp_path))
    assert [session.options.fold for session in only] == [None]


def test_each_retriever_refuses_the_splits_of_the_others(tmp_path: Path) -> None:
    options = RetrievalOptions.for_exports(CONFIG, tmp_path, splits=("train",))
    with pytest.raises(ValueError, match="retrieved out of fold"):
        RetrievalSession(options)
    with pytest.raises(ValueError, match="out-of-fold retriever of fold 0 retrieves train"):
        RetrievalSession(dataclasses.replace(options.for_fold(0), splits=("eval",)))
    with pytest.raises(ValueError, match="out of fold only"):
        side_export(tmp_path, "user", "train")
    with pytest.raises(ValueError, match="one of 0, 1"):
        options.for_fold(2)


def test_the_training_split_needs_the_folds_exports(tmp_path: Path) -> None:
    names = {path.name for path in needed_exports(tmp_path, ("train",))}
    assert names == {"retrieval_train.parquet", "retrieval_validation.parquet", "retrieval_train_fold_0.parquet",
                     "retrieval_train_fold_1.parquet", "retrieval_user_train_fold_0.parquet",
                     "retrieval_user_train_fold_1.parquet", "retrieval_item_train.parquet"}
    assert {path.name for path in needed_exports(tmp_path, ("eval",))} == {
        "retrieval_train.parquet", "retrieval_validation.parquet", "retrieval_user_eval.parquet",
        "retrieval_item_eval.parquet"}


def test_missing_fold_exports_are_built_with_the_training_sides(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[list[str], dict[str, Any]]] = []
    monkeypatch.setattr("runner.dbt.run_dbt", lambda args, dbt_vars=None, **_: calls.append((args, dbt_vars)))
    command.ensure_exports(tmp_path, ("train", "eval"), dbt_vars={"raw_dir": "data/seed_101/raw"})
    (args, dbt_vars), = calls
    assert "--exclude" in args and "int_pair_retrieved_candidates" in args
    assert dbt_vars["retrieval_out_of_fold"] is True
    assert dbt_vars["retrieval_exports"] is True and dbt_vars["raw_dir"] == "data/seed_101/raw"
