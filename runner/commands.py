"""What each CLI command does; argument parsing lives in runner.cli."""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.dbt import run_dbt
from runner.paths import DOCS_DIR, PROCESSED_DIR, RAW_DIR, shown

if TYPE_CHECKING:
    from runner.scoring import ScoreReport
    from runner.submission import SubmissionFile

log = logging.getLogger("runner")


def generate(args: argparse.Namespace) -> int:
    from runner.synthetic import generate as generate_data

    log.info("generating %s users (seed %s, %s edition) into %s", f"{args.users:,}", args.seed, args.edition, args.out)
    summary = generate_data(args.out, n_users=args.users, seed=args.seed, edition=args.edition,
                            progress=not args.no_progress)
    log.info(
        "wrote %s behaviour rows and %s P rows in %.1f s; 12-19 answers: %s pairs (oracle file: %s pairs)",
        f"{summary.behavior_rows:,}", f"{summary.item_rows:,}", summary.seconds,
        f"{summary.answer_pairs:,}", f"{summary.oracle_pairs:,}",
    )
    for path in summary.files:
        log.info("  %s", path)
    return 0


def build(args: argparse.Namespace) -> int:
    # dbt-duckdb writes each export into the folder but does not create it (a fresh clone has no data/processed/)
    PROCESSED_DIR.mkdir(parents=True, exist_ok=True)
    dbt_args = ["build"] + (["--select", args.select] if args.select else [])
    run_dbt(dbt_args, dbt_vars={"edition": args.edition, "raw_dir": shown(args.raw_dir)})
    return 0


def profile(args: argparse.Namespace) -> int:
    from runner.profile import print_profile

    print_profile()
    return 0


def oracle(args: argparse.Namespace) -> int:
    from runner.oracle import read_answers, read_oracle_day

    day = read_oracle_day(args.raw_dir)
    bound = day.bound()
    print(
        f"oracle bound on 2014-12-19 (top {bound.pairs_submitted:,} pairs by latent probability):\n"
        f"  expected F1 {bound.expected_f1:.4f} (precision {bound.expected_precision:.4f}, "
        f"recall {bound.expected_recall:.4f}; expected buys {bound.expected_truth_pairs:,.0f})\n"
        f"  observed F1 {bound.observed_f1:.4f} ({bound.observed_hits} hits of {bound.truth_pairs:,} true pairs)"
    )
    for path in args.submission:
        comparison = day.compare(read_answers(path))
        print(f"\n{path}: {comparison.size:,} pairs against the oracle's top {comparison.size:,}\n"
              f"  {'pairs':<16}{'count':>7}{'hits':>7}{'hit rate':>10}{'expected rate':>15}")
        for group in comparison:
            print(f"  {group.name:<16}{group.pairs:>7,}{group.hits:>7,}{group.hit_rate:>10.3f}"
                  f"{group.expected_hit_rate:>15.3f}")
    return 0


def _ensure_data(args: argparse.Namespace) -> None:
    from runner.synthetic.writer import EDITIONS

    edition = EDITIONS["online"]
    missing = [name for name in (*edition.behavior_files, edition.item_file) if not (args.raw_dir / name).exists()]
    if missing:
        log.info("no raw data in %s (missing %s): generating the default data", args.raw_dir, ", ".join(missing))
        generate(argparse.Namespace(users=args.users, seed=args.seed, edition="online", out=args.raw_dir,
                                    no_progress=False))
    else:
        log.info("using the raw data already in %s", args.raw_dir)


def run(args: argparse.Namespace) -> int:
    """The main job; runner.main_job has the stages and the summary."""
    from runner.main_job import MainJob

    job = MainJob(config=args.config, raw_dir=args.raw_dir, nproc=args.nproc, model_seeds=tuple(args.model_seeds),
                  tzrec_python=args.tzrec_python, experiments=args.experiments, blend_gbdt=args.blend_gbdt)
    job.stage("data", lambda: _ensure_data(args))
    job.stage("dbt build", lambda: build(argparse.Namespace(edition="online", raw_dir=args.raw_dir, select=None)))
    job.stage("profile", lambda: profile(args))
    job.run_model()
    print(job.summary())
    return 0


@dataclass(frozen=True)
class ScoreOutcome:
    """What `score` produced for one run."""

    report: ScoreReport
    plot: Path
    experiments: Path


def score_and_record(run_dir: Path, raw_dir: Path, experiments: Path, notes: str = "",
                     scoring_vars: dict[str, Any] | None = None) -> ScoreOutcome:
    """`score`: the dbt scoring models, the F1 table on screen, the plot and the experiments row.
    scoring_vars override the project's scoring vars; the experiments row's notes name them."""
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
    row = experiment_row(report, describe_run(run_dir), notes=notes)
    append_experiment(row, experiments)
    log.info("score: plot %s; row appended to %s (%s)", shown(plot), shown(experiments), row["operating_point"])
    return ScoreOutcome(report=report, plot=plot, experiments=experiments)


def score(args: argparse.Namespace) -> int:
    from runner.scoring import parse_scoring_vars, run_dir_for

    scoring_vars = parse_scoring_vars(args.var)
    score_and_record(run_dir_for(args.run, args.config, args.outputs), args.raw_dir, args.experiments,
                     args.notes or "", scoring_vars)
    return 0


