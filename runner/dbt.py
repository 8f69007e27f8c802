"""Runs dbt as a subprocess of this environment, from the project root (a child of the runner, stopped with it:
runner/processes.py)."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from runner import processes
from runner.paths import PROJECT_ROOT

log = logging.getLogger(__name__)


class DbtError(RuntimeError):
    pass


def project_vars() -> dict[str, Any]:
    """The dbt vars with their defaults, as dbt_project.yml declares them."""
    return yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text()).get("vars", {})


def dbt_executable() -> Path:
    # dbt lives beside the interpreter running the runner (.venv/bin/dbt).
    return Path(sys.executable).with_name("dbt")


def run_dbt(
    args: Sequence[str],
    dbt_vars: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    """`dbt <args> --vars <json>`; raises DbtError naming the command and the log file on failure."""
    command = [str(dbt_executable()), *args]
    if dbt_vars:
        command += ["--vars", json.dumps(dict(dbt_vars))]
    full_env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT), **(env or {})}
    log.info("running: %s", " ".join(command))
    completed = processes.run(command, f"dbt {args[0] if args else ''}".strip(), cwd=PROJECT_ROOT, env=full_env)
    if completed.returncode != 0:
        raise DbtError(
            f"`dbt {' '.join(args)}` failed (exit {completed.returncode}); "
            f"see the output above and {PROJECT_ROOT / 'logs' / 'dbt.log'}"
        )
