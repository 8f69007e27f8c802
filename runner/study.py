"""The multi-seed study behind docs/results/<study>.md: every model of a study file on several generated months.

A study file (configs/studies/*.yml) names the generator seeds, the models and the model seeds:

    generator_seeds: [20141219, 7, 42]     # one generated month each (20,000 users)
    model_seeds: [1, 2, 3]                 # every tzrec config is trained once per model seed
    gbdt: {name: gbdt_v1, seeds: [1, 2]}   # the reference (python -m runner baseline gbdt); with seeds,
                                           # the mean of one run per LightGBM seed
    tzrec: [configs/experiments/stage2_deepfm_v3.yml, ...]   # experiment files (or names, or whole configs)
    ensembles: {name: [config stem, ...]}  # mean logit of the seed-averaged runs of those configs (with
                                           # one model seed: of that seed's runs, in m<S>/<name>)
    blends: {name: [gbdt_v1, config stem, ...]}  # the same with the GBDT reference among the members:
                                           # reported beside the tzrec models, never judged as one
    variant: negative_keep_1               # optional, with dbt_vars: the same months built with
    dbt_vars: {negative_keep_rate: 1.0}    # other dbt vars (or {}: the same), in folders of their own
    retrieval: {config: stage1_dssm_v1}    # optional, in a variant with dbt var retrieval_candidate_top_n: the
                                           # two-tower experiment whose retrieved pairs join each month's candidates
    control: configs/studies/touched_3d.yml  # optional: the study (same months) the report compares with, model
                                           # by model: treatment - control (runner.report.against_control)

Per generator seed G the study works in a workspace (data/ for the default seed, data/seed_G/
otherwise: raw/, processed/, tianchi.duckdb) and writes its runs under outputs/study/seed_G/:

    m<S>/<config stem>/      one tzrec run per model seed S
    mean/<config stem>/      the mean logit of a config's model-seed runs (the "average several seeds" lever)
    mean/<ensemble name>/    the mean logit of several configs' seed-averaged runs
    m<S>/<ensemble name>/    in a study of one model seed S (a screen), the mean logit of that seed's runs,
                             scored as the ensemble's one model seed
    mean/<blend name>/       the mean logit of the GBDT reference and tzrec seed averages
    gbdt_v1/                 the GBDT reference (without gbdt seeds: one run, LightGBM's default seed)
    m<S>/gbdt_v1/, mean/gbdt_v1/   with gbdt seeds: one GBDT run per seed S, and their mean (the reference)

Every run is scored once per operating-point rule (RULES; docs/guide/evaluation.md#the-operating-point)
through the dbt scoring models and summarised in <run>/study_score.json, which `python -m runner report`
reads; its row (first rule) is appended to docs/experiments.csv. A score file that lacks a rule added since
gains it, and nothing else changes.
Each step is skipped when its outputs exist, so an interrupted study resumes where it stopped (an
average written with another combine rule than ENSEMBLE_COMBINE is written again, and rescored).

A variant study (`variant` and `dbt_vars`) reads the same generated months (the base workspace's
raw/) but builds its own database and exports under data/variants/<variant>/seed_G/ with its dbt
vars, and writes its runs under outputs/study_variants/<variant>/seed_G/, so it never mixes with
the base study's runs or its results page.

With `retrieval` (a variant whose dbt_vars set retrieval_candidate_top_n), each month's candidates join the
retrieved pairs of that two-tower experiment retrained on the month's own exports: the month is first built
without them (the retrieval exports, the out-of-fold ones among them), then `python -m runner retrieve --splits train
eval predict --top-n N` writes outputs/study_variants/<variant>/seed_G/retrieval/<experiment>/ (finished steps
reused), and the month is built again with var retrieval_candidate_runs naming that folder (the study sets it).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runner import atomic, processes
from runner.database import connect_read_only
from runner.defaults import DEFAULT_GENERATOR_SEED, DEFAULT_USERS
from runner.experiment_configs.experiment import missing_config_message, resolve_config
from runner.paths import (
    DATA_DIR,
    GBDT_RUN_NAME,
    OUTPUTS_DIR,
    PREDICTION_SETS,
    PROJECT_ROOT,
    VALIDATION_SET,
    prediction_files,
    shown,
)
from runner.pipeline.retrieval import RETRIEVAL_RUNS_VAR, RETRIEVAL_TOP_N_VAR, Candidates
from runner.tzrec.config import train_export_of

log = logging.getLogger("runner.study")

STUDY_OUTPUTS = OUTPUTS_DIR / "study"
VARIANT_OUTPUTS = OUTPUTS_DIR / "study_variants"
VARIANT_DATA = DATA_DIR / "variants"
SCORE_FILE = "study_score.json"
SUBMISSION_FILE = "submission.tsv"  # the run's 12-19 submission under the default rule (dbt's `submission`)
ENSEMBLE_COMBINE = "logit"  # how seed averages and ensembles combine their members (runner/ensemble.py)
BLEND_KIND = "tzrec_gbdt_blend"  # a score record's kind for a blend: the report never judges it as a tzrec model
# The rules every run is scored under (dbt var operating_point_rule): the default first, then the others.
RULES = ("top_k_share_smoothed", "top_k_share", "expected_f1", "expected_f1_platt", "top_k_share_pooled")
POOLED_RULE = "top_k_share_pooled"  # scored only where the run has predictions/validation/ (rules_for)
# The exports every run needs; a month's build is also checked for the training exports its tzrec configs
# name (train_all_negatives.parquet), so a month built before that export existed is only rebuilt for a
# study that reads it.
EXPORTS = ("train", "validation", "eval", "predict", "id_buckets")


class StudyError(ValueError):
    pass


def outputs_root(variant: str | None) -> Path:
    """Where a study's runs and scores go: outputs/study/ for the base study, its own folder for a variant."""
    return STUDY_OUTPUTS if variant is None else VARIANT_OUTPUTS / variant


