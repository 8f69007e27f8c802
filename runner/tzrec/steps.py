"""train / evaluate / export / predict for one config, each reusing finished earlier steps.

Each command runs the steps it needs, in order, and reuses those already finished on the same inputs:

    train     train (tzrec.train_eval: trains, then evaluates on the eval set)
    evaluate  train -> evaluate (tzrec.eval on the eval set, the latest checkpoint)
    export    train -> export (tzrec.export, fp32 embeddings: QUANT_EMB=0)
    predict   train -> export -> predictions of the eval set, of the predict set and of the validation
              users (tzrec.predict; steps predict_eval, predict_predict, predict_validation)

predict_validation scores the held-out users of the training label days (RunOptions.predict_validation_data,
labelled) into predictions/validation/, which an operating-point rule reads; with
predict_validation_data None it is left out of the plan. Each prediction step is reused on its own, so
`predict` on a run finished before predict_validation existed runs only that step.

`force` runs the command's own step(s) again even when finished; earlier steps are still reused.
Before anything is launched, the config is rendered into the run folder and every data set a step
that will run reads is checked (runner.tzrec.preflight).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from runner import atomic, parquet_files
from runner.candidates import holds_retrieved_candidates
from runner.defaults import DEFAULT_TRAINING_SEED
from runner.experiment_configs.experiment import missing_config_message, resolve_config
from runner.locks import run_folder_lock
from runner.paths import (
    EVAL_EXPORT,
    ID_BUCKETS_EXPORT,
    OUTPUTS_DIR,
    PREDICT_EXPORT,
    PROCESSED_DIR,
    VALIDATION_EXPORT,
    input_files,
    shown,
)
from runner.tzrec.checkpoints import best_checkpoint
from runner.tzrec.config import (
    ConfigError,
    ConfigSummary,
    check_supported,
    read_buckets,
    render_config,
    train_export_of,
)
from runner.tzrec.interpreter import find_tzrec_python
from runner.tzrec.launch import SEED_ENV, StepRun, run_step
from runner.tzrec.preflight import DataSet, preflight, tzrec_input_path
from runner.tzrec.runfolder import DOWNSTREAM, EVAL_RESULT, TRAIN_RESULT, RunFolder, config_hash, file_stamp

log = logging.getLogger("runner.tzrec")

RESERVED_COLUMNS = ("user_id", "item_id")
# tzrec's two-tower (match) models, which `python -m runner retrieve` runs (runner/retrieval/), not these commands
TWO_TOWER_MODELS = ("dssm", "dssm_v2", "mind")
OPTIONAL_RESERVED_COLUMNS = ("cutoff_date", "label")
CHAINS = {
    "train": ("train",),
    "evaluate": ("train", "evaluate"),
    "export": ("train", "export"),
    "predict": ("train", "export", "predict_eval", "predict_predict", "predict_validation"),
}
# The steps --force runs again (the command's own); earlier steps in the chain are reused when finished.
OWN_STEPS = {"train": {"train"}, "evaluate": {"evaluate"}, "export": {"export"},
             "predict": {"predict_eval", "predict_predict", "predict_validation"}}
UPSTREAM = {"train": None, "evaluate": "train", "export": "train", "predict_eval": "export",
            "predict_predict": "export", "predict_validation": "export"}


@dataclass(frozen=True)
class RunOptions:
    config: Path
    # None: the training export the config names (train_export_of), in data/processed/
    train_data: Path | None = None
    eval_data: Path = EVAL_EXPORT
    predict_data: Path = PREDICT_EXPORT
    # The labelled set `predict` scores into predictions/eval/ (None: eval_data). Lets training
    # evaluate on the validation users while the predictions are of the eval day.
    predict_eval_data: Path | None = None
    # The labelled held-out users of the training label days `predict` scores into predictions/validation/
    # (read by an operating-point rule). None leaves the predict_validation step out of the plan.
    predict_validation_data: Path | None = VALIDATION_EXPORT
    buckets: Path = ID_BUCKETS_EXPORT
    outputs_dir: Path = OUTPUTS_DIR
    nproc: int = 1
    seed: int = DEFAULT_TRAINING_SEED
    force: bool = False
    tzrec_python: str | Path | None = None

    def __post_init__(self) -> None:
        # an experiment's name (stage2_dcn_v2_v11) stands for its file, configs/experiments/<name>.yml
        object.__setattr__(self, "config", resolve_config(self.config))
        if self.train_data is None and self.config.is_file():
            object.__setattr__(self, "train_data", PROCESSED_DIR / train_export_of(self.config))

    @property
    def train_path(self) -> Path:
        """The training data (resolved in __post_init__; None only for a config that does not exist)."""
        if self.train_data is None:
            raise FileNotFoundError(missing_config_message(self.config))
        return self.train_data

    @classmethod
    def from_exports(cls, config: Path, processed: Path, **options: Any) -> RunOptions:
        """The usual wiring of one exports folder: train on the training export the config names
        (train.parquet unless its train_input_path says train_all_negatives.parquet), evaluate on the
        validation users (nothing is chosen on the eval day), predict the eval day, the predict day and the
        validation users."""
        config = resolve_config(config)
        return cls(config=config, train_data=processed / train_export_of(config),
                   eval_data=processed / "validation.parquet",
                   predict_data=processed / "predict.parquet", predict_eval_data=processed / "eval.parquet",
                   predict_validation_data=processed / "validation.parquet",
                   buckets=processed / "id_buckets.parquet", **options)


@dataclass
class StepOutcome:
    step: str
    ran: bool
    reason: str
    record: dict[str, Any] = field(default_factory=dict)


class Session:
    """One command on one config: renders the config, plans the steps, checks the data, runs.

    The step tables (CHAINS, OWN_STEPS, UPSTREAM, DOWNSTREAM), the run folder's class and the function that runs
    each step are read through the methods below, so that a session of other steps (the two-tower retrieval's,
    runner/retrieval/session.py) reuses the planning, the reuse of finished steps and the running."""

    run_folder_type: type[RunFolder] = RunFolder
    two_tower = False  # whether the session runs a two-tower model (the retrieval's) or a ranking model

    def __init__(self, options: RunOptions) -> None:
        if options.nproc < 1:
            raise ValueError(f"--nproc must be at least 1, not {options.nproc}")
        if not options.config.is_file():
            raise FileNotFoundError(missing_config_message(options.config))
        self.options = options
        self.python = find_tzrec_python(options.tzrec_python)
        self.run = self.run_folder(options)
        self.summary = self._render()
        if (self.summary.model in TWO_TOWER_MODELS) != self.two_tower:
            raise ConfigError(
                f"{shown(options.config)} is a two-tower model ({self.summary.model}): `python -m runner retrieve "
                f"--config {options.config.stem}` trains it, exports its towers and retrieves (docs/guide/models.md)"
                if not self.two_tower else
                f"{shown(options.config)} is not a two-tower model ({self.summary.model}; retrieval runs "
                f"{', '.join(TWO_TOWER_MODELS)}): train it with `python -m runner train`")

    def run_folder(self, options: RunOptions) -> RunFolder:
        """The folder the session's steps write: <outputs_dir>/<config stem>/."""
        return self.run_folder_type.for_config(options.config, options.outputs_dir)

    @property
    def predict_eval_data(self) -> Path:
        """The labelled set whose predictions go to predictions/eval/."""
        return self.options.predict_eval_data or self.options.eval_data

    def prediction_input(self, data_set: str) -> Path:
        """The data whose predictions go to predictions/<data_set>/ (eval, predict or validation)."""
        data = {"eval": self.predict_eval_data, "predict": self.options.predict_data,
                "validation": self.options.predict_validation_data}[data_set]
        if data is None:
            raise ValueError(f"no {data_set} data to predict (predict_validation_data is None)")
        return data

    def chain(self, command: str) -> tuple[str, ...]:
        """The command's steps; predict_validation only when there is validation data to predict."""
        return tuple(step for step in CHAINS[command]
                     if step != "predict_validation" or self.options.predict_validation_data is not None)

    def own_steps(self, command: str) -> set[str]:
        """The steps --force runs again (the command's own)."""
        return OWN_STEPS[command]

    def owner(self, step: str) -> str:
        """The command line that runs the step again, e.g. `train --force`."""
        return next(f"{name} --force" for name, steps in OWN_STEPS.items() if step in steps)

    def upstream(self, step: str) -> str | None:
        """The step whose record a step's fingerprint includes (None: the first step)."""
        return UPSTREAM[step]

    def downstream(self, step: str) -> tuple[str, ...]:
        """The steps built from a step's outputs (removed when it runs again)."""
        return DOWNSTREAM[step]

    def step_runner(self, step: str) -> Callable[[str], dict[str, Any]]:
        """The method that runs a step and returns its record."""
        return {"train": self._run_train, "evaluate": self._run_evaluate, "export": self._run_export,
                "predict_eval": self._run_predict, "predict_predict": self._run_predict,
                "predict_validation": self._run_predict}[step]

    # ---- config --------------------------------------------------------------------------------

    def _render(self) -> ConfigSummary:
        options = self.options
        buckets = read_buckets(options.buckets) if options.buckets.exists() else {}
        header = (
            f"Rendered by the runner from {shown(options.config)}: do not edit this copy, edit the source.\n"
            f"`num_buckets: 0` fields were filled from {shown(options.buckets)}; train_input_path, "
            "eval_input_path and model_dir were set by the runner.\n"
        )
        fields = {
            "train_input_path": tzrec_input_path(options.train_path),
            "eval_input_path": tzrec_input_path(options.eval_data),
            "model_dir": str(self.run.model_dir),
        }
        # the export contract's candidate features enter an experiment only when the training data holds retrieved
        # candidates (runner/candidates.py): with retrieval candidates off, the rendered config is as without them
        candidate_features = holds_retrieved_candidates(options.train_path)
        try:
            summary = render_config(self.python, options.config, self.run.pipeline_config, buckets, fields, header,
                                    candidate_features=candidate_features)
        except ConfigError as error:
            if not options.buckets.exists() and "num_buckets: 0" in str(error):
                raise ConfigError(f"{error}\n  (the bucket-size file {shown(options.buckets)} does not exist: "
                                  "build the exports first, or pass --buckets)") from None
            raise
        check_supported(summary)
        for missing in summary.missing_required:
            log.debug("%s: required field %s is not set (tzrec tolerates it)", options.config, missing)
        return summary

    # ---- fingerprints and planning ---------------------------------------------------------------

    def _data_stamp(self, path: Path) -> list[list[Any]]:
        files = input_files(path)
        return file_stamp(files) if files else [[str(path.absolute()), None, None]]

    def fingerprint(self, step: str) -> dict[str, Any]:
        options = self.options
        if step == "train":
            return {"config": config_hash(self.run.pipeline_config),
                    "train_data": self._data_stamp(options.train_path), "seed": options.seed}
        upstream = {"upstream": self.run.record_id(self.upstream(step))}
        if step == "evaluate":
            return {**upstream, "eval_data": self._data_stamp(options.eval_data)}
        if step == "export":
            return upstream
        return {**upstream, "data": self._data_stamp(self.prediction_input(step.removeprefix("predict_")))}

    def plan(self, command: str) -> list[StepOutcome]:
        chain, own = self.chain(command), self.own_steps(command)
        planned: list[StepOutcome] = []
        running: set[str] = set()
        for step in chain:
            upstream = self.upstream(step)
            if self.options.force and step in own:
                outcome = StepOutcome(step, True, "--force")
            elif upstream in running:
                outcome = StepOutcome(step, True, f"{upstream} runs again")
            else:
                reusable, reason = self.run.reusable(step, self.fingerprint(step))
                outcome = StepOutcome(step, not reusable, reason)
            if outcome.ran:
                running.add(step)
            planned.append(outcome)
        return planned

    def datasets(self, steps: list[str]) -> list[DataSet]:
        """The data sets the given steps read, merged per file (each checked once, under the first role that
        reads it: with RunOptions.from_exports validation.parquet is both the eval set and predict_validation's)."""
        options = self.options
        wanted: dict[Path, dict[str, Any]] = {}

        def need(role: str, path: Path, label: bool = False, reserved: tuple[str, ...] = (),
                 optional: tuple[str, ...] = ()) -> None:
            entry = wanted.setdefault(path, {"role": role, "label": False, "reserved": set(), "optional": set()})
            entry["label"] |= label
            entry["reserved"] |= set(reserved)
            entry["optional"] |= set(optional)

        for step in steps:
            if step == "train":
                need("train", options.train_path, label=True)
                need("eval", options.eval_data, label=True)
            elif step == "evaluate":
                need("eval", options.eval_data, label=True)
            elif step.startswith("predict_"):
                data_set = step.removeprefix("predict_")
                need(data_set, self.prediction_input(data_set), reserved=RESERVED_COLUMNS,
                     optional=OPTIONAL_RESERVED_COLUMNS)
        return [DataSet(e["role"], path, needs_label=e["label"], reserved=tuple(sorted(e["reserved"])),
                        optional_reserved=tuple(sorted(e["optional"]))) for path, e in wanted.items()]

    # ---- running ---------------------------------------------------------------------------------

    def execute(self, command: str) -> list[StepOutcome]:
        # one job at a time writes a run folder (a second one stops at once, naming this one)
        with run_folder_lock(self.run.root):
            return self._execute(command)

    def _execute(self, command: str) -> list[StepOutcome]:
        planned = self.plan(command)
        to_run = [outcome.step for outcome in planned if outcome.ran]
        if to_run:
            preflight(self.summary, self.datasets(to_run))
            log.info("pre-flight check passed: %s against %s", shown(self.options.config),
                     ", ".join(shown(d.path) for d in self.datasets(to_run)))
        for outcome in planned:
            if not outcome.ran:
                outcome.record = self.run.read_record(outcome.step) or {}
                log.info("%s: reusing the finished step in %s (%s; `%s` runs it again)", outcome.step,
                         shown(self.run.root), outcome.reason, self.owner(outcome.step))
                continue
            log.info("%s: running (%s)", outcome.step, outcome.reason)
            for later in (outcome.step, *self.downstream(outcome.step)):
                self.run.remove_outputs(later)
            outcome.record = self.step_runner(outcome.step)(outcome.step)
        return planned

    def _env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {SEED_ENV: str(self.options.seed), **(extra or {})}

    def _finish(self, step: str, cost: StepRun, extra: Mapping[str, Any]) -> dict[str, Any]:
        if not self.run.outputs_present(step):
            raise RuntimeError(f"tzrec {step} exited cleanly but its outputs are missing; see "
                               f"{self.run.log_path(step)}")
        self.run.write_record(step, self.fingerprint(step), cost.seconds,
                              {"peak_rss_gb": round(cost.peak_rss_gb, 3), **extra})
        return self.run.read_record(step) or {}

    def _run_train(self, step: str) -> dict[str, Any]:
        cost = run_step(step, self.python, "tzrec.train_eval",
                           ["--pipeline_config_path", str(self.run.pipeline_config)],
                           nproc=self.options.nproc, log_path=self.run.log_path(step), cwd=self.run.root,
                           env=self._env())
        metrics = _last_json_line(self.run.model_dir / TRAIN_RESULT)
        checkpoints = self.run.checkpoints()
        log.info("train: eval metrics %s (checkpoint %s)", _metrics_text(metrics),
                 checkpoints[-1].name if checkpoints else "?")
        return self._finish(step, cost, {"metrics": metrics, "nproc": self.options.nproc,
                                            "metrics_on": str(self.options.eval_data.absolute()),
                                            "checkpoint": checkpoints[-1].name if checkpoints else None})

    def _run_evaluate(self, step: str) -> dict[str, Any]:
        cost = run_step(step, self.python, "tzrec.eval",
                           ["--pipeline_config_path", str(self.run.trained_config),
                            "--eval_input_path", tzrec_input_path(self.options.eval_data)],
                           nproc=self.options.nproc, log_path=self.run.log_path(step), cwd=self.run.root,
                           env=self._env())
        metrics = _last_json_line(self.run.model_dir / EVAL_RESULT)
        log.info("evaluate: %s on %s", _metrics_text(metrics), shown(self.options.eval_data))
        return self._finish(step, cost, {"metrics": metrics})

    def _run_export(self, step: str) -> dict[str, Any]:
        checkpoint_args: list[str] = []
        chosen: dict[str, Any] = {}
        if self.summary.best_checkpoint is not None:
            metric, larger_is_better = self.summary.best_checkpoint
            choice = best_checkpoint(self.run.model_dir, self.run.model_dir / TRAIN_RESULT, metric, larger_is_better)
            checkpoint_args = ["--checkpoint_path", str(choice.path)]
            chosen = {"checkpoint": choice.path.name, "checkpoint_metric": {metric: choice.value},
                      "checkpoints_scored": choice.scored}
            log.info("export: %s, the best of %d checkpoints by %s on the eval set (%.4f; the last: %.4f)",
                     choice.path.name, choice.scored, metric, choice.value, choice.last_value)
        cost = run_step(step, self.python, "tzrec.export",
                           ["--pipeline_config_path", str(self.run.trained_config),
                            "--export_dir", str(self.run.export_dir), *checkpoint_args],
                           nproc=self.options.nproc, log_path=self.run.log_path(step), cwd=self.run.root,
                           env=self._env({"QUANT_EMB": "0"}))
        log.info("export: %s", shown(self.run.export_dir))
        return self._finish(step, cost, chosen)

    def _run_predict(self, step: str) -> dict[str, Any]:
        data_set = step.removeprefix("predict_")
        data = self.prediction_input(data_set)
        files = input_files(data)
        schema = parquet_files.read_schema(files[0])
        reserved = [*RESERVED_COLUMNS, *(c for c in OPTIONAL_RESERVED_COLUMNS if c in schema.names)]
        output = self.run.predictions_dir(data_set)
        # tzrec writes <set>.partial/, renamed to <set>/ once every check below has passed: scoring, submit and
        # ensembles never see part of a prediction set (runner/atomic.py)
        partial = atomic.partial_folder(output)
        shutil.rmtree(partial, ignore_errors=True)
        cost = run_step(step, self.python, "tzrec.predict",
                           ["--scripted_model_path", str(self.run.export_dir),
                            "--predict_input_path", tzrec_input_path(data),
                            "--predict_output_path", str(partial),
                            "--reserved_columns", ",".join(reserved)],
                           nproc=self.options.nproc, log_path=self.run.log_path(step), cwd=self.run.root,
                           env=self._env())
        written = sorted(partial.glob("*.parquet"))
        if self.summary.purchase_tower:
            name_purchase_scores(written, self.summary.purchase_column, self.summary.purchase_logits_column)
        out_schema = parquet_files.read_schema(written[0]) if written else None
        missing = [c for c in ("probs", *reserved) if out_schema is None or c not in out_schema.names]
        if missing:
            raise RuntimeError(f"predictions in {partial} lack the column(s) {', '.join(missing)}; "
                               f"see {self.run.log_path(step)}")
        rows_in = sum(parquet_files.read_metadata(p).num_rows for p in files)
        rows_out = sum(parquet_files.read_metadata(p).num_rows for p in written)
        if rows_in != rows_out:
            raise RuntimeError(f"predictions in {partial} hold {rows_out:,} rows for {rows_in:,} input rows; "
                               f"see {self.run.log_path(step)}")
        atomic.move_into_place(partial, output)
        written = self.run.prediction_files(data_set)
        schema_text = ", ".join(f"{f.name} {f.type}" for f in out_schema)
        log.info("%s: %s rows -> %s (%s)", step, f"{rows_out:,}", shown(output), schema_text)
        return self._finish(step, cost, {"rows": rows_out, "schema": schema_text,
                                            "files": [p.name for p in written]})


