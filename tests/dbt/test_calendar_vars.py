"""A calendar var outside its range stops `dbt build` before any model runs (on-run-start,
dbt_project/macros/check_calendar_vars.sql), with one line per var at fault: its name, its value, its valid
range where one applies, and a value that fits, instead of a data test failing later ("Got 24 results").

Each build below stops in on-run-start, so no raw file is read (none is given): a few seconds of parsing each.
Several rules are broken at once per build, and every problem is listed in one message.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from dbt_helpers import DbtProject

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stopped_build(dbt_project: Callable[[str], DbtProject]) -> Callable[[dict[str, object]], str]:
    project = dbt_project("calendar_vars")

    def build(dbt_vars: dict[str, object]) -> str:
        run = project.run("build", dbt_vars=dbt_vars)
        assert run.returncode != 0, "the build went on with bad calendar vars"
        assert not run.results, "a model or test ran before the check"
        assert "The calendar vars do not fit together" in run.output, run.output[-3000:]
        return run.output

    return build


def test_the_documented_case_names_the_var_its_value_its_range_and_the_fix(
        stopped_build: Callable[[dict[str, object]], str]) -> None:
    output = stopped_build({"train_label_start_date": "2014-11-01"})
    assert ("var train_label_start_date = 2014-11-01: a label day's cutoff, the day before it, must lie in the "
            "logs (the logs run from log_start_date 2014-11-18 to log_end_date 2014-12-18)") in output
    assert "valid range: [2014-11-19, 2014-12-17]; fix: train_label_start_date: 2014-11-19" in output
    assert "--vars '{train_label_start_date: 2014-11-19}'" in output
    assert "Got 24 results" not in output


def test_every_rule_of_the_label_days_and_the_windows(stopped_build: Callable[[dict[str, object]], str]) -> None:
    output = stopped_build({
        "predict_label_date": "2014-12-20",
        "eval_label_date": "2014-12-19",
        "train_excluded_label_dates": ["2014-12-18"],
        "sale_dates": ["2014-11-01", "2014-12-12"],
        "sale_peak_date": "2014-12-11",
        "calibration_history_days": 40,
        "candidate_lookback_days": 0,
        "sequence_lookback_days": -1,
        "sequence_length": "x",
        "feature_windows": [7, 3, 3],
    })
    expected = [
        "var predict_label_date = 2014-12-20: must be the day after log_end_date",
        "valid range: [2014-12-19, 2014-12-19]; fix: predict_label_date: 2014-12-19",
        "var eval_label_date = 2014-12-19: a label day's cutoff",
        "valid range: [2014-12-18, 2014-12-18]; fix: eval_label_date: 2014-12-18",
        "var train_excluded_label_dates = 2014-12-18: not a training label day",
        "valid range: [2014-11-25, 2014-12-17]",
        "var sale_dates = 2014-11-01: not a day of the logs; valid range: [2014-11-18, 2014-12-18]",
        "var sale_peak_date = 2014-12-11: not one of sale_dates (2014-11-01, 2014-12-12)",
        "var calibration_history_days = 40: must be a whole number of days that leaves a calibration label day",
        "valid range: [0, 30]; fix: calibration_history_days: 30",
        "var candidate_lookback_days = 0: must be a whole number, 1 or more; valid range: [1, ]",
        "var sequence_lookback_days = -1: must be a whole number, 1 or more",
        "var sequence_length = x: must be a whole number, 1 or more",
        "var feature_windows = [7, 3, 3]: must be in increasing order with none repeated, e.g. [3, 7]",
    ]
    missing = [line for line in expected if line not in output]
    assert not missing, f"{missing}\n{output[-4000:]}"


def test_days_that_do_not_parse_or_come_out_of_order(stopped_build: Callable[[dict[str, object]], str]) -> None:
    output = stopped_build({"log_start_date": "2014-11-31", "eval_label_date": "12/18/2014",
                            "feature_windows": [1, 0]})
    for line in ("var log_start_date = 2014-11-31: not a day written YYYY-MM-DD",
                 "var eval_label_date = 12/18/2014: not a day written YYYY-MM-DD",
                 "var feature_windows = [1, 0]: holds 0, not a whole number of days >= 1"):
        assert line in output, output[-3000:]

    output = stopped_build({"log_end_date": "2014-11-01", "predict_label_date": "2014-11-02"})
    assert "var log_end_date = 2014-11-01: before log_start_date 2014-11-18; valid range: [2014-11-18, ]" in output

    output = stopped_build({"train_label_start_date": "2014-12-10", "train_label_end_date": "2014-12-01",
                            "train_excluded_label_dates": "2014-12-05"})
    assert "var train_label_start_date = 2014-12-10" in output and "valid range: [2014-11-19, 2014-12-01]" in output
    assert ("var train_label_end_date = 2014-12-01: must be on or after train_label_start_date and before "
            "eval_label_date") in output
    assert "valid range: [2014-12-10, 2014-12-17]" in output

    output = stopped_build({"train_label_start_date": "2014-12-16", "train_label_end_date": "2014-12-17",
                            "train_excluded_label_dates": ["2014-12-16", "2014-12-17"]})
    assert "var train_excluded_label_dates = 2014-12-16, 2014-12-17: leaves no training label day" in output