@dataclass(frozen=True)
class Study:
    """A parsed study file."""

    source: Path
    generator_seeds: list[int]
    users: int
    model_seeds: list[int]
    gbdt_name: str | None
    tzrec: list[Path]
    gbdt_seeds: list[int] = field(default_factory=list)  # LightGBM seeds; [] = one run with its default seed
    ensembles: dict[str, list[str]] = field(default_factory=dict)
    blends: dict[str, list[str]] = field(default_factory=dict)
    variant: str | None = None
    dbt_vars: dict[str, Any] = field(default_factory=dict)
    retrieval: Path | None = None  # the two-tower experiment retrained on each month for retrieval candidates
    control: Path | None = None  # the study file whose runs the report compares this one's with

    @property
    def outputs_root(self) -> Path:
        return outputs_root(self.variant)

    @property
    def train_exports(self) -> tuple[str, ...]:
        """The training exports (file names) the study's tzrec configs train on."""
        return tuple(sorted({train_export_of(config) for config in self.tzrec}))

    def workspace(self, generator_seed: int) -> Workspace:
        return Workspace(generator_seed, self.variant, tuple(sorted(self.dbt_vars.items())), self.retrieval)

    @classmethod
    def read(cls, path: Path) -> Study:
        try:
            spec = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as error:
            raise StudyError(f"cannot read the study file {path}: {error}") from error
        if not isinstance(spec, dict):
            raise StudyError(f"{path}: a study file is a mapping (generator_seeds, model_seeds, gbdt, tzrec)")
        unknown = set(spec) - {"generator_seeds", "users", "model_seeds", "gbdt", "tzrec", "ensembles",
                               "blends", "variant", "dbt_vars", "retrieval", "control"}
        if unknown:
            raise StudyError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
        variant = spec.get("variant")
        dbt_vars = spec.get("dbt_vars") or {}
        if not isinstance(dbt_vars, dict):
            raise StudyError(f"{path}: dbt_vars is a mapping of dbt var names to values, e.g. "
                             "{negative_keep_rate: 1.0}")
        # `dbt_vars: {}` is allowed, written out: the same vars, built apart (e.g. exports with a column
        # the base study's exports, built before it existed, lack; rebuilding those retrains every run)
        if bool(variant) != ("dbt_vars" in spec):
            raise StudyError(f"{path}: a variant study needs both a variant name and dbt_vars (the base study "
                             "has neither): its months are built with those vars in folders of their own "
                             "(`dbt_vars: {}` builds them with the project's own vars)")
        if variant is not None and not re.fullmatch(r"[a-z0-9_]+", str(variant)):
            raise StudyError(f"{path}: variant {variant!r} names folders: use lower-case letters, digits and _")
        reserved = set(Workspace(DEFAULT_GENERATOR_SEED).dbt_vars())
        if reserved & set(dbt_vars):
            raise StudyError(f"{path}: dbt_vars may not set {', '.join(sorted(reserved & set(dbt_vars)))}: the "
                             "study sets them for each month")
        retrieval = _retrieval_config(path, spec.get("retrieval"), variant, dbt_vars)
        configs = [resolve_config(c, root=PROJECT_ROOT) for c in spec.get("tzrec", [])]
        for config in configs:
            if not config.is_file():
                raise StudyError(f"{path}: tzrec: {missing_config_message(config)}")
        stems = {config.stem for config in configs}
        ensembles = {str(k): [str(m) for m in v] for k, v in (spec.get("ensembles") or {}).items()}
        for name, members in ensembles.items():
            missing = [m for m in members if m not in stems]
            if missing or len(members) < 2:
                raise StudyError(f"{path}: ensemble {name} needs two or more of the study's tzrec configs "
                                 f"(unknown: {', '.join(missing) or 'none'})")
        gbdt = spec.get("gbdt")
        if gbdt is not None and (not isinstance(gbdt, dict) or set(gbdt) - {"name", "seeds"}):
            raise StudyError(f"{path}: gbdt is a mapping with `name` and optional `seeds`, e.g. "
                             "{name: gbdt_v1, seeds: [1, 2, 3]}")
        gbdt_seeds = [int(s) for s in (gbdt or {}).get("seeds") or []]
        if len(gbdt_seeds) == 1:
            raise StudyError(f"{path}: gbdt seeds average two or more LightGBM seeds; for one run leave `seeds` out")
        gbdt_name = (gbdt or {}).get("name", GBDT_RUN_NAME) if gbdt is not None else None
        blends = {str(k): [str(m) for m in v] for k, v in (spec.get("blends") or {}).items()}
        for name, members in blends.items():
            unknown_members = [m for m in members if m not in stems and m != gbdt_name]
            if unknown_members or gbdt_name not in members or not stems & set(members):
                unknown_text = ", ".join(unknown_members) or "none"
                raise StudyError(f"{path}: blend {name} needs the study's GBDT ({gbdt_name or 'none: add `gbdt`'}) "
                                 f"and one or more of its tzrec configs (unknown: {unknown_text})")
        return cls(
            source=path,
            generator_seeds=[int(s) for s in spec.get("generator_seeds", [DEFAULT_GENERATOR_SEED])],
            users=int(spec.get("users", DEFAULT_USERS)),
            model_seeds=[int(s) for s in spec.get("model_seeds", [1])],
            gbdt_name=gbdt_name,
            gbdt_seeds=gbdt_seeds,
            tzrec=configs,
            ensembles=ensembles,
            blends=blends,
            variant=str(variant) if variant else None,
            dbt_vars={str(k): v for k, v in dbt_vars.items()},
            retrieval=retrieval,
            control=_control(path, spec.get("control")),
        )


