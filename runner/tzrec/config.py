"""Rendering a checked-in tzrec config into a run folder, and what the runner needs to know about it.

The checked-in config (configs/...) stays readable and free of machine-specific values. Two kinds of
fields are filled when rendering (the rendered copy is `outputs/<config stem>/pipeline.config`):

* `num_buckets: 0` on an id feature (top-level `id_feature`, `sequence_id_feature`, or an `id_feature`
  inside a `sequence_feature`) means "fill from the bucket-size file" (data/processed/id_buckets.parquet,
  columns feature_name string, num_buckets int64). The key looked up is the feature name; for an id
  feature inside `sequence_feature { sequence_name: "click_seq" ... }` it is `click_seq__<feature_name>`
  first, then `<feature_name>` (so a click sequence of item ids shares the item id's bucket count).
* `train_input_path`, `eval_input_path` and `model_dir` are always set by the runner (from --train-data,
  --eval-data and the run folder); in the checked-in config they hold a placeholder string. One
  exception: a config's `train_input_path` may name the training export it reads instead,
  `"train_all_negatives.parquet"` (every negative kept) rather than the default sampled `train.parquet`;
  the runner then trains it on that file of the exports folder (`train_export_of`).

The source is an experiment (configs/experiments/<name>.yml, or its name) or a whole pipeline config. An
experiment is built from its family base, its feature selection and its changes in the same interpreter
call (runner/experiment_configs/, runner/tzrec_shims/tzrec_experiment_config.py), then filled as above.
Parsing and writing use tzrec's own protobuf classes, in the tzrec interpreter
(runner/tzrec_shims/tzrec_runner_config.py), so the rendered file is exactly what tzrec reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from runner import parquet_files, processes
from runner.experiment_configs.experiment import (
    family_base_of,
    is_experiment_file,
    render_spec,
    resolve_config,
    train_input_path_of,
)
from runner.tzrec.interpreter import child_env

HELPER_MODULE = "tzrec_runner_config"


# The exports' purchase label. A multi-task model's predictions name each tower's score
# probs_<tower name>; the tower that learns this label gives the run's `probs`.
PURCHASE_LABEL = "label"


class ConfigError(ValueError):
    pass


# The training exports a config may name in train_input_path (models_sql/exports/), and the placeholder
# that leaves the choice to the runner (the first, the sampled export the GBDT reference also reads).
TRAIN_EXPORTS = ("train.parquet", "train_all_negatives.parquet")
RUNNER_PLACEHOLDER = "set by the runner"
_TRAIN_INPUT_PATH = re.compile(r"""^train_input_path\s*:\s*(["'])(.*)\1\s*(#.*)?$""")


def _train_input_path_line(config: Path) -> tuple[str, str] | None:
    """(value, where) of a whole config's top-level `train_input_path` line; None when it has none."""
    for number, line in enumerate(config.read_text().splitlines(), start=1):
        if line.startswith("train_input_path"):
            match = _TRAIN_INPUT_PATH.match(line.rstrip())
            return (match.group(2) if match else line), f"{config}:{number}"
    return None


def train_export_of(config: Path) -> str:
    """The training export a config (or an experiment: the last change to train_input_path along its base
    chain, else its family base's line) trains on: the file its `train_input_path` names (one of
    TRAIN_EXPORTS), or train.parquet when it holds the placeholder."""
    config = resolve_config(config)
    if is_experiment_file(config):
        found = train_input_path_of(config) or _train_input_path_line(family_base_of(config))
    else:
        found = _train_input_path_line(config)
    if found is None:
        return TRAIN_EXPORTS[0]
    value, where = found
    if value == RUNNER_PLACEHOLDER:
        return TRAIN_EXPORTS[0]
    if value in TRAIN_EXPORTS:
        return value
    raise ConfigError(
        f"{where}: train_input_path {value!r} is not a training export: write "
        f"\"{RUNNER_PLACEHOLDER}\" (the runner's default, {TRAIN_EXPORTS[0]}) or the file name of one of "
        f"{', '.join(TRAIN_EXPORTS)} (the runner reads it from the exports folder, data/processed/ by default)")


@dataclass(frozen=True)
class FeatureSpec:
    """One input column a tzrec feature reads (with fg_mode FG_NONE: one column per feature)."""

    column: str
    kind: str  # id | raw | raw_bucketized | sequence_id | sequence_raw | sequence_raw_bucketized | other
    num_buckets: int | None = None
    sequence_name: str | None = None
    sequence_delim: str | None = None
    sequence_length: int | None = None
    value_dim: int = 1
    filled_from: str | None = None
    uses_vocab_or_fg: bool = False
    type: str | None = None  # the tzrec feature type, for kind == "other"

    @property
    def is_sequence(self) -> bool:
        return self.kind.startswith("sequence_") or self.sequence_delim is not None

    @property
    def is_sparse(self) -> bool:
        """Read as integer ids that must lie in [0, num_buckets)."""
        return self.kind in ("id", "raw_bucketized", "sequence_id", "sequence_raw_bucketized")

    @property
    def label(self) -> str:
        return {
            "id": "id feature",
            "raw": "raw feature",
            "raw_bucketized": "raw feature with boundaries",
            "sequence_id": "sequence id feature",
            "sequence_raw": "sequence raw feature",
            "sequence_raw_bucketized": "sequence raw feature with boundaries",
        }.get(self.kind, f"{self.type or 'other'} feature")


@dataclass(frozen=True)
class ConfigSummary:
    """What a rendered config asks of the data, as tzrec's protobuf reads it."""

    source: Path
    model: str | None
    fg_mode: str
    dataset_type: str
    label_fields: tuple[str, ...]
    features: tuple[FeatureSpec, ...]
    sample_weight_fields: tuple[str, ...] = ()
    multival_sep: str = "\x03"
    sampler: str | None = None
    group_features: tuple[str, ...] = ()
    missing_required: tuple[str, ...] = ()
    dag_inputs: tuple[str, ...] = ()  # inputs with the `feature:` side (they make tzrec call pyfg)
    unfilled: tuple[dict[str, Any], ...] = field(default=())
    task_towers: tuple[tuple[str, str], ...] = ()  # (tower name, label) of a multi-task model
    # (metric, larger is better) when export_config exports the best checkpoint instead of the latest
    best_checkpoint: tuple[str, bool] | None = None

    @property
    def towers_on_purchase(self) -> list[str]:
        """The multi-task towers that learn the purchase label (a runnable config has exactly one)."""
        return [name for name, label in self.task_towers if label == PURCHASE_LABEL]

    @property
    def purchase_tower(self) -> str | None:
        """The multi-task tower that learns the purchase label (None: a single-task model)."""
        towers = self.towers_on_purchase
        return towers[0] if len(towers) == 1 else None

    @property
    def purchase_column(self) -> str:
        """The prediction column holding the purchase probability, as tzrec writes it."""
        return f"probs_{self.purchase_tower}" if self.purchase_tower else "probs"

    @property
    def purchase_logits_column(self) -> str:
        """The prediction column holding the purchase logit, as tzrec writes it."""
        return f"logits_{self.purchase_tower}" if self.purchase_tower else "logits"

    @classmethod
    def from_json(cls, data: Mapping[str, Any], source: Path) -> ConfigSummary:
        known = set(FeatureSpec.__dataclass_fields__)
        features = tuple(FeatureSpec(**{k: v for k, v in f.items() if k in known}) for f in data["features"])
        return cls(
            source=source,
            model=data.get("model"),
            fg_mode=data["fg_mode"],
            dataset_type=data["dataset_type"],
            label_fields=tuple(data.get("label_fields", ())),
            features=features,
            sample_weight_fields=tuple(data.get("sample_weight_fields", ())),
            multival_sep=data.get("multival_sep", "\x03"),
            sampler=data.get("sampler"),
            group_features=tuple(data.get("group_features", ())),
            missing_required=tuple(data.get("missing_required", ())),
            dag_inputs=tuple(data.get("dag_inputs", ())),
            unfilled=tuple(data.get("unfilled", ())),
            task_towers=tuple((t["tower_name"], t["label_name"]) for t in data.get("task_towers", ())),
            best_checkpoint=((data["best_checkpoint"]["metric"], bool(data["best_checkpoint"]["larger_is_better"]))
                             if data.get("best_checkpoint") else None),
        )


def read_buckets(path: Path) -> dict[str, int]:
    """The bucket-size file: one row per id feature, `feature_name` (string) and `num_buckets` (int64)."""
    if not path.exists():
        raise ConfigError(
            f"the bucket-size file {path} does not exist: build the exports first (`python -m runner build`) "
            "or pass --buckets"
        )
    table = parquet_files.read_table(path)
    for name, check, wanted in (("feature_name", pa.types.is_string, "string"),
                                ("num_buckets", pa.types.is_integer, "int64")):
        if name not in table.column_names:
            raise ConfigError(f"{path} has no column `{name}` (expected columns feature_name, num_buckets)")
        if not check(table.schema.field(name).type):
            raise ConfigError(f"{path}: column `{name}` is {table.schema.field(name).type}, expected {wanted}")
    names = table.column("feature_name").to_pylist()
    sizes = table.column("num_buckets").to_pylist()
    buckets: dict[str, int] = {}
    for name, size in zip(names, sizes, strict=True):
        if name is None or size is None:
            raise ConfigError(f"{path} has a row with a null feature_name or num_buckets")
        if name in buckets:
            raise ConfigError(f"{path} lists feature `{name}` twice")
        if size <= 0:
            raise ConfigError(f"{path}: feature `{name}` has num_buckets {size}; it must be positive")
        buckets[name] = int(size)
    return buckets


def call_helper(python: Path, request: Mapping[str, Any], module: str = HELPER_MODULE) -> dict[str, Any]:
    """Run a helper module of runner/tzrec_shims/ in the tzrec interpreter: JSON request in, JSON answer out;
    ConfigError with the helper's `error`, or with its output when it fails otherwise."""
    completed = processes.run([str(python), "-m", module], f"the tzrec config helper ({module})",
                              input_text=json.dumps(request), capture=True, env=child_env())
    try:
        answer = json.loads(completed.stdout) if completed.stdout.strip() else {}
    except json.JSONDecodeError:
        answer = {}
    if "error" in answer:
        raise ConfigError(answer["error"])
    if completed.returncode != 0 or not answer:
        raise ConfigError(
            f"reading {request.get('src', 'the experiments')} with {python} failed (exit {completed.returncode}):\n"
            f"{(completed.stderr or completed.stdout).strip()[-2000:]}"
        )
    return answer


def _source_request(path: Path, candidate_features: bool = False) -> dict[str, Any]:
    """The helper's request for a source: a whole config is read from its file, an experiment is built (its
    selection takes the export contract's candidate features only with candidate_features: runner/candidates.py)."""
    path = resolve_config(path)
    if is_experiment_file(path):
        return {"src": str(path),
                "experiment": render_spec(path, candidate_features=candidate_features).as_request()}
    return {"src": str(path)}


def describe_config(python: Path, path: Path, candidate_features: bool = False) -> ConfigSummary:
    """Read a config (checked-in, rendered, or an experiment) without changing anything."""
    return ConfigSummary.from_json(
        call_helper(python, {**_source_request(path, candidate_features), "dst": None}), path)


def render_config(
    python: Path,
    source: Path,
    destination: Path,
    buckets: Mapping[str, int],
    fields: Mapping[str, str],
    header: str = "",
    candidate_features: bool = False,
) -> ConfigSummary:
    """Write `source` to `destination` with num_buckets filled and `fields` set; raise on unfilled ids. An
    experiment selects the export contract's candidate features only with candidate_features (the training export
    holds retrieved candidates: runner/candidates.py).

    Nothing is written when a `num_buckets: 0` feature has no entry in `buckets`.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    header_text = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    request = {**_source_request(source, candidate_features), "dst": str(destination), "header": header_text,
               "num_buckets": dict(buckets), "set": dict(fields)}
    summary = ConfigSummary.from_json(call_helper(python, request), source)
    if summary.unfilled:
        lines = [f"  - {item['feature']}: the bucket-size file has no row for {' or '.join(item['looked_up'])}"
                 for item in summary.unfilled]
        raise ConfigError(
            f"{source}: {len(lines)} id feature(s) have `num_buckets: 0` (fill from id_buckets) but no bucket "
            "count:\n" + "\n".join(lines) + "\n  fix: add them to the id_buckets export (a row feature_name, "
            "num_buckets), or write the bucket count into the config"
        )
    return summary


def check_supported(summary: ConfigSummary) -> None:
    """Stop early on config choices that need Alibaba's closed packages or other data sources."""
    problems = []
    if summary.fg_mode != "FG_NONE":
        problems.append(
            f"data_config.fg_mode is {summary.fg_mode}: only FG_NONE runs here (FG_DAG/FG_NORMAL/FG_BUCKETIZE "
            "need Alibaba's closed pyfg); encode every feature as a column in the exports and set "
            "`fg_mode: FG_NONE`"
        )
    if summary.dataset_type != "ParquetDataset":
        problems.append(
            f"data_config.dataset_type is {summary.dataset_type}: the runner feeds the Parquet exports; set "
            "`dataset_type: ParquetDataset`"
        )
    if summary.sampler:
        problems.append(
            f"data_config.{summary.sampler} needs Alibaba's GraphLearn (not available here): remove it and "
            "build negatives in dbt, or use in-batch negatives"
        )
    for dag_input in summary.dag_inputs:
        problems.append(
            f"{dag_input}: the `feature:` side chains features through pyfg's DAG, which tzrec builds even "
            "under FG_NONE (and pyfg is not available here); use the user:, item: or context: side"
        )
    if summary.task_towers and len(summary.towers_on_purchase) != 1:
        towers = ", ".join(f"{name} (label {label or '?'})" for name, label in summary.task_towers)
        problems.append(
            f"the multi-task model has {len(summary.towers_on_purchase)} towers on the purchase label "
            f"`{PURCHASE_LABEL}` "
            f"({towers}): give exactly one tower `label_name: \"{PURCHASE_LABEL}\"`; its score becomes the "
            "run's `probs`, which scoring and submission read"
        )
    for feature in summary.features:
        if feature.uses_vocab_or_fg:
            problems.append(
                f"feature `{feature.column}` uses vocab_file, which needs pyfg: give it integer ids "
                "and num_buckets instead"
            )
    if problems:
        raise ConfigError(f"{summary.source} cannot run here:\n" + "\n".join(f"  - {p}" for p in problems))
