"""The main job behind `python -m runner run` (and `make run`): its stages, their times, the summary.

    data [-> retrieval exports -> retrieve] -> dbt build -> profile -> train -> export -> predict
         [-> average the model seeds]
         [-> GBDT per seed, averaged, blended with the tzrec run (--blend-gbdt)] -> score -> submit

Training evaluates on the validation users (data/processed/validation.parquet): nothing about the
model is chosen on the eval day. `predict` then scores the eval day (data/processed/eval.parquet)
and the predict day; `score` chooses the operating point on the eval day only. A tzrec step that
already finished on the same inputs is reused (its stage then takes seconds).

With several model seeds (the default, as in every study: docs/decisions.md#average-several-model-seeds)
each seed trains its own run (outputs/model_seeds/m<S>/<stem>/) and the mean of their logits becomes the
run that is scored and submitted (outputs/<stem>/).

With blend_gbdt (`run --blend-gbdt`) the GBDT reference is trained once per model seed too
(outputs/model_seeds/m<S>/gbdt_v1/, averaged into outputs/gbdt_v1/), and the mean logit of the GBDT
and the tzrec run (outputs/<stem>_gbdt_blend/) is scored and submitted instead: the blend beat both
on the months that decided it (docs/decisions.md#blend-the-gbdt-with-the-tzrec-model).

With retrieval (`run --retrieval stage1_dssm_v1 [--retrieval-top-n N]`) the two-tower experiment retrieves every
user's top N P items at every cutoff first (runner.pipeline.retrieval; the training cutoffs out of fold), into
outputs/<its name>/, and the build joins them to the touched pairs as candidates
(docs/guide/models.md#retrieved-pairs-as-ranking-candidates). Off by default
(docs/decisions.md#does-a-recall-stage-add-candidates).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from runner.defaults import DEFAULT_CANDIDATE_TOP_N, DEFAULT_GENERATOR_SEED, DEFAULT_MODEL_SEEDS, DEFAULT_USERS
from runner.paths import (
    EVAL_EXPORT,
    EXPERIMENTS_CSV,
    GBDT_RUN_NAME,
    OUTPUTS_DIR,
    PREDICT_EXPORT,
    PROCESSED_DIR,
    PROJECT_ROOT,
    VALIDATION_EXPORT,
    shown,
)
from runner.pipeline import build, data, retrieval, score, submit
from runner.scales import Scale, pick_scale, scoring_vars

log = logging.getLogger("runner.main_job")

BLEND_SUFFIX = "_gbdt_blend"

T = TypeVar("T")


def default_production_config() -> Path:
    """The production experiment: the one production_* experiment without `retired: true`."""
    from runner.experiment_configs.experiment import production_experiment

    return production_experiment()


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


@dataclass
class StageTime:
    name: str
    seconds: float
    note: str = ""


@dataclass
class MainJob:
    config: Path | None
    raw_dir: Path
    users: int = DEFAULT_USERS  # the month generated when raw_dir holds no raw file
    edition: str | None = None  # online or offline; None: the edition whose files raw_dir holds
    generator_seed: int = DEFAULT_GENERATOR_SEED
    nproc: int = 1
    # None: the scale's model seeds, else DEFAULT_MODEL_SEEDS
    model_seeds: tuple[int, ...] | None = None
    tzrec_python: str | None = None
    experiments: Path | None = None
    outputs_dir: Path = OUTPUTS_DIR
    blend_gbdt: bool = False
    # a two-tower experiment (name or file) whose top retrieval_top_n pairs per user join the candidates; None: off
    retrieval: Path | None = None
    retrieval_top_n: int = DEFAULT_CANDIDATE_TOP_N
    # configs/scales/<name>.yml, or auto (runner.scales.pick_scale, once the raw files are there)
    scale_name: str = "auto"
    scale: Scale | None = None
    times: list[StageTime] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    def stage(self, name: str, action: Callable[[], T], note: Callable[[T], str] | None = None) -> T:
        """Run one stage, timed and logged."""
        from runner.processes import raise_if_stopped

        raise_if_stopped()  # a checkpoint: a stop that came between stages ends the job here
        log.info("=== stage: %s ===", name)
        start = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - start
        self.times.append(StageTime(name, seconds, note(result) if note else ""))
        log.info("=== %s done in %s ===", name, duration(seconds))
        return result

    def run(self) -> str:
        """Every stage, from the raw files to the submission; returns the summary."""
        from runner.locks import database_lock
        from runner.profile import print_profile

        # the whole job holds the database: a second `run` (or a `build`) stops at once instead of rebuilding the
        # exports under this one's training
        with database_lock():
            edition = self.stage("data", lambda: data.ensure_raw_data(
                self.raw_dir, users=self.users, seed=self.generator_seed, edition=self.edition),
                lambda edition: f"{edition} edition")
            self.scale = pick_scale(self.scale_name, self.raw_dir)
            candidates = self.retrieve(edition) if self.retrieval is not None else None
            self.stage("dbt build", lambda: build.build_unless_current(self.raw_dir, edition, self.scale, candidates),
                       lambda built: "" if built else "reused")
            self.stage("profile", print_profile)
            self.run_model()
        return self.summary()

    def retrieve(self, edition: str) -> retrieval.Candidates:
        """The recall stage: the retrieval exports, then every cutoff's retrieved pairs (finished steps reused)."""
        from runner.experiment_configs.experiment import missing_config_message, resolve_config
        from runner.tzrec.runfolder import RunFolder

        assert self.retrieval is not None and self.scale is not None
        if self.retrieval_top_n < 1:
            raise ValueError(f"--retrieval-top-n {self.retrieval_top_n}: give 1 or more retrieved items per user "
                             "(leave --retrieval out to run without retrieval)")
        config = resolve_config(str(self.retrieval), root=PROJECT_ROOT)
        if not config.is_file():
            raise FileNotFoundError(f"--retrieval: {missing_config_message(config)}")
        self.stage("retrieval exports",
                   lambda: build.retrieval_exports_unless_current(self.raw_dir, edition, self.scale),
                   lambda built: "" if built else "reused")
        command = retrieval.retrieve_command(config, self.retrieval_top_n, PROCESSED_DIR, self.outputs_dir,
                                             self.tzrec_python)
        self.stage("retrieve", lambda: retrieval.retrieve(command))
        candidates = retrieval.Candidates(RunFolder.for_config(config, self.outputs_dir).root, self.retrieval_top_n)
        self.results["candidates"] = f"touched pairs + the top {self.retrieval_top_n} of {shown(candidates.run)}"
        return candidates

    def run_model(self) -> None:
        """train -> export -> predict (tzrec) -> score -> submit, for the production config."""
        from runner.tzrec.config import train_export_of
        from runner.tzrec.runfolder import RunFolder
        from runner.tzrec.steps import RunOptions, run_command

        config = self.config or default_production_config()
        self.config = config
        training = (self.scale or Scale.read("default")).training
        if self.model_seeds is None:
            self.model_seeds = training.model_seeds or DEFAULT_MODEL_SEEDS
        trained_on = (f"{shown(PROCESSED_DIR / training.train_export)}, the {self.scale.name} scale's training export"
                      if training.train_export and self.scale else
                      f"{shown(PROCESSED_DIR / train_export_of(config))}, the export its train_input_path names")
        predicted = [EVAL_EXPORT, PREDICT_EXPORT] + ([VALIDATION_EXPORT] if training.predict_validation else [])
        log.info("model: %s (trains on %s; training evaluates on %s; predictions of %s)", shown(config), trained_on,
                 shown(VALIDATION_EXPORT), ", ".join(shown(path) for path in predicted))
        if not self.model_seeds:
            raise ValueError("--model-seeds needs at least one seed")
        several = len(self.model_seeds) > 1

        def reused(outcomes: list[Any]) -> str:
            return "" if any(o.ran for o in outcomes) else "reused"

        members = []
        self.results["validation_aucs"] = []
        for seed in self.model_seeds:
            outputs_dir = self._seed_outputs(seed)
            options = RunOptions.from_exports(config, PROCESSED_DIR, outputs_dir=outputs_dir, nproc=self.nproc,
                                              seed=seed, tzrec_python=self.tzrec_python)
            if training.train_export:
                options = replace(options, train_data=PROCESSED_DIR / training.train_export)
            if not training.predict_validation:
                options = replace(options, predict_validation_data=None)
            for step in ("train", "export", "predict"):
                name = f"{step} (seed {seed})" if several else step
                outcomes = self.stage(name, lambda step=step, options=options: run_command(step, options), reused)
                self.results[step] = {o.step: o.record for o in outcomes}
            # the exported checkpoint's score: the best one when the config exports its best checkpoint
            exported = self.results["export"].get("export", {}).get("checkpoint_metric")
            auc = (exported or self.results["train"].get("train", {}).get("metrics") or {}).get("auc")
            self.results["validation_aucs"].append(auc)
            members.append(RunFolder.for_config(config, outputs_dir).root)
        run_dir = RunFolder.for_config(config, self.outputs_dir).root
        if several:
            from runner.ensemble import average_runs

            info = {"stage": "production" if config.stem.startswith("production_") else "staging",
                    "model": f"{config.stem}, mean of model seeds {', '.join(map(str, self.model_seeds))}"}
            self.stage("average seeds", lambda: average_runs(members, run_dir, info))
        if self.blend_gbdt:
            run_dir = self.blend_with_gbdt(run_dir)
        self.results["run_dir"] = run_dir
        scale_vars = scoring_vars(self.scale) if self.scale else {}
        self.results["score"] = self.stage("score", lambda: score.score_and_record(
            run_dir, self.raw_dir, self.experiments or EXPERIMENTS_CSV, notes=self._notes(),
            scoring_vars=scale_vars or None, build_vars=self.scale.dbt_vars if self.scale else None))
        self.results["submission"] = self.stage("submit", lambda: submit.submit_run(run_dir))

    def blend_with_gbdt(self, tzrec_run: Path) -> Path:
        """The GBDT reference, one LightGBM run per model seed (their mean logit when several), blended with the
        tzrec run by the mean logit into outputs/<stem>_gbdt_blend/, the run then scored and submitted. A GBDT run
        written after every export it reads is reused (runner.baselines.gbdt.is_current)."""
        from runner.baselines.gbdt import GbdtParams, is_current, train_gbdt
        from runner.ensemble import average_runs

        members = []
        for seed in self.model_seeds:
            outputs_dir = self._seed_outputs(seed)
            run_dir = outputs_dir / GBDT_RUN_NAME
            name = f"gbdt (seed {seed})" if len(self.model_seeds) > 1 else "gbdt"
            if is_current(run_dir, PROCESSED_DIR):
                log.info("%s: reusing %s (written after every export it reads)", name, shown(run_dir))
            else:
                self.stage(name, lambda seed=seed, outputs_dir=outputs_dir: train_gbdt(
                    GBDT_RUN_NAME, GbdtParams(seed=seed), processed_dir=PROCESSED_DIR, outputs_dir=outputs_dir))
            members.append(run_dir)
        gbdt = self.outputs_dir / GBDT_RUN_NAME
        if len(members) > 1:
            seeds = ", ".join(map(str, self.model_seeds))
            self.stage("average gbdt seeds", lambda: average_runs(members, gbdt, {
                "stage": "reference", "model": f"{GBDT_RUN_NAME}, mean of LightGBM seeds {seeds}"}))
        blend = self.outputs_dir / f"{tzrec_run.name}{BLEND_SUFFIX}"
        self.stage("blend", lambda: average_runs([gbdt, tzrec_run], blend, {
            "stage": "production", "model": f"mean logit of {GBDT_RUN_NAME} and {tzrec_run.name}"}))
        self.results["blended"] = (gbdt, tzrec_run)
        return blend

    def _notes(self) -> str:
        """The experiments row's notes: the main job, and the candidates when retrieval joined them."""
        candidates = self.results.get("candidates")
        return "main job (python -m runner run)" + (f"; candidates: {candidates}" if candidates else "")

    def _seed_outputs(self, seed: int) -> Path:
        """Where a model seed's runs go: outputs/model_seeds/m<S>/ when there are several seeds, else outputs/."""
        return self.outputs_dir / "model_seeds" / f"m{seed}" if len(self.model_seeds) > 1 else self.outputs_dir

    def _tzrec_logs(self, run_dir: Path) -> str:
        """Where the tzrec steps logged: the run itself, or each model seed's run when the submitted run is an
        average (or a blend) that no tzrec step wrote."""
        tzrec_run = self.results["blended"][1] if "blended" in self.results else run_dir
        if len(self.model_seeds) > 1:
            seeds = ",".join(map(str, self.model_seeds))
            return f"{shown(self.outputs_dir / 'model_seeds')}/m{{{seeds}}}/{tzrec_run.name}/logs/"
        return f"{shown(tzrec_run / 'logs')}/"

    def summary(self) -> str:
        """What the job produced, where it went and how long each stage took."""
        lines = ["", "=" * 30 + " main job summary " + "=" * 30]
        run_dir: Path | None = self.results.get("run_dir")
        outcome = self.results.get("score")
        if run_dir is not None and outcome is not None:
            report = outcome.report
            point, board = report.point, report.leaderboard
            submission = self.results.get("submission")
            aucs = [auc for auc in self.results.get("validation_aucs", []) if isinstance(auc, float)]
            trained = f"; validation AUC {' / '.join(f'{auc:.4f}' for auc in aucs)}" if aucs else ""
            if len(self.model_seeds) > 1:
                trained += f" (model seeds {', '.join(map(str, self.model_seeds))}, logits averaged)"
            lines.append(f"model        {shown(self.config)} -> {shown(run_dir)}{trained}")
            if "candidates" in self.results:
                lines.append(f"candidates   {self.results['candidates']}")
            if "blended" in self.results:
                gbdt, tzrec_run = self.results["blended"]
                lines.append(f"             submitted: the blend (mean logit) of {shown(tzrec_run)} and the GBDT "
                             f"{shown(gbdt)}")
            lines.append(f"eval day     F1 {point.eval_f1:.4f} (precision {point.eval_precision or 0:.4f}, recall "
                         f"{point.eval_recall or 0:.4f}, {point.eval_predicted_pairs:,} pairs, {point.eval_hits} hits "
                         f"of {point.eval_true_pairs:,} true pairs)")
            lines.append(f"             operating point {point.describe()}")
            best_threshold, best_top_k = report.best("threshold"), report.best("top_k")
            lines.append(f"             best threshold {best_threshold.setting}: F1 {best_threshold.f1:.4f}; "
                         f"best top-K {best_top_k.setting}: F1 {best_top_k.f1:.4f}")
            if "eval" in report.cart_rule:
                lines.append(f"             cart rule F1 {report.cart_rule['eval'].f1:.4f}")
            if board.has_answers:
                lines.append(f"{board.label_date!s:<12} leaderboard F1 {board.f1:.4f} (precision "
                             f"{board.precision:.4f}, recall {board.recall:.4f}, {board.submitted_pairs:,} pairs, "
                             f"{board.hits} hits of {board.true_pairs:,} true pairs)")
                if board.cart_rule_f1 is not None:
                    lines.append(f"             cart rule F1 {board.cart_rule_f1:.4f} "
                                 f"({board.cart_rule_pairs:,} pairs)")
                if report.oracle:
                    lines.append(f"             oracle bound F1 {report.oracle.expected_f1:.4f} expected, "
                                 f"{report.oracle.observed_f1:.4f} observed ({report.oracle.pairs_submitted:,} pairs)")
                    if submission is not None:
                        from runner.oracle import overlap_summary

                        lines.append("             " + overlap_summary(self.raw_dir, submission.path))
            else:
                lines.append(f"{board.label_date!s:<12} {report.no_answers_reason}: "
                             f"{board.submitted_pairs:,} pairs submitted")
            if submission is not None:
                lines.append(f"files        submission  {shown(submission.path)} ({submission.pairs:,} pairs)")
            lines.append(f"             predictions {shown(run_dir / 'predictions')}/{{eval,predict,validation}}/")
            lines.append(f"             plot        {shown(outcome.plot)}")
            lines.append(f"             experiments {shown(outcome.experiments)} (row appended)")
            lines.append(f"             tzrec logs  {self._tzrec_logs(run_dir)}")
        total = sum(t.seconds for t in self.times)
        stages = ", ".join(f"{t.name} {duration(t.seconds)}" + (f" ({t.note})" if t.note else "") for t in self.times)
        lines.append(f"time         {stages}; total {duration(total)}")
        return "\n".join(lines)
