"""Experiment files (configs/experiments/<name>.yml): reading, base chains, names, render specs.

    description: DCN v2 v1 with the dense (Adam) learning rate tripled, 0.001 -> 0.003
    base: stage2_dcn_v2_v1          # a family base (configs/base/<family>.config) or another experiment
    features: {...}                 # optional: the feature selection (runner/experiment_configs/features.py),
                                    # merged over the base chain's
    changes:                        # optional: tzrec --edit_config_json paths, applied after the base chain's
      train_config.dense_optimizer.adam_optimizer.lr: 0.003
    decision: not taken: ...        # optional: what was decided from its result
    retired: true                   # only a production_* experiment that is no longer the production model

A change's value is a scalar, a list of scalars (a repeated field), a protobuf text message in quotes
("{ gamma: 2.0 alpha: 0.5 }"), or null, which clears the field (a plain path: names and [index]).
The file's stem is the experiment's name, <stage>_<model>_<version>, and names its run folder,
outputs/<name>/. Production is the one production_* experiment without `retired: true`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runner.candidates import describe_state, is_candidate_feature
from runner.dbt import project_vars
from runner.experiment_configs.contract import EXPORTS_YML, contract_columns, family_contract
from runner.experiment_configs.features import FeatureSelection, build_features, merge_selections
from runner.paths import PROJECT_ROOT, shown

CONFIGS_DIR = PROJECT_ROOT / "configs"
EXPERIMENTS_DIR = CONFIGS_DIR / "experiments"
BASES_DIR = CONFIGS_DIR / "base"
EXPERIMENT_SUFFIXES = (".yml", ".yaml")
KEYS = ("description", "base", "features", "changes", "decision", "retired")
NAME = re.compile(r"^(stage\d+|production)_[a-z0-9_]+_v\d+$")
PRODUCTION_PREFIX = "production_"
SEQUENCE_LENGTH_VAR = "sequence_length"  # the export cuts every sequence to this many elements (dbt var)


class ExperimentError(ValueError):
    pass


@dataclass(frozen=True)
class Experiment:
    name: str
    path: Path
    description: str
    base: str
    features: Mapping[str, Any] = field(default_factory=dict)
    changes: Mapping[str, Any] = field(default_factory=dict)
    decision: str = ""
    retired: bool = False

    @property
    def stage(self) -> str:
        return self.name.split("_", 1)[0]


def is_experiment_file(path: Path) -> bool:
    return path.suffix in EXPERIMENT_SUFFIXES


def _check_value(path: Path, key: str, value: Any) -> None:
    scalars = (str, int, float, bool)
    if value is None or isinstance(value, scalars):
        return
    if isinstance(value, list) and all(isinstance(item, scalars) for item in value):
        return
    raise ExperimentError(
        f"{shown(path)}: changes: {key}: a value is a scalar, a list of scalars, null (clears the field) or a "
        "protobuf text message in quotes, e.g. '{ gamma: 2.0 alpha: 0.5 }'")


def read_experiment(path: Path) -> Experiment:
    """One experiment file, validated; errors name the file, the key and the fix."""
    where = shown(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ExperimentError(f"cannot read the experiment {where}: {error}") from error
    if not isinstance(data, dict):
        raise ExperimentError(f"{where}: an experiment is a mapping with description, base, and optionally "
                              "features, changes, decision")
    if not NAME.match(path.stem):
        raise ExperimentError(f"{where}: the name {path.stem!r} is not <stage>_<model>_<version> (e.g. "
                              "stage2_dcn_v2_v13 or production_dcn_v2_v5): rename the file")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ExperimentError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(KEYS)})")
    for key in ("description", "base"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ExperimentError(f"{where}: `{key}` is missing: give it one line of text")
    if "\n" in data["description"].strip():
        raise ExperimentError(f"{where}: description is one line (what it changes and why)")
    features = data.get("features") or {}
    changes = data.get("changes") or {}
    for key, value, wanted in (("features", features, "a mapping (embedding_dim, dense, groups, ...)"),
                               ("changes", changes, "a mapping of tzrec config paths to values")):
        if not isinstance(value, dict):
            raise ExperimentError(f"{where}: `{key}` is {wanted}")
    for key, value in changes.items():
        _check_value(path, str(key), value)
    retired = data.get("retired", False)
    if not isinstance(retired, bool) or (retired and not path.stem.startswith(PRODUCTION_PREFIX)):
        raise ExperimentError(f"{where}: `retired: true` marks a production_* experiment that left production")
    return Experiment(name=path.stem, path=path, description=data["description"].strip(), base=data["base"].strip(),
                      features=features, changes={str(k): v for k, v in changes.items()},
                      decision=str(data.get("decision") or "").strip(), retired=retired)


def experiments(folder: Path = EXPERIMENTS_DIR) -> dict[str, Experiment]:
    """Every experiment of the folder, by name, in name order."""
    found: dict[str, Experiment] = {}
    for path in sorted(p for p in folder.iterdir() if is_experiment_file(p)):
        experiment = read_experiment(path)
        if experiment.name in found:
            raise ExperimentError(f"two experiment files are named {experiment.name}: {shown(path)} and "
                                  f"{shown(found[experiment.name].path)}")
        found[experiment.name] = experiment
    return found


def family_base(name: str, bases: Path = BASES_DIR) -> Path | None:
    path = bases / f"{name}.config"
    return path if path.is_file() else None


def base_chain(experiment: Experiment, known: Mapping[str, Experiment],
               bases: Path = BASES_DIR) -> tuple[list[Experiment], Path]:
    """The experiment and its bases, leaf first, and the family base config at the root."""
    chain = [experiment]
    while True:
        current = chain[-1]
        if current.base in known:
            parent = known[current.base]
            if parent in chain:
                names = " <- ".join(e.name for e in [*chain, parent])
                raise ExperimentError(f"{shown(experiment.path)}: its base chain loops: {names}")
            chain.append(parent)
            continue
        family = family_base(current.base, bases)
        if family is None:
            families = ", ".join(sorted(p.stem for p in bases.glob("*.config")))
            raise ExperimentError(f"{shown(current.path)}: base {current.base!r} is neither an experiment "
                                  f"(configs/experiments/) nor a family base ({families})")
        return chain, family


def family_base_of(path: Path, bases: Path = BASES_DIR) -> Path:
    """The family base config at the root of an experiment's base chain."""
    return base_chain(read_experiment(path), experiments(path.parent), bases)[1]


