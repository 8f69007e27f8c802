"""The submission file's format checks and the experiments log, without dbt (fast)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from runner.experiments import EXPERIMENT_COLUMNS, RunName, _tzrec_model, append_experiment
from runner.submission import SubmissionError, check_submission_file, submission_path

P_ITEMS = {100, 200, 300}


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "submission.tsv"
    path.write_bytes(data)
    return path


def test_a_good_file_passes(tmp_path: Path) -> None:
    checked = check_submission_file(_write(tmp_path, b"1\t100\n1\t200\n2\t100\n"), P_ITEMS)
    assert (checked.pairs, checked.users, checked.items) == (3, 2, 2)


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (b"user_id\titem_id\n1\t100\n", "a header line"),
        (b"1\t100\n2\t200\n1\t100\n", "duplicate pairs: line 3 repeats line 1"),
        (b"1\t100\n2\t999\n", "items not in P: line 2: item 999"),
        (b"1,100\n", "not exactly two tab-separated fields"),
        (b"1\t100\t5\n", "not exactly two tab-separated fields"),
        (b"1\t100\r\n", "carriage return"),
        (b"1\t100", "no line end after the last line"),
        (b"1\t1e5\n", "ids that are not plain integers"),
    ],
)
def test_each_breach_is_named(tmp_path: Path, data: bytes, complaint: str) -> None:
    with pytest.raises(SubmissionError, match="breaks the submission format") as error:
        check_submission_file(_write(tmp_path, data), P_ITEMS)
    assert complaint in str(error.value)


def test_an_empty_file_fails(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match="is empty"):
        check_submission_file(_write(tmp_path, b""), P_ITEMS)


def test_many_breaches_are_counted_not_all_listed(tmp_path: Path) -> None:
    data = b"".join(f"{user}\t999\n".encode() for user in range(20))
    with pytest.raises(SubmissionError, match=r"\(and 15 more\)"):
        check_submission_file(_write(tmp_path, data), P_ITEMS)


@pytest.mark.parametrize(
    ("run", "stage", "model", "version", "file"),
    [
        ("production_din_v1", "production", "din", "v1", "submission_din_v1.tsv"),
        ("production_dcn_v2_v1", "production", "dcn_v2", "v1", "submission_dcn_v2_v1.tsv"),
        ("stage2_wide_and_deep_v3", "stage2", "wide_and_deep", "v3", "submission_wide_and_deep_v3.tsv"),
        ("gbdt_v1", "", "gbdt", "v1", "submission_gbdt_v1.tsv"),
        ("my_experiment", "", "my_experiment", "", "submission_my_experiment.tsv"),
    ],
)
def test_run_names_give_the_submission_name(run: str, stage: str, model: str, version: str, file: str) -> None:
    assert RunName.parse(run) == RunName(stage, model, version)
    assert submission_path(Path("/x/outputs") / run) == Path("/x/outputs") / file


def test_experiments_log_gets_a_header_once_and_keeps_an_existing_one(tmp_path: Path) -> None:
    path = tmp_path / "docs" / "experiments.csv"
    append_experiment({"date": "2026-01-01", "f1": "0.1", "notes": "a, b"}, path)
    append_experiment({"date": "2026-01-02", "f1": "0.2"}, path)
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == EXPERIMENT_COLUMNS and len(rows) == 3
    assert rows[1][EXPERIMENT_COLUMNS.index("notes")] == "a, b"

    other = tmp_path / "other.csv"
    other.write_text("date,model,f1")  # someone else's header, no final line end
    append_experiment({"date": "2026-01-03", "f1": "0.3", "operating_point": "top_k_share"}, other)
    assert other.read_text().splitlines() == ["date,model,f1", "2026-01-03,,0.3"]


def test_the_model_block_of_a_tzrec_config_is_found() -> None:
    config = """model_config {
  feature_groups {
    group_name: "deep"
  }
  multi_tower_din {
    towers { input: "deep" }
  }
  metrics { auc {} }
}
"""
    assert _tzrec_model(config) == "multi_tower_din"