def _control(path: Path, control: Any) -> Path | None:
    """A study file's `control`: another study file (a path from the project root), which exists."""
    if control is None:
        return None
    found = PROJECT_ROOT / str(control)
    if not found.is_file() or found.resolve() == path.resolve():
        raise StudyError(f"{path}: control {control!r} is not another study file (a path from the project root, "
                         "e.g. configs/studies/touched_3d.yml)")
    return found


def _retrieval_config(path: Path, retrieval: Any, variant: Any, dbt_vars: dict[str, Any]) -> Path | None:
    """A study file's `retrieval: {config: <two-tower experiment>}`, checked: a variant's, whose dbt_vars set
    retrieval_candidate_top_n above 0 and leave retrieval_candidate_runs to the study."""
    if retrieval is None:
        return None
    if not isinstance(retrieval, dict) or set(retrieval) != {"config"}:
        raise StudyError(f"{path}: retrieval is a mapping with `config`, the two-tower experiment retrained on each "
                         "month, e.g. {config: stage1_dssm_v1}")
    top_n = dbt_vars.get(RETRIEVAL_TOP_N_VAR)
    if not variant or isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise StudyError(f"{path}: retrieval needs a variant whose dbt_vars set {RETRIEVAL_TOP_N_VAR} (the "
                         "retrieved items per user joined to the candidates), e.g. {retrieval_candidate_top_n: 10}")
    if RETRIEVAL_RUNS_VAR in dbt_vars:
        raise StudyError(f"{path}: with retrieval, the study sets {RETRIEVAL_RUNS_VAR} for each month (its own "
                         "retrieval run folder): leave it out of dbt_vars")
    config = resolve_config(str(retrieval["config"]), root=PROJECT_ROOT)
    if not config.is_file():
        raise StudyError(f"{path}: retrieval: {missing_config_message(config)}")
    return config


