"""Whole raw files that are not what the edition says, and what the build does with them (the catalogue of
docs/guide/troubleshooting.md#bad-input): a header line in a header-less edition, a file of another delimiter,
another encoding, bytes that are not UTF-8, and a month with no candidate on the eval day. Nothing is lost
silently: a line that does not parse is a rejected row with its file, line, text and reason, and the build
warns, or fails once a kind of file has more than max_rejected_share of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dbt_helpers import DbtProject, DbtRun

pytestmark = pytest.mark.slow

ITEMS = "20001\t\t4245\n20002\t\t4245\n20003\t\t4245\n"
LINE = "{user}\t{item}\t1\t\t4245\t{time}\n"


def _write(folder: Path, name: str, data: bytes) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return str(folder / name)


@pytest.fixture(scope="module")
def staged(dbt_project: Callable[[str], DbtProject], tmp_path_factory: pytest.TempPathFactory
           ) -> Callable[..., DbtRun]:
    """Staging and its tests on the given behaviour files (online settings) and a clean item file."""
    project = dbt_project("bad_raw_files")
    folder = tmp_path_factory.mktemp("bad_raw_files")
    items = _write(folder, "items.txt", ITEMS.encode())

    def build(behavior_files: list[str], **dbt_vars: object) -> DbtRun:
        return project.run("build", "--select", "path:models_sql/staging", "--indirect-selection", "cautious",
                           dbt_vars={"behavior_files": behavior_files, "item_files": items, **dbt_vars})

    return build


def _rejected(run: DbtRun, path: str) -> list[tuple[int, str, str]]:
    return run.query("select source_line, reason, raw_line from stg_tianchi__rejected_rows where source_file = ? "
                     "order by source_line", path)


def test_a_header_line_and_bytes_that_are_not_utf8_are_rejected_lines(staged: Callable[..., DbtRun],
                                                                      tmp_path: Path) -> None:
    header = "user_id\titem_id\tbehavior_type\tuser_geohash\titem_category\ttime\n"
    rows = "".join(LINE.format(user=10000 + n, item=20001, time=f"2014-12-06 {n:02d}") for n in range(1, 20))
    with_header = _write(tmp_path, "with_header.txt", (header + rows).encode())
    not_utf8 = _write(tmp_path, "not_utf8.txt",
                      b"10001\t20001\t1\t96n\xffn52\t4245\t2014-12-06 02\n"  # a geohash with a stray byte
                      b"1\xff0002\t20002\t1\t\t4245\t2014-12-06 03\n"  # a user id with one
                      + rows.encode())
    # two rejected lines of 40: a warning, under a limit raised for files this small (the default, 0.1 %, fails
    # a build on them: the next test)
    run = staged([with_header, not_utf8], max_rejected_share=0.1)
    assert run.returncode == 0, run.output[-3000:]
    assert "WARN 2 assert_no_rejected_rows" in run.output
    assert _rejected(run, with_header) == [(1, "bad_user_id", header.rstrip("\n"))]
    (line, reason, text), = _rejected(run, not_utf8)
    assert (line, reason) == (2, "bad_user_id") and text.startswith("1\u00ff0002")  # read as latin-1: kept as is
    kept = run.query("select user_id, user_geohash, user_geohash_was_malformed from stg_tianchi__behaviors "
                     "where source_file = ? and user_id = 10001 and event_hour = 2", not_utf8)
    assert kept == [(10001, None, True)]  # the row stays; its geohash is nulled and flagged


def test_another_delimiter_or_encoding_rejects_every_line_and_fails_the_build(
        staged: Callable[..., DbtRun], tmp_path: Path) -> None:
    rows = "".join(LINE.format(user=10000 + n, item=20001, time=f"2014-12-06 {n:02d}") for n in range(1, 4))
    commas = _write(tmp_path, "commas.txt", rows.replace("\t", ",").encode())
    utf16 = _write(tmp_path, "utf16.txt", rows.encode("utf-16"))
    run = staged([commas, utf16])
    assert run.returncode != 0
    assert "FAIL" in run.output and "assert_rejected_share_within_limit" in run.output
    assert [reason for _, reason, _ in _rejected(run, commas)] == ["wrong_column_count"] * 3
    # read byte by byte, UTF-16's two-byte line end leaves a fourth line (its second byte): every one rejected
    assert [line for line, _, _ in _rejected(run, utf16)] == [1, 2, 3, 4]
    assert run.query("select count(*) from stg_tianchi__behaviors") == [(0,)]


def test_a_month_without_candidates_on_the_eval_day_stops_at_its_empty_export(
        dbt_project: Callable[[str], DbtProject], tmp_path: Path) -> None:
    """Every event lies before 2014-12-10: the eval day's cutoff (12-17) has nothing in its 3-day lookback."""
    rows = "".join(LINE.format(user=10001 + n % 7, item=20001 + n % 3, time=f"2014-12-{1 + n % 9:02d} 10")
                   for n in range(60))
    behaviors = _write(tmp_path, "early.txt", rows.encode())
    items = _write(tmp_path, "items.txt", ITEMS.encode())
    project = dbt_project("empty_candidate_day")
    run = project.run("build", "--select", "+export_eval", "--exclude-resource-type", "test",
                      dbt_vars={"behavior_files": behaviors, "item_files": items})
    assert run.returncode != 0
    assert "eval.parquet is empty" in run.output and "check the calendar vars" in run.output, run.output[-3000:]
