"""Line numbers match an editor's: a header line counts (the first data line is line 2), empty
lines count, CRLF line ends are stripped, each file of several is numbered on its own. Staging
numbers the rejected lines (a valid row is only ever aggregated).

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


def test_valid_rows_are_the_valid_lines(build: DbtRun) -> None:
    # item_id = the line number: every valid line, and nothing else, is a row (staging streams the
    # files and numbers only rejected lines, so a valid row's line shows through its item_id here)
    rows = build.query("select source_file, item_id from stg_tianchi__behaviors order by 1, 2")
    assert rows == [
        (FILE_A, 2),
        (FILE_A, 3),
        (FILE_A, 5),
        (FILE_A, 9),
        (FILE_A, 10),
        (FILE_B, 2),
        (FILE_B, 3),
        (FILE_B, 4),
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
    assert build.query("select item_id, item_geohash from stg_tianchi__items order by 1, 2") == [
        (2, None),
        (3, "96nn52n"),
        (3, "96nn52p"),
    ]


def test_mixed_line_ends_are_read_and_numbered(dbt_project, tmp_path) -> None:
    """A file of \\n lines with one \\r\\n line among them (an edit in a Windows editor): the line is
    read without its \\r, and a bad line after it keeps an editor's line number; the build passes
    its accounting tests (staging is built with its tests)."""
    behaviors = tmp_path / "mixed_behaviors.txt"
    behaviors.write_bytes(
        b"1\t11\t1\t\t5\t2014-12-01 10\n"
        b"2\t12\t1\t\t5\t2014-12-01 11\r\n"  # line 2: CRLF
        b"3\t13\t1\t\t5\t2014-12-01 12\n"
        b"bad\t14\t1\t\t5\t2014-12-01 13\n"  # line 4
        b"\r\n"  # line 5: an empty CRLF line
        b"6\t16\t1\t\t5\t2014-12-01 14\n"
    )
    items = tmp_path / "items.txt"
    items.write_bytes(b"11\t\t5\r\n12\t\t5\n")
    build = dbt_project("mixed_line_ends").run(
        "build", "--select", "path:models_sql/staging", "--indirect-selection", "cautious",
        dbt_vars={"behavior_files": str(behaviors), "item_files": str(items), "max_rejected_share": 1},
    ).check()
    assert build.query("select user_id, event_at::varchar from stg_tianchi__behaviors order by 1") == [
        (1, "2014-12-01 10:00:00"), (2, "2014-12-01 11:00:00"), (3, "2014-12-01 12:00:00"), (6, "2014-12-01 14:00:00")
    ]
    assert build.query("select source_line, reason, raw_line from stg_tianchi__rejected_rows order by 1") == [
        (4, "bad_user_id", "bad\t14\t1\t\t5\t2014-12-01 13"), (5, "empty_line", None)
    ]
    # the parallel reader counts one spurious blank line after each of the two \r\n lines of this
    # \n file (6 lines, 1 of them blank); the numbered rejected rows above are exact
    assert build.query(
        "select source_file, line_count, blank_lines from stg_tianchi__raw_files order by 1"
    ) == [(str(items), 2, 0), (str(behaviors), 8, 3)]
    assert build.query("select item_id from stg_tianchi__items order by 1") == [(11,), (12,)]