@dataclass(frozen=True)
class Workspace:
    """One generated month and everything dbt makes of it (with a variant's dbt vars, in its own folder)."""

    generator_seed: int
    variant: str | None = None
    extra_vars: tuple[tuple[str, Any], ...] = ()
    retrieval: Path | None = None  # the two-tower experiment whose retrieved pairs join the candidates

    @property
    def month(self) -> Path:
        """The generated month's folder (its raw/ is shared by every variant)."""
        return DATA_DIR if self.generator_seed == DEFAULT_GENERATOR_SEED else DATA_DIR / f"seed_{self.generator_seed}"

    @property
    def root(self) -> Path:
        return self.month if self.variant is None else VARIANT_DATA / self.variant / f"seed_{self.generator_seed}"

    @property
    def raw(self) -> Path:
        return self.month / "raw"

    @property
    def processed(self) -> Path:
        return self.root / "processed"

    @property
    def database(self) -> Path:
        return self.root / "tianchi.duckdb"

    @property
    def answers(self) -> Path:
        return self.raw / "answers" / "answers_20141219.txt"

    @property
    def outputs(self) -> Path:
        return outputs_root(self.variant) / f"seed_{self.generator_seed}"

    @property
    def retrieval_run(self) -> Path | None:
        """The month's retrieval run folder (`retrieve --outputs <outputs>/retrieval`), with `retrieval`."""
        return None if self.retrieval is None else self.outputs / "retrieval" / self.retrieval.stem

    @property
    def candidates(self) -> Candidates | None:
        """The retrieved pairs the month's candidates join, with `retrieval`: the run folder's top N."""
        if self.retrieval_run is None:
            return None
        return Candidates(self.retrieval_run, int(dict(self.extra_vars)[RETRIEVAL_TOP_N_VAR]))

    def dbt_vars(self) -> dict[str, Any]:
        found = {**dict(self.extra_vars), "raw_dir": shown(self.raw), "processed_dir": shown(self.processed),
                 "answers_path": shown(self.answers)}
        candidates = self.candidates
        if candidates is not None:
            found.update(candidates.dbt_vars())
        return found

    @contextmanager
    def active(self) -> Iterator[None]:
        """Point dbt (profiles.yml) and the scoring readers at this workspace's database."""
        before = os.environ.get("TIANCHI_DUCKDB_PATH")
        os.environ["TIANCHI_DUCKDB_PATH"] = shown(self.database)
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("TIANCHI_DUCKDB_PATH", None)
            else:
                os.environ["TIANCHI_DUCKDB_PATH"] = before


# ---- data ----------------------------------------------------------------------------------------


def ensure_generated(workspace: Workspace, users: int) -> None:
    """Generate the month if its answers are missing."""
    from runner.synthetic import generate

    if not workspace.answers.exists():
        log.info("seed %s: generating %s users into %s", workspace.generator_seed, f"{users:,}", shown(workspace.raw))
        generate(workspace.raw, n_users=users, seed=workspace.generator_seed, progress=False)


def ensure_month(workspace: Workspace, users: int, train_exports: tuple[str, ...] = ()) -> None:
    """Generate the month if its answers are missing; dbt build if an export it needs (EXPORTS and the file
    names in train_exports) is missing or older than the raw files (or than the retrieved pairs its candidates
    join, with a retrieval run)."""
    from runner.dbt import run_dbt
    from runner.locks import database_lock

    ensure_generated(workspace, users)
    raw_time = max(p.stat().st_mtime for p in workspace.raw.glob("*.txt"))
    candidates = workspace.candidates
    if candidates is not None:
        raw_time = max([raw_time, *(p.stat().st_mtime for p in candidates.files())])
    needed = {f"{name}.parquet" for name in EXPORTS} | set(train_exports)
    exports = [workspace.processed / name for name in sorted(needed)]
    if all(p.exists() and p.stat().st_mtime > raw_time for p in exports) and workspace.database.exists():
        log.info("seed %s: exports in %s are up to date", workspace.generator_seed, shown(workspace.processed))
        return
    workspace.processed.mkdir(parents=True, exist_ok=True)
    log.info("seed %s: dbt build into %s", workspace.generator_seed, shown(workspace.database))
    with workspace.active(), database_lock():  # one build into the month's database at a time
        run_dbt(["build"], dbt_vars=workspace.dbt_vars())


