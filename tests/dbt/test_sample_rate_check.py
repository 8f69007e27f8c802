"""The samples' positive-rate check (dbt_project/tests/assert_samples_per_cutoff_within_bounds.sql) reads the touched
candidates: retrieved pairs joined as candidates, nearly never bought, do not dilute a cutoff's rate below its bound,
and a cutoff whose touched candidates are never bought still fails; its lower bound, sized for 3 days of touches,
shrinks with a longer candidate lookback. The compiled check runs on hand-made tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dbt_helpers import DbtProject

CHECK = "assert_samples_per_cutoff_within_bounds"


def _failing_cutoffs(tmp_path: Path, lookback_days: int) -> list[tuple[str, int, float]]:
    project = DbtProject(tmp_path / f"lookback_{lookback_days}")
    # every negative counted once (exported_negative_rate 1.0); the rate checked from 10 candidates on
    project.run("compile", "--select", CHECK, dbt_vars={"build_all_negatives_export": True,
                                                        "min_candidates_for_rate_check": 10,
                                                        "candidate_lookback_days": lookback_days}).check()
    sql = (project.workdir / "target" / "compiled" / "tianchi" / "dbt_project" / "tests" / f"{CHECK}.sql").read_text()
    with duckdb.connect(str(project.database)) as connection:
        connection.sql("""
            create table int_label_calendar as
            select * from (values (date '2014-12-01', 'train'), (date '2014-12-02', 'train'),
                                  (date '2014-12-03', 'train'), (date '2014-12-18', 'predict'))
                          as t(cutoff_date, dataset)""")
        # 12-01: 2 of 100 touched pairs bought (2 %) beside 10,000 retrieved pairs nobody bought (0.02 % of all);
        # 12-02: 100 touched pairs, none bought; 12-03: 4 of 10,000 touched pairs bought (0.04 %, under the 3-day
        # bound of 0.05 %); 12-18 (predict, unlabelled): 100 candidates
        connection.sql("""
            create table samples as
            select date '2014-12-01' as cutoff_date, range as user_id, (range < 2)::int as label,
                   'touched' as candidate_source from range(100)
            union all select date '2014-12-01', range, 0, 'retrieved' from range(10000)
            union all select date '2014-12-02', range, 0, 'touched' from range(100)
            union all select date '2014-12-03', range, (range < 4)::int, 'touched' from range(10000)
            union all select date '2014-12-18', range, 0, 'touched' from range(100)""")
        return [(str(row[0]), row[2], row[3]) for row in connection.sql(sql).fetchall()]


def test_retrieved_candidates_do_not_dilute_the_rate_and_an_unbought_cutoff_still_fails(tmp_path: Path) -> None:
    assert sorted(_failing_cutoffs(tmp_path, 3)) == [("2014-12-02", 100, 0.0), ("2014-12-03", 10000, 0.0004)]


def test_a_longer_lookback_lowers_the_lower_bound(tmp_path: Path) -> None:
    """The whole history (31 days): the lower bound is 0.05 % x 3 / 31, under 12-03's 0.04 %; 12-02 still fails."""
    assert _failing_cutoffs(tmp_path, 31) == [("2014-12-02", 100, 0.0)]