def resolve_config(value: str | Path, folder: Path = EXPERIMENTS_DIR, root: Path | None = None) -> Path:
    """An experiment name (stage2_dcn_v2_v11) -> its file; an existing path (relative to `root` when given,
    as a study file's entries are to the project root) -> that path.

    A value that is neither is returned unchanged (the caller reports it with missing_config_message)."""
    path = Path(value)
    if root is not None and not path.is_absolute() and (root / path).is_file():
        return root / path
    if path.is_file():
        return path
    if len(path.parts) == 1 and not path.suffix:
        candidate = folder / f"{path.name}.yml"
        if candidate.is_file():
            return candidate
    return path


def missing_config_message(value: str | Path, folder: Path = EXPERIMENTS_DIR) -> str:
    path = Path(value)
    hint = ""
    if (folder / f"{path.stem}.yml").is_file():
        hint = f" (the experiment {path.stem} is {shown(folder / f'{path.stem}.yml')}: pass --config {path.stem})"
    return (f"config {value} does not exist{hint}: name an experiment (`python -m runner configs list`), its file "
            "configs/experiments/<name>.yml, or a whole tzrec pipeline config")


def production_experiment(folder: Path = EXPERIMENTS_DIR) -> Path:
    """The one production_* experiment that is not retired: what `python -m runner run` trains."""
    live = [e for e in experiments(folder).values() if e.name.startswith(PRODUCTION_PREFIX) and not e.retired]
    if len(live) != 1:
        found = ", ".join(e.name for e in live) or "none"
        raise FileNotFoundError(f"expected exactly one production_* experiment without `retired: true` in "
                                f"{shown(folder)} (found {found}): mark the old one retired, or pass --config")
    return live[0].path