def retrieve_month(workspace: Workspace, users: int) -> Path:
    """The month's retrieved pairs for its candidates (a study with `retrieval`): the retrieval exports (the
    out-of-fold ones among them) and id buckets built without retrieval candidates, where missing or older than the
    raw files, then `python -m runner retrieve --splits train eval predict --top-n N` in a child process (its
    finished steps reused; runner.pipeline.retrieval). Returns the retrieval run folder."""
    from runner.locks import database_lock
    from runner.pipeline.retrieval import build_retrieval_exports, candidate_splits, retrieve, retrieve_command
    from runner.retrieval.session import needed_exports

    candidates = workspace.candidates
    assert workspace.retrieval is not None and candidates is not None
    ensure_generated(workspace, users)
    raw_time = max(p.stat().st_mtime for p in workspace.raw.glob("*.txt"))
    needed = [*needed_exports(workspace.processed, candidate_splits()), workspace.processed / "id_buckets.parquet"]
    if not all(p.exists() and p.stat().st_mtime > raw_time for p in needed):
        workspace.processed.mkdir(parents=True, exist_ok=True)
        log.info("seed %s: dbt build of the retrieval exports into %s", workspace.generator_seed,
                 shown(workspace.processed))
        with workspace.active(), database_lock():
            build_retrieval_exports(workspace.dbt_vars())
    with workspace.active():
        retrieve(retrieve_command(workspace.retrieval, candidates.top_n, workspace.processed, candidates.run.parent))
    return candidates.run


# ---- models --------------------------------------------------------------------------------------


def run_gbdt(workspace: Workspace, name: str, seed: int | None = None) -> Path:
    """The GBDT reference in a child process (so its peak memory is its own): outputs/.../<name>/ with
    LightGBM's default seed, or m<seed>/<name>/ with that seed (the GBDT's own "model seed")."""
    outputs = workspace.outputs if seed is None else workspace.outputs / f"m{seed}"
    run_dir = outputs / name
    if (run_dir / "run.json").exists() and _has_predictions(run_dir):
        from runner.baselines.gbdt import missing_splits, predict_missing_splits

        missing = missing_splits(run_dir)
        if missing:  # trained before a split (validation) was predicted: predict it from model.txt, no retraining
            log.info("seed %s: %s lacks the %s predictions: predicting them from its model.txt",
                     workspace.generator_seed, shown(run_dir), ", ".join(missing))
            predict_missing_splits(run_dir, workspace.processed)
        return run_dir
    command = [sys.executable, "-m", "runner", "baseline", "gbdt", "--name", name,
               "--processed-dir", str(workspace.processed), "--outputs", str(outputs)]
    if seed is not None:
        command += ["--seed", str(seed)]
    log.info("seed %s: %s", workspace.generator_seed, " ".join(command[1:]))
    completed = processes.run(command, f"GBDT {name} (python -m runner baseline gbdt)", cwd=PROJECT_ROOT)
    if completed.returncode != 0:
        raise RuntimeError(f"`{' '.join(command[1:])}` failed (exit {completed.returncode}); see its output above")
    return run_dir


def run_tzrec(workspace: Workspace, config: Path, model_seed: int) -> Path:
    """Train, export and predict one config with one model seed (finished steps are reused)."""
    from runner.tzrec.steps import RunOptions, run_command

    options = RunOptions.from_exports(config, workspace.processed, outputs_dir=workspace.outputs / f"m{model_seed}",
                                      seed=model_seed)
    for step in ("train", "export", "predict"):
        run_command(step, options)
    return options.outputs_dir / config.stem


