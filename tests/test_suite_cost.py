"""tests/suite_cost.py (`make test-cost`): which pytest runs it measures, and the table it prints."""

from __future__ import annotations

from pathlib import Path

import pytest
import suite_cost

ORACLE = "tests/test_oracle.py"


def test_files_that_share_the_generated_month_are_measured_in_one_run() -> None:
    runs = suite_cost.pytest_runs(["tests/dbt/test_generated_build.py", "tests/dbt/test_score_and_submit.py",
                                   ORACLE])
    assert runs == [["tests/dbt/test_generated_build.py", "tests/dbt/test_score_and_submit.py"], [ORACLE]]


def test_each_run_is_measured_and_a_failing_one_fails_the_command(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    failing = tmp_path / "test_fails.py"
    failing.write_text("def test_fails():\n    assert 1 == 2\n")
    assert suite_cost.main([ORACLE, str(failing)]) == 1
    table = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line for line in table[1:-1]}
    assert set(rows) == {ORACLE, str(failing)}
    cpu_s, wall_s = (float(value) for value in rows[ORACLE].split()[1:3])
    assert cpu_s > 0 and wall_s > 0 and "passed" in rows[ORACLE]
    assert "FAILED (exit 1)" in rows[str(failing)] and "1 failed" in rows[str(failing)]
    assert table[-1].startswith("total: ") and "two workers could at best take" in table[-1]


def test_the_cpu_counter_counts_up() -> None:
    before = suite_cost.machine_cpu_seconds()
    sum(range(3_000_000))
    assert suite_cost.machine_cpu_seconds() > before
