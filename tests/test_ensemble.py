"""runner.ensemble: how member runs are combined, and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from runner.cli import build_parser
from runner.ensemble import COMBINE_RULES, average_runs, combine_probabilities


def _write_run(root: Path, probs: list[float], items: list[int] | None = None,
               splits: tuple[str, ...] = ("eval", "predict")) -> Path:
    items = items or list(range(len(probs)))
    for split in splits:
        folder = root / "predictions" / split
        folder.mkdir(parents=True)
        table = {"probs": pa.array(probs, pa.float32()), "user_id": pa.array([1] * len(probs), pa.int64()),
                 "item_id": pa.array(items, pa.int64()), "cutoff_date": pa.array(["2014-12-17"] * len(probs))}
        if split != "predict":
            table["label"] = pa.array([0] * len(probs), pa.int32())
        pq.write_table(pa.table(table), folder / "part-0.parquet")
    return root


def test_mean_logit_lets_no_member_dominate_by_its_spread() -> None:
    # member A is confident and wide, member B is narrow; B ranks item 1 above item 0 by far
    wide = np.array([0.60, 0.50])
    narrow = np.array([0.010, 0.030])
    by_probability = combine_probabilities([wide, narrow], "probability")
    by_logit = combine_probabilities([wide, narrow], "logit")
    assert by_probability[0] > by_probability[1]  # the wide member decides the order
    assert by_logit[1] > by_logit[0]  # log-odds: B's threefold odds outweigh A's 1.5-fold
    logits = np.log(wide / (1 - wide)) + np.log(narrow / (1 - narrow))
    assert np.allclose(by_logit, 1 / (1 + np.exp(-logits / 2)))


def test_identical_members_give_themselves_back_under_both_rules() -> None:
    probs = np.array([0.001, 0.2, 0.9])
    for rule in COMBINE_RULES:
        assert np.allclose(combine_probabilities([probs, probs, probs], rule), probs)


def test_probabilities_of_zero_and_one_stay_finite() -> None:
    out = combine_probabilities([np.array([0.0, 1.0]), np.array([0.5, 0.5])], "logit")
    assert np.all(np.isfinite(out)) and out[0] < 0.5 < out[1]


def test_average_runs_writes_a_scoreable_run_and_records_the_rule(tmp_path: Path) -> None:
    a = _write_run(tmp_path / "a", [0.6, 0.5])
    b = _write_run(tmp_path / "b", [0.01, 0.03])
    out = average_runs([a, b], tmp_path / "ens")
    table = pq.read_table(out / "predictions" / "eval" / "part-0.parquet")
    assert table.column_names == ["logits", "probs", "user_id", "item_id", "cutoff_date", "label"]
    probs = table.column("probs").to_numpy()
    assert probs[1] > probs[0]
    assert np.allclose(table.column("logits").to_numpy(), np.log(probs / (1 - probs)), atol=1e-4)
    info = json.loads((out / "run_info.json").read_text())
    assert info["combine"] == "logit" and info["model"] == "ensemble (mean logit)"
    again = average_runs([a, b], tmp_path / "ens_p", combine="probability")
    assert json.loads((again / "run_info.json").read_text())["combine"] == "probability"


def test_average_runs_refuses_other_pairs_and_unknown_rules(tmp_path: Path) -> None:
    a = _write_run(tmp_path / "a", [0.6, 0.5])
    other = _write_run(tmp_path / "other", [0.6, 0.5], items=[0, 7])
    with pytest.raises(ValueError, match="predicted other eval pairs"):
        average_runs([a, other], tmp_path / "ens")
    with pytest.raises(ValueError, match="unknown combine rule 'median'"):
        average_runs([a, a], tmp_path / "ens", combine="median")
    with pytest.raises(ValueError, match="at least two runs"):
        average_runs([a], tmp_path / "ens")


def test_the_validation_users_are_averaged_only_when_every_member_predicted_them(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    every = ("eval", "predict", "validation")
    a = _write_run(tmp_path / "a", [0.6, 0.5], splits=every)
    b = _write_run(tmp_path / "b", [0.01, 0.03], splits=every)
    out = average_runs([a, b], tmp_path / "ens")
    validation = pq.read_table(out / "predictions" / "validation" / "part-0.parquet")
    assert validation.column_names == ["logits", "probs", "user_id", "item_id", "cutoff_date", "label"]
    assert np.allclose(validation.column("probs").to_numpy(),
                       pq.read_table(out / "predictions" / "eval").column("probs").to_numpy())

    # a member from before validation was predicted: the rest is averaged, validation left out (and not kept
    # from the earlier average), with a warning naming the member
    old = _write_run(tmp_path / "old", [0.2, 0.4])
    with caplog.at_level("WARNING", logger="runner.ensemble"):
        average_runs([a, old], tmp_path / "ens")
    assert not (tmp_path / "ens" / "predictions" / "validation").exists()
    assert (tmp_path / "ens" / "predictions" / "eval" / "part-0.parquet").is_file()
    assert "no validation predictions" in caplog.text and str(old) in caplog.text and str(a) not in caplog.text


def test_the_cli_offers_exactly_the_combine_rules() -> None:
    parser = build_parser()
    args = parser.parse_args(["ensemble", "--runs", "a", "b", "--name", "e"])
    assert args.combine == "logit"
    for rule in COMBINE_RULES:
        assert parser.parse_args(["ensemble", "--runs", "a", "b", "--name", "e", "--combine", rule]).combine == rule
    with pytest.raises(SystemExit):
        parser.parse_args(["ensemble", "--runs", "a", "b", "--name", "e", "--combine", "median"])