def average(workspace: Workspace, name: str, members: list[Path], folder: str = "mean") -> Path:
    from runner.ensemble import average_runs, average_split

    out = workspace.outputs / folder / name
    newest = max(_file_times(m, PREDICTION_SETS)[1] for m in members)
    up_to_date = _has_predictions(out) and _file_times(out, PREDICTION_SETS)[0] > newest
    if up_to_date and _combined_by(out) == ENSEMBLE_COMBINE:
        # up to date, unless every member has since predicted a split the average lacks (validation): average
        # that split alone, so the eval and predict files, and the scores made from them, stay as they are
        added = set.intersection(*(_prediction_splits(m) for m in members)) - _prediction_splits(out)
        for split in sorted(added):
            log.info("%s: averaging the members' %s predictions", shown(out), split)
            average_split(members, out, split, combine=ENSEMBLE_COMBINE)
        return out
    return average_runs(members, out, combine=ENSEMBLE_COMBINE)


def _combined_by(run_dir: Path) -> str:
    """The combine rule an averaged run was written with (runs from before the rule was recorded: probability)."""
    try:
        return str(json.loads((run_dir / "run_info.json").read_text()).get("combine", "probability"))
    except (OSError, ValueError):
        return "probability"


def _has_predictions(run_dir: Path) -> bool:
    return all(prediction_files(run_dir, split) for split in PREDICTION_SETS)


def _prediction_splits(run_dir: Path) -> set[str]:
    """The sets a run has predictions of."""
    return {split for split in (*PREDICTION_SETS, VALIDATION_SET) if prediction_files(run_dir, split)}


def _file_times(run_dir: Path, splits: tuple[str, ...]) -> tuple[float, float]:
    """The oldest and the newest modification time of the run's prediction files of these sets ((0, 0): none)."""
    times = [p.stat().st_mtime for split in splits for p in prediction_files(run_dir, split)]
    return (min(times), max(times)) if times else (0.0, 0.0)


# ---- scoring -------------------------------------------------------------------------------------


def score(workspace: Workspace, run_dir: Path, kind: dict[str, Any]) -> dict[str, Any]:
    """Score a run under each rule and write <run>/study_score.json (skipped when newer than the predictions)."""
    from runner.submission import write_submission

    path = run_dir / SCORE_FILE
    rules = rules_for(run_dir)
    # the validation predictions feed POOLED_RULE only: written after the score file, they rescore that rule alone
    if path.exists() and path.stat().st_mtime > _file_times(run_dir, PREDICTION_SETS)[1]:
        record = json.loads(path.read_text())
        if _file_times(run_dir, (VALIDATION_SET,))[1] > path.stat().st_mtime:
            record.pop(POOLED_RULE, None)
        missing = [rule for rule in rules if rule not in record]
        if missing or "eval_auc" not in record or not (run_dir / SUBMISSION_FILE).is_file():
            # scored before a rule, eval_ranking_auc or the kept submission existed: add them, change nothing
            # else; the default rule last, so that the database and the kept submission are its
            with workspace.active():
                for rule in sorted(missing, key=lambda r: r == RULES[0]):
                    record[rule] = _score_rule(workspace, run_dir, rule)[0]
            if RULES[0] in missing:
                write_submission(run_dir / SUBMISSION_FILE, workspace.database)
                record["eval_auc"] = record.get("eval_auc") or _read_eval_auc(workspace)
            else:
                record["eval_auc"] = _complete(workspace, run_dir)
            atomic.write_text(path, json.dumps(record, indent=2, default=str) + "\n")
            if missing:
                log.info("scored %s under %s too", shown(run_dir), ", ".join(missing))
        return record
    record: dict[str, Any] = {"generator_seed": workspace.generator_seed, "run": shown(run_dir), **kind,
                              **_cost(run_dir)}
    from runner.experiments import EXPERIMENTS_CSV, append_experiment, describe_run, experiment_row

    with workspace.active():
        for rule in reversed(rules):  # the default rule last: the database keeps its scoring for `submit`
            record[rule], report = _score_rule(workspace, run_dir, rule)
        record["cart_rule"] = {dataset: rule.f1 for dataset, rule in report.cart_rule.items()}
        record["oracle"] = ({"expected_f1": report.oracle.expected_f1, "observed_f1": report.oracle.observed_f1}
                            if report.oracle else None)
        record["candidate_recall"] = _candidate_recall(workspace.database)
        record["eval_auc"] = report.eval_auc
        write_submission(run_dir / SUBMISSION_FILE, workspace.database)  # the default rule's, for the bootstrap
    atomic.write_text(path, json.dumps(record, indent=2, default=str) + "\n")
    seed_note = f", model seed {kind['model_seed']}" if "model_seed" in kind else ""
    append_experiment(experiment_row(report, describe_run(run_dir),
                                     notes=f"study {shown(workspace.outputs)}, generator seed "
                                           f"{workspace.generator_seed}{seed_note}"), EXPERIMENTS_CSV)
    log.info(scored_message(shown(run_dir), record))
    return record


