"""What each CLI command does: its parsed arguments, passed as typed values to the one function that does the
work, then a log line. Argument parsing lives in runner.cli; the shared stages in runner.pipeline."""

from __future__ import annotations

import argparse
import logging

from runner.paths import EXPERIMENTS_CSV, RAW_DIR, shown

log = logging.getLogger("runner")


def generate(args: argparse.Namespace) -> int:
    from runner.pipeline.data import generate_month

    generate_month(args.out, users=args.users, seed=args.seed, edition=args.edition, progress=not args.no_progress)
    return 0


def build(args: argparse.Namespace) -> int:
    from runner.pipeline.build import dbt_build
    from runner.scales import pick_scale

    dbt_build(args.raw_dir, edition=args.edition, select=args.select, scale=pick_scale(args.scale, args.raw_dir))
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


def run(args: argparse.Namespace) -> int:
    """The main job; runner.main_job has the stages and the summary."""
    from runner.main_job import MainJob

    job = MainJob(config=args.config, raw_dir=args.raw_dir, users=args.users, edition=args.edition,
                  generator_seed=args.seed, nproc=args.nproc,
                  model_seeds=tuple(args.model_seeds) if args.model_seeds else None,
                  tzrec_python=args.tzrec_python, experiments=args.experiments, blend_gbdt=args.blend_gbdt,
                  retrieval=args.retrieval, retrieval_top_n=args.retrieval_top_n, scale_name=args.scale)
    print(job.run())
    return 0


def score(args: argparse.Namespace) -> int:
    from runner.pipeline.score import score_and_record
    from runner.scales import pick_scale, scoring_vars
    from runner.scoring import parse_scoring_vars, run_dir_for

    scale = pick_scale(args.scale, args.raw_dir)
    overrides = {**scoring_vars(scale), **parse_scoring_vars(args.var)}
    score_and_record(run_dir_for(args.run, args.config, args.outputs), args.raw_dir, args.experiments,
                     args.notes or "", overrides or None, build_vars=scale.dbt_vars)
    return 0


def submit(args: argparse.Namespace) -> int:
    from runner.pipeline.submit import submit_run
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


def retrieve(args: argparse.Namespace) -> int:
    """Two-tower retrieval: train, export, embed, top-N per user (runner.retrieval)."""
    from runner.retrieval.command import run_retrieve

    return run_retrieve(args)


def baseline(args: argparse.Namespace) -> int:
    from runner.baselines.gbdt import GbdtParams, train_gbdt

    params = GbdtParams(learning_rate=args.learning_rate, num_leaves=args.num_leaves, seed=args.seed)
    result = train_gbdt(args.name, params, processed_dir=args.processed_dir, outputs_dir=args.outputs)
    log.info("baseline gbdt: %s (best round %d, validation AUC %.4f, %.0f s, peak RSS %.1f GB)",
             shown(result.run_dir), result.best_round, result.validation_auc, result.train_seconds, result.peak_rss_gb)
    if args.score:
        from runner.pipeline.score import score_and_record

        score_and_record(result.run_dir, RAW_DIR, EXPERIMENTS_CSV, "reference model (python -m runner baseline gbdt)")
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
    from runner.scales import Scale

    print(run_benchmark(args.scales, Scale.read(args.scale), raw_dir=args.raw_dir, floor_only=args.floor_only))
    return 0


def contracts(args: argparse.Namespace) -> int:
    from runner.contracts import write_exports_yml

    written = write_exports_yml(args.processed_dir)
    log.info("wrote %s from the exports in %s: review them with `git diff`",
             " and ".join(shown(path) for path in written), shown(args.processed_dir))
    return 0


def configs(args: argparse.Namespace) -> int:
    from runner.experiment_configs.command import run_configs

    return run_configs(args)


COMMANDS = {"generate": generate, "build": build, "profile": profile, "oracle": oracle, "run": run,
            "train": tzrec_step, "evaluate": tzrec_step, "export": tzrec_step, "predict": tzrec_step,
            "retrieve": retrieve, "score": score, "submit": submit, "baseline": baseline, "ensemble": ensemble,
            "study": study, "report": report, "benchmark": benchmark,
            "contracts": contracts, "configs": configs}


def dispatch(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
