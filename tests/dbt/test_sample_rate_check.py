"""The samples' positive-rate check (dbt_project/tests/assert_samples_per_cutoff_within_bounds.sql) reads the touched
candidates: retrieved pairs joined as candidates, nearly never bought, do not dilute a cutoff's rate below its bound,
and a cutoff whose touched candidates are never bought still fails. The compiled check runs on hand-made tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dbt_helpers import DbtProject

CHECK = "assert_samples_per_cutoff_within_bounds"


def test_retrieved_candidates_do_not_dilute_the_rate_and_an_unbought_cutoff_still_fails(tmp_path: Path) -> None:
    project = DbtProject(tmp_path)
    # every negative counted once (exported_negative_rate 1.0); the rate checked from 10 candidates on
    project.run("compile", "--select", CHECK, dbt_vars={"build_all_negatives_export": True,
                                                        "min_candidates_for_rate_check": 10}).check()
    sql = (tmp_path / "target" / "compiled" / "tianchi" / "dbt_project" / "tests" / f"{CHECK}.sql").read_text()
    with duckdb.connect(str(project.database)) as connection:
        connection.sql("""
            create table int_label_calendar as
            select * from (values (date '2014-12-01', 'train'), (date '2014-12-02', 'train'),
                                  (date '2014-12-18', 'predict')) as t(cutoff_date, dataset)""")
        # 12-01: 2 of 100 touched pairs bought (2 %) beside 10,000 retrieved pairs nobody bought (0.02 % of all);
        # 12-02: 100 touched pairs, none bought; 12-18 (predict, unlabelled): 100 candidates
        connection.sql("""
            create table samples as
            select date '2014-12-01' as cutoff_date, range as user_id, (range < 2)::int as label,
                   'touched' as candidate_source from range(100)
            union all select date '2014-12-01', range, 0, 'retrieved' from range(10000)
            union all select date '2014-12-02', range, 0, 'touched' from range(100)
            union all select date '2014-12-18', range, 0, 'touched' from range(100)""")
        failing = connection.sql(sql).fetchall()
    assert [(str(row[0]), row[2], row[3]) for row in failing] == [("2014-12-02", 100, 0.0)]