def chain_changes(chain: list[Experiment]) -> list[tuple[Experiment, str, Any]]:
    """Every change of a chain, root first: (experiment, path, value)."""
    return [(experiment, key, value) for experiment in reversed(chain) for key, value in experiment.changes.items()]


def train_input_path_of(path: Path) -> tuple[str, str] | None:
    """(value, where) of the last change to train_input_path along an experiment's chain; None: the base's."""
    experiment = read_experiment(path)
    chain, _ = base_chain(experiment, experiments(path.parent))
    found = None
    for owner, key, value in chain_changes(chain):
        if key == "train_input_path":
            found = (str(value), f"{shown(owner.path)}: changes: train_input_path")
    return found


@dataclass(frozen=True)
class RenderSpec:
    """Everything the tzrec interpreter needs to build an experiment's pipeline config (sent as JSON)."""

    name: str
    source: Path
    base: Path
    chain: tuple[str, ...]
    feature_configs: tuple[str, ...]
    feature_groups: tuple[tuple[str, tuple[str, ...]], ...]
    changes: tuple[tuple[str, str, Any], ...]  # (file, path, value), root first
    features_summary: str
    description: str
    contract: Path = EXPORTS_YML  # the contract file the features were selected from
    candidates: str = ""  # whether the contract's candidate features were selectable, in words (runner/candidates.py)

    @property
    def header(self) -> str:
        chain = " <- ".join([*self.chain, shown(self.base)])
        return "\n".join([
            f"{self.name}: {self.description}",
            f"Base chain: {chain}",
            f"Features from {shown(self.contract)}: {self.features_summary}",
            *([f"Candidate features: {self.candidates}."] if self.candidates else []),
            f"Rendered by `python -m runner configs render {self.name}`: edit {shown(self.source)}, not this file.",
            "num_buckets: 0, train_input_path, eval_input_path and model_dir are filled by the runner when it trains.",
        ])

    def as_request(self) -> dict[str, Any]:
        return {"name": self.name, "source": shown(self.source), "base": str(self.base),
                "feature_configs": list(self.feature_configs),
                "feature_groups": {group: list(members) for group, members in self.feature_groups},
                "changes": [{"source": source, "path": key, "value": value} for source, key, value in self.changes],
                "header": "".join(f"# {line}\n" for line in self.header.splitlines())}


def render_spec(path: Path, contract: Path = EXPORTS_YML, known: Mapping[str, Experiment] | None = None,
                bases: Path = BASES_DIR, candidate_features: bool = False) -> RenderSpec:
    """An experiment's render spec: its base chain, the features its selection makes of the contract, and the
    changes in the order they apply. The contract's candidate features are selectable only with candidate_features
    (the training export holds retrieved candidates: runner/candidates.py); by default they are left out."""
    experiment = read_experiment(path)
    known = experiments(path.parent) if known is None else known
    chain, base = base_chain(experiment, known, bases)
    layers = [dict(e.features) for e in reversed(chain) if e.features]
    if not layers:
        raise ExperimentError(f"{shown(path)}: no experiment of its base chain ({' <- '.join(e.name for e in chain)}) "
                              "gives `features:`: add a features block (docs/guide/models.md)")
    where = " <- ".join(shown(e.path) for e in chain if e.features)
    selection = FeatureSelection.from_mapping(merge_selections(layers), where)
    sequence_length = int(project_vars().get(SEQUENCE_LENGTH_VAR, 0) or 0)
    contract_path, export_model = family_contract(base.stem, contract)
    columns = contract_columns(contract_path, export_model)
    left_out = () if candidate_features else [column.name for column in columns if is_candidate_feature(column.name)]
    features = build_features(selection, columns, sequence_length, where, left_out=left_out)
    candidates = describe_state(candidate_features) if any(is_candidate_feature(c.name) for c in columns) else ""
    return RenderSpec(
        name=experiment.name, source=path, base=base, chain=tuple(e.name for e in chain),
        feature_configs=features.feature_configs, feature_groups=features.groups,
        changes=tuple((shown(owner.path), key, value) for owner, key, value in chain_changes(chain)),
        features_summary=features.summary(selection), description=experiment.description, contract=contract_path,
        candidates=candidates)