def scored_message(run: str, record: dict[str, Any]) -> str:
    """The log line of a newly scored run: its eval-day figures only. A study's choices are made on the eval
    day, so the 12-19 F1 waits in the score file for `report` rather than being seen while a screen runs."""
    auc = record.get("eval_auc")
    return (f"scored {run}: eval F1 {record[RULES[0]]['eval_f1']:.4f} ({RULES[0]})"
            + (f", eval AUC {auc:.4f}" if auc is not None else "")
            + "; its 12-19 F1 is held back for `python -m runner report`")


def rules_for(run_dir: Path) -> list[str]:
    """The RULES a run can be scored under: POOLED_RULE needs its validation users' predictions, which runs
    from before them lack (the report shows such a rule as not scored)."""
    return [rule for rule in RULES if rule != POOLED_RULE or prediction_files(run_dir, VALIDATION_SET)]


def _score_rule(workspace: Workspace, run_dir: Path, rule: str) -> tuple[dict[str, Any], Any]:
    """Score the run under one operating-point rule (inside workspace.active()): its summary and dbt's report."""
    from runner.scoring import build_scoring_models, read_report

    build_scoring_models(run_dir, extra_vars={"operating_point_rule": rule})
    report = read_report(run_dir, workspace.raw)
    point, board = report.point, report.leaderboard
    summary = {
        "eval_f1": point.eval_f1, "eval_precision": point.eval_precision, "eval_recall": point.eval_recall,
        "eval_pairs": point.eval_predicted_pairs, "top_k_share": point.top_k_share,
        "predict_f1": board.f1, "predict_precision": board.precision, "predict_recall": board.recall,
        "predict_pairs": board.submitted_pairs,
    }
    return summary, report


def _complete(workspace: Workspace, run_dir: Path) -> float | None:
    """Score the run under the default rule again; keep its submission and return its exact eval-day AUC."""
    from runner.scoring import build_scoring_models
    from runner.submission import write_submission

    with workspace.active():
        build_scoring_models(run_dir, extra_vars={"operating_point_rule": RULES[0]})
    write_submission(run_dir / SUBMISSION_FILE, workspace.database)
    return _read_eval_auc(workspace)


def _read_eval_auc(workspace: Workspace) -> float | None:
    from runner.scoring import connect, read_eval_auc

    with connect(workspace.database) as connection:
        return read_eval_auc(connection)


def _candidate_recall(database: Path) -> dict[str, float]:
    with connect_read_only(database) as connection:
        rows = connection.execute("select dataset, candidate_recall from candidate_recall "
                                  "where dataset in ('eval', 'predict')").fetchall()
    return {dataset: float(value) for dataset, value in rows}


def _cost(run_dir: Path) -> dict[str, Any]:
    """Training seconds, peak memory and validation AUC from the run's own records."""
    gbdt = run_dir / "run.json"
    if gbdt.exists():
        record = json.loads(gbdt.read_text())
        return {"train_seconds": record.get("train_seconds"), "peak_rss_gb": record.get("peak_rss_gb"),
                "validation_auc": record.get("validation_auc")}
    train = run_dir / "logs" / "train.done.json"
    if train.exists():
        record = json.loads(train.read_text())
        auc = (record.get("metrics") or {}).get("auc")
        return {"train_seconds": record.get("seconds"), "peak_rss_gb": record.get("peak_rss_gb"),
                "validation_auc": auc}
    return {}


def score_seeds(workspace: Workspace, name: str, runs: dict[int, Path], single_kind: str,
                mean_kind: str) -> tuple[list[dict[str, Any]], Path | None]:
    """Score one model's run per seed, then (two or more seeds) their average; the records, and the
    average's run folder (None for a single seed)."""
    records = [score(workspace, run_dir, {"model": name, "kind": single_kind, "model_seed": seed})
               for seed, run_dir in runs.items()]
    if len(runs) < 2:
        return records, None
    members = list(runs.values())
    mean = average(workspace, name, members)
    records.append(score(workspace, mean, {"model": name, "kind": mean_kind,
                                           "members": [shown(m) for m in members]}))
    return records, mean


