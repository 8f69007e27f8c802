"""The two-tower retrieval's steps for one experiment, each reusing finished earlier steps (runner.tzrec.steps).

    train              tzrec.train_eval on the retrieval training rows (retrieval_train.parquet), evaluated on
                       the validation users' positives (retrieval_validation.parquet), never the eval day
    export             tzrec.export: export/user/ and export/item/ (fp32 embeddings)
    embed_user_<s>     tzrec.predict of the user tower on retrieval_user_<s>.parquet -> embeddings/user_<s>/
    embed_item_<s>     tzrec.predict of the item tower on retrieval_item_<s>.parquet -> embeddings/item_<s>/
    retrieve_<s>       every user's top-N items (tzrec_runner_retrieve, exact) -> retrieved/<s>/part-0.parquet

for each split s of RetrievalOptions.splits (eval, predict: the label-calendar datasets whose cutoffs the
retrieval exports give a whole user and item side). A step is reused when its outputs exist and it ran on the
same inputs: the embeddings on the same export and side file, the retrieval on the same embeddings, top-N and
popularity correction. Every side file is checked against its tower's features before anything runs.

The training cutoffs (split train) are retrieved out of fold, by two more sessions of the same experiment
(RetrievalOptions.fold 0 and 1, run folders <run>/folds/fold_<k>/): the session of fold k trains on the positives
of fold k's training users only (retrieval_train_fold_<k>.parquet) and retrieves, at every training cutoff, for the
users of the other fold (retrieval_user_train_fold_<1-k>.parquet against retrieval_item_train.parquet), writing
training_fold k on every pair. So no retrieval score of a ranking training row comes from a model that trained on
that row's user; the run's own session (fold None, trained on every training user) retrieves eval and predict only.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from runner.defaults import DEFAULT_POPULARITY_CORRECTION, DEFAULT_RETRIEVAL_TOP_N
from runner.experiment_configs.experiment import resolve_config
from runner.paths import PROCESSED_DIR, input_files, shown
from runner.retrieval.runfolder import SIDES, TwoTowerRunFolder, step_parts
from runner.tzrec.config import ConfigError
from runner.tzrec.launch import run_step
from runner.tzrec.preflight import DataSet, preflight, tzrec_input_path
from runner.tzrec.steps import RunOptions, Session, StepOutcome

log = logging.getLogger("runner.retrieval")

SPLITS = ("eval", "predict")
TRAIN_SPLIT = "train"  # the training cutoffs: retrieved out of fold only
FOLDS = (0, 1)
TRAIN_EXPORT = "retrieval_train.parquet"
VALIDATION_EXPORT = "retrieval_validation.parquet"
RETRIEVE_MODULE = "tzrec_runner_retrieve"  # runner/tzrec_shims/tzrec_runner_retrieve.py
EMBED_BATCH_SIZE = 4096  # rows per tzrec.predict batch when embedding (the training batch size is far smaller)
RESERVED = {"user": ("user_id", "cutoff_date"), "item": ("item_id", "cutoff_date")}


def side_export(processed: Path, side: str, split: str, fold: int | None = None) -> Path:
    """A side's export (models_sql/retrieval): <processed>/retrieval_<side>_<split>.parquet; for the training
    cutoffs, retrieved by the retriever of `fold`, the user side of the other fold's users
    (retrieval_user_train_fold_<1-fold>.parquet) and every item (retrieval_item_train.parquet)."""
    if split == TRAIN_SPLIT and side == "user":
        if fold not in FOLDS:
            raise ValueError(f"the training cutoffs are retrieved out of fold only (fold {', '.join(map(str, FOLDS))}, "
                             f"not {fold})")
        return processed / f"retrieval_user_train_fold_{1 - fold}.parquet"
    return processed / f"retrieval_{side}_{split}.parquet"


def fold_train_export(processed: Path, fold: int) -> Path:
    """The positives of retrieval fold `fold`'s training users: what the fold's retriever trains on."""
    return processed / f"retrieval_train_fold_{fold}.parquet"


def needed_exports(processed: Path, splits: tuple[str, ...]) -> list[Path]:
    """Every retrieval export the retrieval of these splits reads (the folds' for train)."""
    needed = [processed / TRAIN_EXPORT, processed / VALIDATION_EXPORT]
    for split in splits:
        if split == TRAIN_SPLIT:
            needed += [*(fold_train_export(processed, fold) for fold in FOLDS),
                       *(side_export(processed, "user", split, fold) for fold in FOLDS),
                       side_export(processed, "item", split)]
        else:
            needed += [side_export(processed, side, split) for side in SIDES]
    return needed


@dataclass(frozen=True)
class RetrievalOptions(RunOptions):
    processed_dir: Path = PROCESSED_DIR
    splits: tuple[str, ...] = SPLITS
    top_n: int = DEFAULT_RETRIEVAL_TOP_N
    popularity_correction: float = DEFAULT_POPULARITY_CORRECTION
    rows_per_chunk: int = 256
    retrain: bool = False  # train (and so every later step) again
    # None: the run's own retriever, trained on every training user (splits eval, predict); 0 or 1: the out-of-fold
    # retriever trained on that retrieval fold's users only, which retrieves the training cutoffs (split train) for
    # the other fold's users, in <run>/folds/fold_<k>/
    fold: int | None = None

    @classmethod
    def for_exports(cls, config: Path | str, processed: Path = PROCESSED_DIR, buckets: Path | None = None,
                    **options: Any) -> RetrievalOptions:
        """Train on <processed>/retrieval_train.parquet, evaluate on the validation users' positives, embed and
        retrieve the sides <processed>/retrieval_{user,item}_<split>.parquet; id buckets from `buckets` (default:
        <processed>/id_buckets.parquet)."""
        return cls(config=resolve_config(config), train_data=processed / TRAIN_EXPORT,
                   eval_data=processed / VALIDATION_EXPORT, predict_validation_data=None,
                   buckets=buckets or processed / "id_buckets.parquet", processed_dir=processed, **options)

    def for_fold(self, fold: int) -> RetrievalOptions:
        """The same experiment and settings as the out-of-fold retriever of `fold`: trained on the fold's users'
        positives, retrieving the training cutoffs (split train)."""
        if fold not in FOLDS:
            raise ValueError(f"a retrieval fold is one of {', '.join(map(str, FOLDS))}, not {fold}")
        return dataclasses.replace(self, fold=fold, splits=(TRAIN_SPLIT,),
                                   train_data=fold_train_export(self.processed_dir, fold))


def tower_columns(config_text: str) -> dict[str, set[str]]:
    """The feature columns each tower reads (user: its input group and, for MIND, its history group; item: its input
    group), from a rendered pipeline config (protobuf's text format, as the runner writes it)."""
    groups: dict[str, set[str]] = {}
    for block in re.finditer(r"feature_groups \{(.*?)\n\s*\}", config_text, re.S):
        name = re.search(r'group_name: "([^"]+)"', block.group(1))
        if name:
            groups[name.group(1)] = set(re.findall(r'feature_names: "([^"]+)"', block.group(1)))
    towers: dict[str, set[str]] = {}
    for match in re.finditer(r'(user|item)_tower \{\s*input: "([^"]+)"(?:\s*history_input: "([^"]+)")?', config_text):
        side, *inputs = match.groups()
        towers[side] = set().union(*(groups.get(group, set()) for group in inputs if group))
    missing = [side for side in SIDES if not towers.get(side)]
    if missing:
        raise ConfigError(f"the rendered config has no {' or '.join(missing)} tower with features "
                          "(user_tower / item_tower { input: ... } over a feature group)")
    return towers


def temperature_of(config_text: str) -> float:
    """The similarity temperature of a rendered two-tower config (tzrec's default 1.0 when not set)."""
    found = re.search(r"^\s*temperature: ([0-9.eE+-]+)\s*$", config_text, re.M)
    return float(found.group(1)) if found else 1.0


class RetrievalSession(Session):
    """train -> export -> embed_user_<s>, embed_item_<s> -> retrieve_<s> for each split s."""

    run_folder_type = TwoTowerRunFolder
    two_tower = True

    def __init__(self, options: RetrievalOptions) -> None:
        if options.top_n < 1:
            raise ValueError(f"--top-n must be at least 1, not {options.top_n}")
        allowed = SPLITS if options.fold is None else (TRAIN_SPLIT,)
        unknown = [split for split in options.splits if split not in allowed]
        if unknown or not options.splits:
            who = ("the run's own retriever (trained on every training user; the training cutoffs are retrieved "
                   "out of fold)" if options.fold is None else f"the out-of-fold retriever of fold {options.fold}")
            raise ValueError(f"splits {' '.join(options.splits)}: {who} retrieves {', '.join(allowed)}")
        super().__init__(options)
        self.options: RetrievalOptions = options
        self.run: TwoTowerRunFolder = self.run  # narrowed: run_folder_type built it
        text = self.run.pipeline_config.read_text()
        self.towers = tower_columns(text)
        self.temperature = temperature_of(text)

    def run_folder(self, options: RunOptions) -> TwoTowerRunFolder:
        """<outputs>/<name>/, or for an out-of-fold retriever <outputs>/<name>/folds/fold_<k>/."""
        run = TwoTowerRunFolder.for_config(options.config, options.outputs_dir)
        fold = getattr(options, "fold", None)
        return run if fold is None else TwoTowerRunFolder(run.root / "folds" / f"fold_{fold}")

    @property
    def retriever_name(self) -> str:
        """The name written on every retrieved pair: the run's, and for a fold <run>/fold_<k>."""
        if self.options.fold is None:
            return self.run.root.name
        return f"{self.run.root.parent.parent.name}/{self.run.root.name}"

    def side_file(self, side: str, split: str) -> Path:
        return side_export(self.options.processed_dir, side, split, self.options.fold)

    # ---- the step tables ---------------------------------------------------------------------------

    def chain(self, command: str) -> tuple[str, ...]:
        steps = ["train", "export"]
        for split in self.options.splits:
            steps += [f"embed_user_{split}", f"embed_item_{split}", f"retrieve_{split}"]
        return tuple(steps)

    def own_steps(self, command: str) -> set[str]:
        if self.options.retrain:
            return {"train"}
        return {f"retrieve_{split}" for split in self.options.splits}

    def owner(self, step: str) -> str:
        return "retrieve --force" if step.startswith("retrieve_") else "retrieve --retrain"

    def upstream(self, step: str) -> str | None:
        kind, _, split = step_parts(step)
        return {"train": None, "export": "train", "embed": "export", "retrieve": f"embed_item_{split}"}[kind]

    def downstream(self, step: str) -> tuple[str, ...]:
        kind, side, split = step_parts(step)
        later = [s for s in self.chain("retrieve") if s not in ("train", "export")]
        if kind == "train":
            return ("export", *later)
        if kind == "export":
            return tuple(later)
        if kind == "embed":
            return (f"retrieve_{split}",)
        return ()

    def step_runner(self, step: str) -> Callable[[str], dict[str, Any]]:
        kind = step_parts(step)[0]
        return {"train": self._run_train, "export": self._run_export, "embed": self._run_embed,
                "retrieve": self._run_retrieve}[kind]

    # ---- planning ------------------------------------------------------------------------------------

    def fingerprint(self, step: str) -> dict[str, Any]:
        kind, side, split = step_parts(step)
        if kind == "embed" and side and split:
            return {"upstream": self.run.record_id("export"),
                    "data": self._data_stamp(self.side_file(side, split))}
        if kind == "retrieve" and split:
            beta = self.options.popularity_correction
            return {"users": self.run.record_id(f"embed_user_{split}"),
                    "items": self.run.record_id(f"embed_item_{split}"), "top_n": self.options.top_n,
                    "popularity_correction": beta,
                    "positives": self._data_stamp(self.options.train_path) if beta else None}
        return super().fingerprint(step)

    def plan(self, command: str) -> list[StepOutcome]:
        """The base plan, and a retrieval runs again when either of its embeddings does (the base follows one
        upstream step)."""
        planned = super().plan(command)
        running = {outcome.step for outcome in planned if outcome.ran}
        for outcome in planned:
            kind, _, split = step_parts(outcome.step)
            again = [s for s in (f"embed_user_{split}", f"embed_item_{split}") if s in running]
            if kind == "retrieve" and not outcome.ran and again:
                outcome.ran, outcome.reason = True, f"{again[0]} runs again"
        return planned

    def execute(self, command: str) -> list[StepOutcome]:
        """Check every side file that an embedding step will read against its tower's features, then run."""
        to_embed = [step_parts(o.step) for o in self.plan(command) if o.ran and o.step.startswith("embed_")]
        for _, side, split in to_embed:
            assert side and split
            columns = self.towers[side]
            summary = dataclasses.replace(self.summary, features=tuple(
                f for f in self.summary.features if f.column in columns), label_fields=(), sample_weight_fields=())
            path = self.side_file(side, split)
            preflight(summary, [DataSet(f"{side} side", path, reserved=RESERVED[side])])
        return super().execute(command)

    # ---- running -------------------------------------------------------------------------------------

    def _run_embed(self, step: str) -> dict[str, Any]:
        _, side, split = step_parts(step)
        assert side and split
        data = self.side_file(side, split)
        output = self.run.embeddings_dir(side, split)
        cost = run_step(step, self.python, "tzrec.predict",
                        ["--scripted_model_path", str(self.run.tower_dir(side)),
                         "--predict_input_path", tzrec_input_path(data),
                         "--predict_output_path", str(output),
                         "--reserved_columns", ",".join(RESERVED[side]),
                         "--output_columns", f"{side}_tower_emb",
                         "--batch_size", str(EMBED_BATCH_SIZE)],
                        nproc=self.options.nproc, log_path=self.run.log_path(step), cwd=self.run.root,
                        env=self._env())
        written = self.run.embedding_files(side, split)
        rows_in = sum(pq.ParquetFile(p).metadata.num_rows for p in input_files(data))
        rows_out = sum(pq.ParquetFile(p).metadata.num_rows for p in written)
        if rows_in != rows_out:
            raise RuntimeError(f"embeddings in {output} hold {rows_out:,} rows for {rows_in:,} input rows; "
                               f"see {self.run.log_path(step)}")
        schema = pq.read_schema(written[0])
        schema_text = ", ".join(f"{f.name} {f.type}" for f in schema)
        log.info("%s: %s rows -> %s (%s)", step, f"{rows_out:,}", shown(output), schema_text)
        return self._finish(step, cost, {"rows": rows_out, "schema": schema_text})

    def _run_retrieve(self, step: str) -> dict[str, Any]:
        split = step.removeprefix("retrieve_")
        options = self.options
        out = self.run.retrieved_file(split)
        args = ["--users", str(self.run.embeddings_dir("user", split)),
                "--items", str(self.run.embeddings_dir("item", split)),
                "--out", str(out), "--top-n", str(options.top_n), "--retriever", self.retriever_name,
                "--temperature", repr(self.temperature),
                "--popularity-correction", repr(options.popularity_correction),
                "--rows-per-chunk", str(options.rows_per_chunk)]
        if options.popularity_correction:
            args += ["--positives", str(options.train_path.absolute())]
        if options.fold is not None:
            args += ["--training-fold", str(options.fold)]
        cost = run_step(step, self.python, RETRIEVE_MODULE, args, nproc=1, log_path=self.run.log_path(step),
                        cwd=self.run.root, env=self._env())
        summary = _last_json_line(self.run.log_path(step))
        log.info("%s: %s users x %s items (%s distinct item vectors) -> top %s each in %.1f s, peak %.2f GB: %s",
                 step, f"{summary.get('users', 0):,}", f"{summary.get('items', 0):,}",
                 f"{summary.get('distinct_item_vectors', 0):,}", summary.get("top_n"), summary.get("seconds", 0.0),
                 summary.get("peak_rss_gb", 0.0), shown(out))
        return self._finish(step, cost, {"retrieval": summary, "top_n": options.top_n,
                                         "popularity_correction": options.popularity_correction})


def _last_json_line(path: Path) -> dict[str, Any]:
    """The last line of a log that is a JSON object (the retrieval's summary), or {}."""
    for line in reversed(path.read_text().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return {}


def retrieve(options: RetrievalOptions) -> list[StepOutcome]:
    """Train, export, embed and retrieve one two-tower experiment, reusing finished steps."""
    return RetrievalSession(options).execute("retrieve")
