"""Rendering experiments into whole pipeline configs: one call of the tzrec interpreter for many.

Importing tzrec's protobuf costs a fraction of a second per process; rendering every experiment in one
call (runner/tzrec_shims/tzrec_experiment_config.py) keeps `configs render`, `configs diff` and the
tests quick. The readable layout prints one line per feature config; the runner's run folders get
protobuf's standard layout (runner/tzrec/config.py), which parses to the same message.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from runner.experiment_configs.contract import EXPORTS_YML
from runner.experiment_configs.experiment import experiments, render_spec
from runner.tzrec.config import call_helper

SHIM_MODULE = "tzrec_experiment_config"
LAYOUTS = ("readable", "standard")


def render_experiments(python: Path, paths: Sequence[Path], contract: Path = EXPORTS_YML,
                       layout: str = "readable") -> dict[str, str]:
    """Experiment name -> its whole pipeline config (header and text), all in one tzrec-interpreter call."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r}: one of {', '.join(LAYOUTS)}")
    known_by_folder: dict[Path, dict] = {}
    specs = []
    for path in paths:
        known = known_by_folder.setdefault(path.parent, experiments(path.parent))
        specs.append(render_spec(path, contract, known).as_request())
    if not specs:
        return {}
    answer = call_helper(python, {"layout": layout, "experiments": specs}, module=SHIM_MODULE)
    return answer["rendered"]


def config_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """A unified diff of two rendered configs, their headers left out ('' when they are the same)."""
    def body(text: str) -> list[str]:
        return [line for line in text.splitlines(keepends=True) if not line.startswith("#")]

    return "".join(difflib.unified_diff(body(old), body(new), fromfile=old_name, tofile=new_name))
