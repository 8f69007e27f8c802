"""Rejected rows: hand-made bad lines (tests/fixtures/dbt/bad_*.txt, online format: tab-separated,
no header, LF) each get the right reason and line number, nothing is lost, and the build warns on
any rejected line and fails above var max_rejected_share."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from dbt_helpers import FIXTURES, DbtProject, DbtRun, file_lines

BAD_BEHAVIORS = f"{FIXTURES}/bad_behaviors.txt"
BAD_ITEMS = f"{FIXTURES}/bad_items.txt"

# line -> reason, as written into the fixture files
EXPECTED_BEHAVIOR_REJECTS = {
    4: "wrong_column_count",  # 5 fields
    5: "wrong_column_count",  # 7 fields
    6: "bad_user_id",  # u10004
    7: "bad_item_id",  # 2.0005E+4
    8: "bad_behavior_type",  # 5
    9: "bad_item_category",  # empty
    10: "bad_time",  # 2014/12/06 02
    11: "bad_time",  # 2014-02-30 02: no such day
    12: "date_outside_log_window",  # 2014-11-17 23
    13: "date_outside_log_window",  # 2014-12-19 00
    14: "empty_line",
    17: "wrong_column_count",  # comma-separated in a tab-separated file
    18: "bad_time",  # hour 24
}
# valid lines: 1 and 2 are exact duplicates (both kept); 15 and 16 carry malformed geohashes
# (9.62E+98, and a stray quote); 19 ends the file without a line end
EXPECTED_BEHAVIOR_ROWS = [1, 2, 3, 15, 16, 19]
EXPECTED_ITEM_REJECTS = {5: "wrong_column_count", 6: "bad_item_id", 7: "bad_item_category", 8: "empty_line"}
EXPECTED_ITEM_ROWS = [1, 2, 3, 4, 9]  # 1 and 2: one item at two locations; 4: geohash 9.50E+39

BAD_FILE_VARS = {"behavior_files": BAD_BEHAVIORS, "item_files": BAD_ITEMS}
REJECTED_LINES = len(EXPECTED_BEHAVIOR_REJECTS) + len(EXPECTED_ITEM_REJECTS)


@pytest.fixture(scope="module")
def project(dbt_project) -> DbtProject:
    return dbt_project("rejected_rows")


@pytest.fixture(scope="module")
def tolerant_build(project: DbtProject) -> DbtRun:
    """Staging and its tests, with the limit raised so far that the bad lines only warn."""
    return project.run(
        "build",
        "--select",
        "path:models_sql/staging",
        "--indirect-selection",
        "cautious",
        dbt_vars={**BAD_FILE_VARS, "max_rejected_share": 0.9},
    )


def test_fixture_files_are_as_described() -> None:
    assert len(file_lines(BAD_BEHAVIORS)) == 19
    assert len(file_lines(BAD_ITEMS)) == 9


def test_build_warns_on_rejected_lines(tolerant_build: DbtRun) -> None:
    tolerant_build.check()
    warning = tolerant_build.result("assert_no_rejected_rows")
    assert (warning["status"], warning["failures"]) == ("warn", REJECTED_LINES)
    assert tolerant_build.result("assert_rejected_share_within_limit")["status"] == "pass"
    assert tolerant_build.result("assert_raw_lines_accounted_for")["status"] == "pass"
    others = {
        uid: status
        for uid, status in tolerant_build.statuses().items()
        if status not in ("pass", "success") and not uid.endswith(".assert_no_rejected_rows")
    }
    assert others == {}


def test_build_fails_above_the_rejected_share(project: DbtProject, tolerant_build: DbtRun) -> None:
    # 13 of 19 behaviour lines and 4 of 9 item lines: far above the default 0.001
    run = project.run("test", "--select", "assert_rejected_share_within_limit", dbt_vars=BAD_FILE_VARS)
    assert run.returncode == 1
    result = run.result("assert_rejected_share_within_limit")
    assert (result["status"], result["failures"]) == ("fail", 2)  # both kinds of file


@pytest.mark.parametrize(
    ("kind", "path", "expected"),
    [("behavior", BAD_BEHAVIORS, EXPECTED_BEHAVIOR_REJECTS), ("item", BAD_ITEMS, EXPECTED_ITEM_REJECTS)],
)
def test_each_bad_line_has_its_reason_and_line(tolerant_build: DbtRun, kind: str, path: str, expected: dict) -> None:
    lines = file_lines(path)
    rows = tolerant_build.query(
        """
        select source_line, reason, raw_line from stg_tianchi__rejected_rows
        where file_kind = ? and source_file = ? order by source_line
        """,
        kind,
        path,
    )
    assert {line: reason for line, reason, _ in rows} == expected
    for line, _, raw_line in rows:
        assert raw_line == (lines[line - 1] or None), line  # the text as read; null for an empty line


def _lines_at(path: str, numbers: list[int]) -> Counter[tuple[str, ...]]:
    lines = file_lines(path)
    return Counter(tuple(lines[n - 1].split("\t")) for n in numbers)


def test_valid_lines_become_rows(tolerant_build: DbtRun) -> None:
    # staging numbers only the rejected lines: the valid rows, as text, are exactly the valid lines
    # (a malformed geohash is nulled, so the key leaves it out)
    behaviors = tolerant_build.query(
        """select user_id, item_id, behavior_type, item_category, strftime(event_at, '%Y-%m-%d %H')
        from stg_tianchi__behaviors"""
    )
    expected = _lines_at(BAD_BEHAVIORS, EXPECTED_BEHAVIOR_ROWS)
    assert Counter(tuple(map(str, row)) for row in behaviors) == Counter(
        (u, i, b, c, t) for u, i, b, _, c, t in expected.elements()
    )
    items = tolerant_build.query("select item_id, item_category from stg_tianchi__items")
    assert Counter(tuple(map(str, row)) for row in items) == Counter(
        (i, c) for i, _, c in _lines_at(BAD_ITEMS, EXPECTED_ITEM_ROWS).elements()
    )


def test_nothing_is_lost(tolerant_build: DbtRun) -> None:
    for kind, path, rows in [
        ("behavior", BAD_BEHAVIORS, EXPECTED_BEHAVIOR_ROWS),
        ("item", BAD_ITEMS, EXPECTED_ITEM_ROWS),
    ]:
        lines = len(file_lines(path))
        assert tolerant_build.query("select lines_read from stg_tianchi__raw_files where source_file = ?", path) == [
            (lines,)
        ]
        assert tolerant_build.query(
            "select count(*) from stg_tianchi__rejected_rows where file_kind = ? and source_file = ?", kind, path
        ) == [(lines - len(rows),)]


def test_malformed_geohashes_are_nulled_and_flagged(tolerant_build: DbtRun) -> None:
    # lines 15 and 16
    assert tolerant_build.query(
        "select user_id, user_geohash, behavior from stg_tianchi__behaviors where user_geohash_was_malformed"
        " order by 1"
    ) == [(10012, None, "collect"), (10013, None, "cart")]
    # line 4
    assert tolerant_build.query(
        "select item_id, item_geohash from stg_tianchi__items where item_geohash_was_malformed"
    ) == [(20003, None)]


def test_exact_duplicates_are_both_rows(tolerant_build: DbtRun) -> None:
    # lines 1 and 2
    assert tolerant_build.query(
        "select behavior, event_at from stg_tianchi__behaviors where user_id = 10001"
    ) == [("click", datetime(2014, 12, 6, 2)), ("click", datetime(2014, 12, 6, 2))]
