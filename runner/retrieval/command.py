"""`python -m runner retrieve`: one two-tower experiment from its exports to every user's retrieved items, and the
--benchmark table of what the retrieval cost."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path
from typing import Any

from runner.paths import input_files, shown
from runner.retrieval.session import FOLDS, TRAIN_SPLIT, RetrievalOptions, RetrievalSession, StepOutcome, needed_exports

log = logging.getLogger("runner.retrieval")

# The retrieval's budget at the default scale (20,000 users, every P item) on a 2-core machine.
BUDGET_SECONDS = 120.0
BUDGET_GB = 4.0


def options_from(args: argparse.Namespace, splits: tuple[str, ...] | None = None) -> RetrievalOptions:
    """The run's own retriever's options (its splits: `splits`, else --splits)."""
    return RetrievalOptions.for_exports(
        args.config, args.processed_dir, buckets=args.buckets, outputs_dir=args.outputs, nproc=args.nproc,
        seed=args.seed,
        # --benchmark retrieves again (the retrieval steps are the command's own); --retrain trains again
        force=args.force or args.benchmark or args.retrain, retrain=args.retrain,
        tzrec_python=args.tzrec_python, splits=tuple(args.splits) if splits is None else splits, top_n=args.top_n,
        popularity_correction=args.popularity_correction)


def benchmark_table(records: dict[str, dict]) -> str:
    """One line per retrieval step: its scale, the retrieval's own time and peak memory, the whole step's."""
    lines = [f"{'step':<18}{'users':>8}{'items':>9}{'vectors':>9}{'interests':>10}{'top-n':>7}"
             f"{'retrieval s':>13}{'step s':>8}{'peak GB':>9}  within {BUDGET_SECONDS:.0f} s and {BUDGET_GB:.0f} GB"]
    for step, record in records.items():
        figures = record.get("retrieval", {})
        seconds, peak = float(record.get("seconds", 0.0)), float(record.get("peak_rss_gb", 0.0))
        within = "yes" if seconds <= BUDGET_SECONDS and peak <= BUDGET_GB else "NO"
        lines.append(f"{step:<18}{figures.get('users', 0):>8,}{figures.get('items', 0):>9,}"
                     f"{figures.get('distinct_item_vectors', 0):>9,}{figures.get('interests', 0):>10}"
                     f"{figures.get('top_n', 0):>7}{figures.get('seconds', 0.0):>13.1f}{seconds:>8.1f}{peak:>9.2f}"
                     f"  {within}")
    return "\n".join(lines)


def ensure_exports(processed: Path, splits: tuple[str, ...], dbt_vars: dict[str, Any] | None = None) -> None:
    """Build the retrieval exports with dbt (var retrieval_exports: true; with split train also the training
    cutoffs' sides and the folds' positives) when one the steps read is missing; the rest of the project must be
    built already (`python -m runner build`). `dbt_vars` are the build's other vars (a study month's raw_dir...)."""
    from runner.dbt import run_dbt

    missing = [path for path in needed_exports(processed, splits) if not input_files(path)]
    if not missing:
        return
    log.info("the retrieval exports %s are missing: building models_sql/retrieval with dbt",
             ", ".join(shown(path) for path in missing))
    build_vars: dict[str, Any] = {**(dbt_vars or {}), "retrieval_exports": True, "processed_dir": shown(processed)}
    if TRAIN_SPLIT in splits:
        build_vars["retrieval_out_of_fold"] = True
    # the candidates' retrieved pairs are another build's (with vars retrieval_candidate_*): left as they are
    run_dbt(["build", "--select", "path:models_sql/retrieval", "--exclude", "int_pair_retrieved_candidates"],
            dbt_vars=build_vars)


def retrieval_sessions(options: RetrievalOptions) -> list[RetrievalSession]:
    """The sessions that retrieve options.splits: the run's own retriever for eval and predict, and for the
    training cutoffs (train) the two out-of-fold retrievers, each trained on one fold's users only."""
    whole = tuple(split for split in options.splits if split != TRAIN_SPLIT)
    sessions = [RetrievalSession(dataclasses.replace(options, splits=whole))] if whole else []
    if TRAIN_SPLIT in options.splits:
        sessions += [RetrievalSession(options.for_fold(fold)) for fold in FOLDS]
    return sessions


def run_retrieve(args: argparse.Namespace) -> int:
    ensure_exports(args.processed_dir, tuple(args.splits))
    outcomes: list[StepOutcome] = []
    written: list[Path] = []
    for session in retrieval_sessions(options_from(args)):
        for outcome in session.execute("retrieve"):
            outcome.step = f"{session.retriever_name}: {outcome.step}" if session.options.fold is not None \
                else outcome.step
            outcomes.append(outcome)
        written += [session.run.retrieved_file(split) for split in session.options.splits]
    ran = [o.step for o in outcomes if o.ran]
    log.info("retrieve done for %s (%s); retrieved pairs: %s", args.config,
             f"ran {', '.join(ran)}" if ran else "everything reused", ", ".join(shown(path) for path in written))
    if args.benchmark:
        print(benchmark_table({o.step: o.record for o in outcomes if o.step.split(": ")[-1].startswith("retrieve_")}))
    return 0
