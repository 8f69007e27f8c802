"""`python -m runner configs list|render|diff|index`: the experiments, what they render to, how they differ."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from runner.experiment_configs.experiment import ExperimentError, is_experiment_file, resolve_config
from runner.paths import shown

log = logging.getLogger("runner.configs")


def _experiment(value: str) -> Path:
    path = resolve_config(value)
    if not (path.is_file() and is_experiment_file(path)):
        raise ExperimentError(f"{value} is not an experiment: name one of `python -m runner configs list` (e.g. "
                              "stage2_dcn_v2_v11) or its file configs/experiments/<name>.yml")
    return path


def _render(args: argparse.Namespace, *names: str) -> list[str]:
    from runner.experiment_configs.render import render_experiments
    from runner.tzrec.interpreter import find_tzrec_python

    paths = [_experiment(name) for name in names]
    rendered = render_experiments(find_tzrec_python(args.tzrec_python), paths)
    return [rendered[path.stem] for path in paths]


def run_configs(args: argparse.Namespace) -> int:
    action = args.configs_command
    if action == "list":
        from runner.experiment_configs.index import entries, list_text

        print(list_text(entries()))
    elif action == "render":
        (text,) = _render(args, args.name)
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text)
            log.info("wrote %s", shown(args.out))
        else:
            print(text, end="")
    elif action == "diff":
        from runner.experiment_configs.render import config_diff

        old, new = _render(args, args.a, args.b)
        print(config_diff(old, new, args.a, args.b) or f"{args.a} and {args.b} render to the same config", end="")
    elif action == "index":
        from runner.experiment_configs.index import write_index

        log.info("wrote %s", shown(write_index(args.out)))
    return 0
