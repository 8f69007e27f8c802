"""Line numbers match an editor's: a header line counts (the first data line is line 2), empty
lines count, CRLF line ends are stripped, each file of several is numbered on its own.

In the fixtures (tests/fixtures/dbt/crlf_*.csv, offline format: comma, header, CRLF) every valid
behaviour line has item_id = its own line number, so a row says where it came from."""

from __future__ import annotations

import pytest
from dbt_helpers import FIXTURES, DbtRun, file_lines, project_path

FILE_A = f"{FIXTURES}/crlf_behaviors_a.csv"  # empty lines 4, 7, 8; bad line 6; no final line end
FILE_B = f"{FIXTURES}/crlf_behaviors_b.csv"  # a final CRLF
ITEMS = f"{FIXTURES}/crlf_items.csv"


@pytest.fixture(scope="module")
def build(dbt_project) -> DbtRun:
    project = dbt_project("line_numbers")
    dbt_vars = {
        "behavior_files": [FILE_A, FILE_B],
        "item_files": ITEMS,
        "raw_delimiter": ",",
        "raw_has_header": True,
        "max_rejected_share": 1,
    }
    return project.run(
        "build", "--select", "path:models_sql/staging", "--indirect-selection", "cautious", dbt_vars=dbt_vars
    ).check()


def test_fixtures_are_crlf_with_header() -> None:
    for path in (FILE_A, FILE_B, ITEMS):
        raw = project_path(path).read_bytes()
        assert raw.count(b"\r\n") == raw.count(b"\n") > 0, path
    assert not project_path(FILE_A).read_bytes().endswith(b"\n")
    assert file_lines(FILE_A)[0].startswith("user_id,")


def test_valid_rows_carry_their_own_line_number(build: DbtRun) -> None:
    rows = build.query("select source_file, source_line, item_id from stg_tianchi__behaviors order by 1, 2")
    assert rows == [
        (FILE_A, 2, 2),
        (FILE_A, 3, 3),
        (FILE_A, 5, 5),
        (FILE_A, 9, 9),
        (FILE_A, 10, 10),
        (FILE_B, 2, 2),
        (FILE_B, 3, 3),
        (FILE_B, 4, 4),
    ]


def test_rejected_lines_are_numbered_and_stripped(build: DbtRun) -> None:
    assert build.query(
        "select source_file, source_line, reason, raw_line from stg_tianchi__rejected_rows order by 1, 2"
    ) == [
        (FILE_A, 4, "empty_line", None),
        (FILE_A, 6, "bad_user_id", "bad6,6,1,,4245,2014-12-02 00"),  # no trailing \r
        (FILE_A, 7, "empty_line", None),
        (FILE_A, 8, "empty_line", None),
    ]


def test_file_line_counts_match_an_editor(build: DbtRun) -> None:
    assert build.query(
        "select source_file, line_count, header_line_count, lines_read, last_source_line"
        " from stg_tianchi__raw_files order by 1"
    ) == [
        (FILE_A, 10, 1, 9, 10),
        (FILE_B, 4, 1, 3, 4),
        (ITEMS, 4, 1, 3, 4),
    ]
    assert [len(file_lines(p)) for p in (FILE_A, FILE_B, ITEMS)] == [10, 4, 4]


def test_item_lines(build: DbtRun) -> None:
    assert build.query("select source_line, item_id, item_geohash from stg_tianchi__items order by 1") == [
        (2, 2, None),
        (3, 3, "96nn52n"),
        (4, 3, "96nn52p"),
    ]
