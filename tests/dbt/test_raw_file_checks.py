"""The on-run-start check (dbt_project/macros/check_raw_files.sql): a missing raw file stops the
build before any model runs, naming the expected paths and how to get the data; a header setting
that would drop a data line stops it too."""

from __future__ import annotations

from pathlib import Path

from dbt_helpers import FIXTURES, REAL_DATA, DbtRun

ONLINE_FILES = [
    "tianchi_fresh_comp_train_user_online_partA.txt",
    "tianchi_fresh_comp_train_user_online_partB.txt",
    "tianchi_fresh_comp_train_item_online.txt",
]
OFFLINE_FILES = ["tianchi_fresh_comp_train_user.csv", "tianchi_fresh_comp_train_item.csv"]


def assert_stopped_before_models(run: DbtRun) -> None:
    assert run.returncode != 0
    assert not any(r["unique_id"].startswith("model.") for r in run.results)


def assert_says_how_to_get_data(output: str) -> None:
    assert "python -m runner generate" in output
    assert "make run" in output
    assert "--vars" in output


def test_missing_default_files_are_all_named(dbt_project, tmp_path: Path) -> None:
    empty_raw_dir = tmp_path / "raw"
    empty_raw_dir.mkdir()
    run = dbt_project("missing_default").run("run", dbt_vars={"raw_dir": str(empty_raw_dir)})
    assert_stopped_before_models(run)
    assert "Raw input file(s) not found" in run.output
    for name in ONLINE_FILES:
        assert f"{empty_raw_dir}/{name}" in run.output
    assert_says_how_to_get_data(run.output)


def test_missing_offline_files_are_named(dbt_project, tmp_path: Path) -> None:
    run = dbt_project("missing_offline").run("build", dbt_vars={"edition": "offline", "raw_dir": str(tmp_path)})
    assert_stopped_before_models(run)
    for name in OFFLINE_FILES:
        assert f"{tmp_path}/{name}" in run.output


def test_missing_files_of_a_list_and_an_empty_glob(dbt_project) -> None:
    present = f"{FIXTURES}/bad_behaviors.txt"
    absent = f"{FIXTURES}/no_such_part.txt"
    empty_glob = f"{FIXTURES}/no_such_*.txt"
    run = dbt_project("missing_some").run(
        "build", dbt_vars={"behavior_files": [present, absent], "item_files": empty_glob}
    )
    assert_stopped_before_models(run)
    assert f"behavior file: {absent}" in run.output
    assert f"behavior file: {present}" not in run.output
    assert f"item file: {empty_glob}" in run.output
    assert_says_how_to_get_data(run.output)


def test_header_expected_but_line_1_is_data(dbt_project) -> None:
    run = dbt_project("header_is_data").run(
        "run",
        dbt_vars={
            "behavior_files": f"{REAL_DATA}/user_rows_subset_noheader.csv",
            "item_files": f"{REAL_DATA}/item_rows_20000.csv",
            "raw_delimiter": ",",
            "raw_has_header": True,
        },
    )
    assert_stopped_before_models(run)
    assert "line 1 of ../shared/data/real/user_rows_subset_noheader.csv looks like data" in run.output
    assert "behavior_has_header: false" in run.output


def test_docs_generate_needs_no_raw_files(dbt_project, tmp_path: Path) -> None:
    project = dbt_project("docs_without_data")
    run = project.run("docs", "generate", dbt_vars={"raw_dir": str(tmp_path)})
    assert run.returncode == 0, run.output[-3000:]
    assert (project.workdir / "target" / "catalog.json").exists()
    assert (project.workdir / "target" / "manifest.json").exists()


def test_a_file_read_twice_is_refused(dbt_project) -> None:
    items = f"{FIXTURES}/bad_items.txt"
    run = dbt_project("read_twice").run(
        "run",
        dbt_vars={
            "behavior_files": f"{FIXTURES}/bad_behaviors.txt",
            "item_files": [items, f"{FIXTURES}/bad_item*.txt"],
        },
    )
    assert_stopped_before_models(run)
    assert "item files would be read more than once" in run.output
    assert items in run.output