def one_seed_ensemble(workspace: Workspace, name: str, stems: list[str], runs: dict[str, Path],
                      model_seed: int) -> dict[str, Any]:
    """An ensemble in a study of one model seed (a screen): the mean logit of that seed's runs of its
    configs, written to m<S>/<name> and scored as the ensemble's one model seed, so the report pools it
    with the single runs it is compared with; it costs what its members cost."""
    members = [runs[stem] for stem in stems]
    run_dir = average(workspace, name, members, folder=f"m{model_seed}")
    costs = [_cost(member) for member in members]
    seconds = [c["train_seconds"] for c in costs if c.get("train_seconds") is not None]
    peaks = [c["peak_rss_gb"] for c in costs if c.get("peak_rss_gb") is not None]
    cost = {"train_seconds": sum(seconds) if len(seconds) == len(members) else None,
            "peak_rss_gb": max(peaks) if peaks else None}
    return score(workspace, run_dir, {"model": name, "kind": "tzrec", "model_seed": model_seed, "members": stems,
                                      **cost})


# ---- the whole study -----------------------------------------------------------------------------


def run_study(study: Study, only_seeds: list[int] | None = None) -> list[dict[str, Any]]:
    from runner.dbt import project_vars

    # dbt ignores a var it does not declare: a misspelled (or not yet added) one would build the default months
    undeclared = sorted(set(study.dbt_vars) - set(project_vars()))
    if undeclared:
        raise StudyError(f"{study.source}: dbt_vars sets {', '.join(undeclared)}, which dbt_project.yml does not "
                         "declare, so dbt would build the months without it: fix the name, or declare the var")
    records = []
    for generator_seed in study.generator_seeds:
        if only_seeds and generator_seed not in only_seeds:
            continue
        started = time.monotonic()
        workspace = study.workspace(generator_seed)
        if workspace.retrieval is not None:
            retrieve_month(workspace, study.users)
        ensure_month(workspace, study.users, study.train_exports)
        seed_averaged: dict[str, Path] = {}  # config stem (or the GBDT's name) -> the run that makes one submission
        one_seed_runs: dict[str, Path] = {}  # config stem -> its run, in a study of one model seed
        if study.gbdt_name and not study.gbdt_seeds:
            run_dir = run_gbdt(workspace, study.gbdt_name)
            records.append(score(workspace, run_dir, {"model": study.gbdt_name, "kind": "gbdt"}))
            seed_averaged[study.gbdt_name] = run_dir
        elif study.gbdt_name:
            # the reference as a seed average too: one LightGBM run moves with its seed (bagging and
            # feature sampling) about as much as one tzrec run does
            # (docs/decisions.md#one-gbdt-run-or-an-average-as-the-reference)
            runs = {seed: run_gbdt(workspace, study.gbdt_name, seed) for seed in study.gbdt_seeds}
            scored, mean = score_seeds(workspace, study.gbdt_name, runs, "gbdt_single", "gbdt")
            records += scored
            seed_averaged[study.gbdt_name] = mean
        for config in study.tzrec:
            runs = {seed: run_tzrec(workspace, config, seed) for seed in study.model_seeds}
            scored, mean = score_seeds(workspace, config.stem, runs, "tzrec", "tzrec_seed_mean")
            records += scored
            if mean is not None:
                seed_averaged[config.stem] = mean
            elif len(runs) == 1:
                one_seed_runs[config.stem] = next(iter(runs.values()))
        for name, stems in study.ensembles.items():
            members = [seed_averaged[stem] for stem in stems if stem in seed_averaged]
            if len(members) >= 2:
                run_dir = average(workspace, name, members)
                records.append(score(workspace, run_dir, {"model": name, "kind": "tzrec_ensemble",
                                                          "members": stems}))
            elif len(study.model_seeds) == 1:
                records.append(one_seed_ensemble(workspace, name, stems, one_seed_runs, study.model_seeds[0]))
        for name, names in study.blends.items():
            members = [seed_averaged[n] for n in names if n in seed_averaged]
            if len(members) == len(names):
                run_dir = average(workspace, name, members)
                records.append(score(workspace, run_dir, {"model": name, "kind": BLEND_KIND, "members": names}))
        log.info("seed %s done in %.0f s; runs under %s", generator_seed, time.monotonic() - started,
                 shown(workspace.outputs))
    return records