def name_purchase_scores(files: list[Path], source: str, source_logits: str) -> None:
    """Give a multi-task model's predictions the single-task layout scoring reads: `probs` and
    `logits` are copies of the purchase tower's `source` (probs_<tower>) and `source_logits`
    (logits_<tower>), kept as well beside the other towers' scores. Rewrites each file in place; a
    file already done is left."""
    for path in files:
        table = parquet_files.read_table(path)
        if "probs" in table.column_names:
            continue
        if source not in table.column_names:
            raise RuntimeError(f"{path} has no column {source} (the purchase tower's score); "
                               f"its columns: {', '.join(table.column_names)}")
        table = table.append_column("probs", table.column(source))
        if source_logits in table.column_names:
            table = table.append_column("logits", table.column(source_logits))
        with atomic.replacing(path) as temporary:
            pq.write_table(table, temporary)


def _last_json_line(path: Path) -> dict[str, Any]:
    try:
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        return json.loads(lines[-1]) if lines else {}
    except (OSError, ValueError):
        return {}


def _metrics_text(metrics: Mapping[str, Any]) -> str:
    return " ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items()) or "(none)"


def run_command(command: str, options: RunOptions) -> list[StepOutcome]:
    """Run `command` (train, evaluate, export or predict) for one config; returns what each step did."""
    if command not in CHAINS:
        raise ValueError(f"unknown tzrec command {command}")
    return Session(options).execute(command)
