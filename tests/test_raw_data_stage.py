"""The main job's data stage: the edition whose files are in --raw-dir, `run --edition`, and a month generated
only into a folder that holds no raw file (without dbt or tzrec: fast)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import runner.pipeline.build
import runner.pipeline.data
from runner.cli import build_parser
from runner.main_job import MainJob
from runner.synthetic.writer import EDITIONS

ONLINE = [*EDITIONS["online"].behavior_files, EDITIONS["online"].item_file]
OFFLINE = [*EDITIONS["offline"].behavior_files, EDITIONS["offline"].item_file]


def _files(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text("real data\n")
    return folder


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, str]]:
    """generate_month replaced: (folder, edition) of each month it would have generated."""
    calls: list[tuple[Path, str]] = []
    monkeypatch.setattr(runner.pipeline.data, "generate_month",
                        lambda out, users, seed, edition="online", progress=True: calls.append((out, edition)))
    return calls


def test_offline_files_are_built_as_the_offline_edition_and_nothing_is_generated(
        tmp_path: Path, generated: list[tuple[Path, str]], caplog: pytest.LogCaptureFixture) -> None:
    raw = _files(tmp_path / "raw", OFFLINE)
    caplog.set_level(logging.INFO)
    assert runner.pipeline.data.ensure_raw_data(raw) == "offline"
    assert generated == [] and sorted(p.name for p in raw.iterdir()) == sorted(OFFLINE)
    assert "the offline edition" in caplog.text
    assert runner.pipeline.data.ensure_raw_data(raw, edition="offline") == "offline"


def test_run_edition_online_on_offline_files_stops_with_the_fix(
        tmp_path: Path, generated: list[tuple[Path, str]]) -> None:
    raw = _files(tmp_path / "raw", OFFLINE)
    with pytest.raises(FileNotFoundError) as error:
        runner.pipeline.data.ensure_raw_data(raw, edition="online")
    assert "holds the offline edition's raw files" in str(error.value)
    assert "run with --edition offline" in str(error.value) and generated == []


def test_part_of_an_edition_is_never_completed_by_the_generator(
        tmp_path: Path, generated: list[tuple[Path, str]]) -> None:
    raw = _files(tmp_path / "raw", ONLINE[:1])
    for edition in (None, "online"):
        with pytest.raises(FileNotFoundError) as error:
            runner.pipeline.data.ensure_raw_data(raw, edition=edition)
        assert "holds part of the online edition's raw files" in str(error.value)
        assert str(raw / ONLINE[1]) in str(error.value) and str(raw / ONLINE[2]) in str(error.value)
    assert generated == []


def test_both_editions_ask_which_and_an_empty_folder_gets_a_generated_month(
        tmp_path: Path, generated: list[tuple[Path, str]]) -> None:
    both = _files(tmp_path / "both", ONLINE + OFFLINE)
    with pytest.raises(ValueError, match="both editions"):
        runner.pipeline.data.ensure_raw_data(both)
    assert runner.pipeline.data.ensure_raw_data(both, edition="online") == "online"
    assert runner.pipeline.data.ensure_raw_data(tmp_path / "empty") == "online"
    assert runner.pipeline.data.ensure_raw_data(tmp_path / "empty2", edition="offline") == "offline"
    assert generated == [(tmp_path / "empty", "online"), (tmp_path / "empty2", "offline")]


def test_run_builds_the_edition_it_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         generated: list[tuple[Path, str]]) -> None:
    raw = _files(tmp_path / "raw", OFFLINE)
    built: list[tuple[Path, str]] = []
    monkeypatch.setattr(runner.pipeline.build, "build_unless_current",
                        lambda raw_dir, edition, scale=None, candidates=None: built.append((raw_dir, edition)) or True)
    monkeypatch.setattr("runner.profile.print_profile", lambda: None)
    monkeypatch.setenv("TIANCHI_DUCKDB_PATH", str(tmp_path / "tianchi.duckdb"))
    job = MainJob(config=None, raw_dir=raw)
    monkeypatch.setattr(job, "run_model", lambda: None)
    monkeypatch.setattr(job, "summary", lambda: "")
    job.run()
    assert built == [(raw, "offline")] and generated == []
    assert job.times[0].note == "offline edition"


def test_the_cli_offers_run_edition() -> None:
    args = build_parser().parse_args(["run", "--edition", "offline"])
    assert args.edition == "offline"
    assert build_parser().parse_args(["run"]).edition is None
