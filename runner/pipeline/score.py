"""Score one run: the dbt scoring models, the F1 table on screen, the plot and the experiments row."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.paths import EXPERIMENTS_CSV, shown

if TYPE_CHECKING:
    from runner.scoring import ScoreReport

log = logging.getLogger("runner")


@dataclass(frozen=True)
class ScoreOutcome:
    """What scoring produced for one run."""

    report: ScoreReport
    plot: Path
    experiments: Path


def score_and_record(run_dir: Path, raw_dir: Path, experiments: Path = EXPERIMENTS_CSV, notes: str = "",
                     scoring_vars: dict[str, Any] | None = None,
                     build_vars: dict[str, Any] | None = None) -> ScoreOutcome:
    """`score`: the dbt scoring models, the F1 table on screen, the plot and the experiments row.
    scoring_vars override the project's scoring vars; the experiments row's notes name them. build_vars are
    the vars the exports were built with (a scale's), whose label days the row's data range gives."""
    from runner.experiments import append_experiment, describe_run, experiment_row
    from runner.score_plot import plot_scan
    from runner.scoring import format_report, score_run

    if scoring_vars:
        overridden = "vars " + ", ".join(f"{name}={value}" for name, value in sorted(scoring_vars.items()))
        notes = f"{notes}; {overridden}" if notes else overridden
        log.info("score: with %s (the project's other scoring vars as in dbt_project.yml)", overridden)
    report = score_run(run_dir, raw_dir, scoring_vars)
    print(format_report(report))
    plot = plot_scan(report)
    row = experiment_row(report, describe_run(run_dir, build_vars), notes=notes)
    append_experiment(row, experiments)
    log.info("score: plot %s; row appended to %s (%s)", shown(plot), shown(experiments), row["operating_point"])
    return ScoreOutcome(report=report, plot=plot, experiments=experiments)
