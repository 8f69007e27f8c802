"""Scales: the settings that suit the size of the data, one file each in configs/scales/.

`default` is the project's own settings (a month of about 20,000 users); `online` suits the online
edition (about 1 million users, 50 GB of text). A scale sets dbt vars, DuckDB's memory and threads
(environment variables profiles.yml reads) and what the main job trains. `--scale auto` picks
`online` when the behaviour files hold at least AUTO_ONLINE_BYTES, else `default`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runner.paths import PROJECT_ROOT, shown

log = logging.getLogger("runner")

SCALES_DIR = PROJECT_ROOT / "configs" / "scales"
AUTO = "auto"
# 10 GB of behaviour text: ten times the default month; the online edition holds about 50 GB
AUTO_ONLINE_BYTES = 10 * 1024**3


class ScaleError(ValueError):
    pass


@dataclass(frozen=True)
class Training:
    """What the main job trains at a scale (None: the project's default)."""

    model_seeds: tuple[int, ...] | None = None
    train_export: str | None = None  # a training export's file name, e.g. train.parquet
    predict_validation: bool = True


@dataclass(frozen=True)
class Scale:
    name: str
    description: str
    dbt_vars: dict[str, Any] = field(default_factory=dict)
    duckdb_env: dict[str, str] = field(default_factory=dict)
    training: Training = Training()

    @classmethod
    def read(cls, name: str, folder: Path = SCALES_DIR) -> Scale:
        """configs/scales/<name>.yml."""
        path = folder / f"{name}.yml"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in folder.glob("*.yml")))
            raise ScaleError(f"no scale {name!r}: {shown(path)} does not exist (known: {known}, or {AUTO})")
        spec = yaml.safe_load(path.read_text()) or {}
        unknown = set(spec) - {"description", "dbt_vars", "duckdb", "training"}
        if unknown:
            raise ScaleError(f"{shown(path)}: unknown keys {', '.join(sorted(unknown))}")
        training = spec.get("training") or {}
        seeds = training.get("model_seeds")
        return cls(
            name=name,
            description=str(spec.get("description", "")),
            dbt_vars=dict(spec.get("dbt_vars") or {}),
            duckdb_env={key: str(value) for key, value in (spec.get("duckdb") or {}).items()},
            training=Training(model_seeds=tuple(seeds) if seeds else None, train_export=training.get("train_export"),
                              predict_validation=bool(training.get("predict_validation", True))),
        )


def behavior_bytes(raw_dir: Path) -> int:
    """The size of the behaviour files in raw_dir (either edition's names; 0 when there are none)."""
    from runner.synthetic.writer import EDITIONS

    names = {name for edition in EDITIONS.values() for name in edition.behavior_files}
    return sum((raw_dir / name).stat().st_size for name in names if (raw_dir / name).is_file())


def pick_scale(name: str, raw_dir: Path) -> Scale:
    """The scale called `name`, or for `auto` the one the behaviour files' size calls for (logged)."""
    if name != AUTO:
        return Scale.read(name)
    size = behavior_bytes(raw_dir)
    picked = "online" if size >= AUTO_ONLINE_BYTES else "default"
    log.info("scale %s: the behaviour files in %s hold %.1f GB (the online scale from %.0f GB up; --scale "
             "chooses): configs/scales/%s.yml", picked, shown(raw_dir), size / 1024**3, AUTO_ONLINE_BYTES / 1024**3,
             picked)
    return Scale.read(picked)


def scoring_vars(scale: Scale) -> dict[str, Any]:
    """The scale's dbt vars that the scoring models read (score_*)."""
    return {name: value for name, value in scale.dbt_vars.items() if name.startswith("score_")}
