"""Staging, intermediate and profile models on the real Tianchi rows in ../shared/data/real/."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from dbt_helpers import REAL_DATA, DbtProject, DbtRun, file_lines, project_path

OFFLINE_BEHAVIORS = f"{REAL_DATA}/sample_user_behavior.csv"  # header, comma, CRLF, no final line end
ITEMS_20000 = f"{REAL_DATA}/item_rows_20000.csv"  # header, comma, LF; 5 mangled geohashes
NOHEADER_BEHAVIORS = f"{REAL_DATA}/user_rows_subset_noheader.csv"  # no header, comma, LF
ITEMS_SAMPLE = f"{REAL_DATA}/sample_item_info.csv"  # header, comma, CRLF; 1 mangled geohash

pytestmark = pytest.mark.skipif(not project_path(REAL_DATA).is_dir(), reason=f"the real rows are not at {REAL_DATA}")

MANGLED = re.compile(r"^\d+\.\d+E\+\d+$")


@pytest.fixture(scope="module")
def offline_build(dbt_project) -> DbtRun:
    """`dbt build` of every model and test on the offline-format real rows (CSV with header).

    The 1,998 real behaviour rows barely meet the 20,000-row sample of P, so most cutoffs have no
    candidates: the Parquet exports (which must refuse to be empty) and the per-cutoff sample
    bounds are left out here; they are built on generated data in tests/dbt/test_generated_build.py.
    """
    project: DbtProject = dbt_project("real_offline")
    dbt_vars = {
        "behavior_files": OFFLINE_BEHAVIORS,
        "item_files": ITEMS_20000,
        "raw_delimiter": ",",
        "raw_has_header": True,
    }
    return project.run(
        "build", "--exclude", "path:models_sql/exports", "assert_samples_per_cutoff_within_bounds",
        dbt_vars=dbt_vars,
    ).check()


@pytest.fixture(scope="module")
def noheader_build(dbt_project) -> DbtRun:
    """Staging on the header-less real rows, with a header-and-CRLF item file beside them."""
    project: DbtProject = dbt_project("real_noheader")
    dbt_vars = {
        "behavior_files": NOHEADER_BEHAVIORS,
        "item_files": ITEMS_SAMPLE,
        "raw_delimiter": ",",
        "behavior_has_header": False,
        "item_has_header": True,
    }
    return project.run(
        "build", "--select", "path:models_sql/staging", "--indirect-selection", "cautious", dbt_vars=dbt_vars
    ).check()


def counts_by_file(run: DbtRun, model: str) -> dict[str, int]:
    return dict(run.query(f"select source_file, count(*) from {model} group by source_file"))


def rejected_by_file(run: DbtRun) -> dict[str, int]:
    return dict(run.query("select source_file, count(*) from stg_tianchi__rejected_rows group by source_file"))


def test_every_data_test_passes(offline_build: DbtRun) -> None:
    not_passed = {uid: status for uid, status in offline_build.statuses().items() if status not in ("pass", "success")}
    assert not_passed == {}


@pytest.mark.parametrize(
    ("path", "model", "header_lines"),
    [(OFFLINE_BEHAVIORS, "stg_tianchi__behaviors", 1), (ITEMS_20000, "stg_tianchi__items", 1)],
)
def test_every_line_is_a_row_or_a_rejected_row(offline_build: DbtRun, path: str, model: str, header_lines: int) -> None:
    lines_read = len(file_lines(path)) - header_lines
    valid = counts_by_file(offline_build, model).get(path, 0)
    rejected = rejected_by_file(offline_build).get(path, 0)
    assert valid + rejected == lines_read
    assert rejected == 0  # the real rows are all valid
    assert offline_build.query("select lines_read from stg_tianchi__raw_files where source_file = ?", path) == [
        (lines_read,)
    ]


def test_behavior_rows_are_their_lines(offline_build: DbtRun) -> None:
    """The rows, typed and written back as text, are the file's data lines (as a multiset: exact
    duplicates are lines too)."""
    lines = file_lines(OFFLINE_BEHAVIORS)
    rows = offline_build.query(
        """
        select user_id, item_id, behavior_type, coalesce(user_geohash, ''),
               item_category, strftime(event_at, '%Y-%m-%d %H')
        from stg_tianchi__behaviors
        """
    )
    assert len(rows) == len(lines) - 1 == 1999
    assert Counter(",".join(map(str, row)) for row in rows) == Counter(lines[1:])


def test_item_rows_are_their_lines(offline_build: DbtRun) -> None:
    lines = file_lines(ITEMS_20000)
    rows = offline_build.query(
        "select item_id, item_geohash, item_category, item_geohash_was_malformed from stg_tianchi__items"
    )
    assert len(rows) == 20_000
    expected = Counter()
    for line in lines[1:]:
        raw_item, raw_geohash, raw_category = line.split(",")
        malformed = bool(MANGLED.match(raw_geohash))
        expected[(raw_item, None if malformed or raw_geohash == "" else raw_geohash, raw_category, malformed)] += 1
    assert Counter((str(i), g, str(c), m) for i, g, c, m in rows) == expected


def test_mangled_item_geohashes_are_flagged_nulled_and_kept(offline_build: DbtRun) -> None:
    lines = file_lines(ITEMS_20000)
    mangled = {n: line for n, line in enumerate(lines, start=1) if MANGLED.match(line.split(",")[1])}
    assert len(mangled) == 5  # e.g. line 347: 96406570,9.62E+98,5573
    rows = offline_build.query(
        "select item_id, item_geohash, item_category from stg_tianchi__items where item_geohash_was_malformed"
    )
    assert Counter((str(i), g, str(c)) for i, g, c in rows) == Counter(
        (line.split(",")[0], None, line.split(",")[2]) for line in mangled.values()
    )
    assert offline_build.query(
        "select malformed_geohash_rows from profile__files where source_file = ?", ITEMS_20000
    ) == [(5,)]
    assert offline_build.query("select item_geohash_malformed_rows from profile__overview") == [(5,)]


def test_exact_duplicate_rows_are_kept(offline_build: DbtRun) -> None:
    lines = file_lines(OFFLINE_BEHAVIORS)[1:]
    distinct_lines = len(set(lines))
    assert offline_build.query("select count(*) from stg_tianchi__behaviors") == [(len(lines),)]
    assert len(lines) > distinct_lines  # the sample holds exact duplicates; all of them are rows
    assert offline_build.query(
        """
        select count(*) from (
            select distinct user_id, item_id, behavior_type, user_geohash, item_category, event_at
            from stg_tianchi__behaviors
        )
        """
    ) == [(distinct_lines,)]


def test_daily_aggregation_keeps_every_row(offline_build: DbtRun) -> None:
    assert offline_build.query(
        "select sum(clicks + collects + carts + buys) from int_user_item_daily"
    ) == offline_build.query("select count(*) from stg_tianchi__behaviors")


def test_profile_on_real_rows(offline_build: DbtRun) -> None:
    overview = offline_build.query(
        "select behavior_rows, user_count, item_count, p_items, user_geohash_empty_share from profile__overview"
    )
    assert overview[0][:4] == (1999, 34, 1689, 13_035)
    assert overview[0][4] == pytest.approx(0.707, abs=0.001)  # README: 71% empty user_geohash
    assert offline_build.query("select count(*), sum(behavior_rows) from profile__daily") == [(31, 1999)]
    statistics = dict(
        offline_build.query("select statistic, in_band is not null or value is null from profile__calibration")
    )
    targets = {s for (s,) in offline_build.query("select statistic from calibration_targets")}
    assert set(statistics) == targets
    assert all(statistics.values())  # in_band is set wherever there is a value and a band ...
    assert (
        offline_build.query(
            "select value, in_band from profile__calibration where statistic = 'user_geohash_empty_share'"
        )[0][1]
        is False
    )  # ... e.g. 0.71 is outside the 0.4-0.6 band


def test_header_less_rows_start_at_line_1(noheader_build: DbtRun) -> None:
    lines = file_lines(NOHEADER_BEHAVIORS)
    assert len(lines) == 522
    rows = noheader_build.query("select user_id, item_id from stg_tianchi__behaviors")
    # every line is a row, the first one included
    assert Counter(f"{u},{i}" for u, i in rows) == Counter(",".join(line.split(",")[:2]) for line in lines)
    assert noheader_build.query(
        "select line_count, header_line_count, lines_read from stg_tianchi__raw_files where source_file = ?",
        NOHEADER_BEHAVIORS,
    ) == [(522, 0, 522)]


def test_crlf_item_file_without_final_line_end(noheader_build: DbtRun) -> None:
    raw = project_path(ITEMS_SAMPLE).read_bytes()
    assert b"\r\n" in raw and not raw.endswith(b"\n")
    lines = file_lines(ITEMS_SAMPLE)
    assert noheader_build.query("select count(*) from stg_tianchi__items") == [(len(lines) - 1,)]
    assert noheader_build.query(
        "select line_count, header_line_count from stg_tianchi__raw_files where source_file = ?", ITEMS_SAMPLE
    ) == [(len(lines), 1)]
    assert rejected_by_file(noheader_build) == {}
    assert noheader_build.query(
        "select item_id from stg_tianchi__items where item_geohash_was_malformed"
    ) == [(int(line.split(",")[0]),) for line in lines if MANGLED.match(line.split(",")[1])]