def submit_run(run_dir: Path, out: Path | None = None, rescore: bool = False) -> SubmissionFile:
    """`submit`: score the run if the database does not hold it, then write and check the TSV."""
    from runner.scoring import build_scoring_models, check_predictions, scoring_is_current
    from runner.submission import submission_path, write_submission

    check_predictions(run_dir)
    current, reason = scoring_is_current(run_dir)
    if rescore or not current:
        log.info("submit: scoring %s first (%s)", shown(run_dir), "--rescore" if rescore else reason)
        build_scoring_models(run_dir)
    path = out or submission_path(run_dir)
    written = write_submission(path)
    log.info("submit: wrote %s: %s pairs, %s users, %s items; checked: tab-separated, no header, no duplicates, "
             "every item in P", shown(written.path), f"{written.pairs:,}", f"{written.users:,}", f"{written.items:,}")
    return written


def submit(args: argparse.Namespace) -> int:
    from runner.scoring import run_dir_for

    submit_run(run_dir_for(args.run, args.config, args.outputs), args.out, args.rescore)
    return 0


def tzrec_step(args: argparse.Namespace) -> int:
    """train / evaluate / export / predict: one config, reusing the finished steps before it."""
    from runner.tzrec.steps import RunOptions, run_command

    options = RunOptions(
        config=args.config,
        train_data=args.train_data,
        eval_data=args.eval_data,
        predict_data=getattr(args, "predict_data", RunOptions.predict_data),
        # `predict --validation-data` where the CLI offers it; else the default export
        predict_validation_data=getattr(args, "validation_data", RunOptions.predict_validation_data),
        buckets=args.buckets,
        outputs_dir=args.outputs,
        nproc=args.nproc,
        seed=args.seed,
        force=args.force,
        tzrec_python=args.tzrec_python,
    )
    outcomes = run_command(args.command, options)
    ran = [o.step for o in outcomes if o.ran]
    log.info("%s done for %s (%s)", args.command, args.config,
             f"ran {', '.join(ran)}" if ran else "everything reused")
    return 0


def baseline(args: argparse.Namespace) -> int:
    from runner.baselines.gbdt import GbdtParams, train_gbdt

    params = GbdtParams(learning_rate=args.learning_rate, num_leaves=args.num_leaves, seed=args.seed)
    result = train_gbdt(args.name, params, processed_dir=args.processed_dir, outputs_dir=args.outputs)
    log.info("baseline gbdt: %s (best round %d, validation AUC %.4f, %.0f s, peak RSS %.1f GB)",
             shown(result.run_dir), result.best_round, result.validation_auc, result.train_seconds, result.peak_rss_gb)
    if args.score:
        score_and_record(result.run_dir, RAW_DIR, DOCS_DIR / "experiments.csv",
                         "reference model (python -m runner baseline gbdt)")
    return 0


def ensemble(args: argparse.Namespace) -> int:
    from runner.ensemble import average_runs

    out = average_runs([run.absolute() for run in args.runs], args.outputs / args.name, combine=args.combine)
    log.info("ensemble of %d runs (mean %s) -> %s (score it: python -m runner score --run %s)", len(args.runs),
             args.combine, shown(out), shown(out))
    return 0


def study(args: argparse.Namespace) -> int:
    from runner.study import Study, run_study

    records = run_study(Study.read(args.study), only_seeds=args.only_seed)
    log.info("study: %d runs scored; write the page with `python -m runner report`", len(records))
    return 0


def report(args: argparse.Namespace) -> int:
    from runner.replot import replot
    from runner.report import study_sources, write_report
    from runner.study import Study

    if args.replot is not None:
        if not args.replot.is_file():
            raise FileNotFoundError(f"--replot {args.replot}: no such page (e.g. docs/results/three_seeds.md)")
        log.info("report: redrew %s from the figures on %s", shown(replot(args.replot)), shown(args.replot))
        return 0
    study = Study.read(args.study)
    # the base study's page also judges the target over every variant study on its months
    others = study_sources(study, args.study.parent) if study.variant is None else None
    out = write_report(study, args.out, other_studies=others)
    log.info("report: wrote %s and its plot", shown(out))
    return 0


def benchmark(args: argparse.Namespace) -> int:
    from runner.benchmark import run_benchmark

    print(run_benchmark(args.scales))
    return 0


def contracts(args: argparse.Namespace) -> int:
    from runner.contracts import write_exports_yml

    log.info("wrote %s from the exports in %s: review it with `git diff`",
             shown(write_exports_yml(args.processed_dir)), shown(args.processed_dir))
    return 0


COMMANDS = {"generate": generate, "build": build, "profile": profile, "oracle": oracle, "run": run,
            "train": tzrec_step, "evaluate": tzrec_step, "export": tzrec_step, "predict": tzrec_step,
            "score": score, "submit": submit, "baseline": baseline, "ensemble": ensemble, "study": study,
            "report": report, "benchmark": benchmark,
            "contracts": contracts}


def dispatch(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
