"""The raw files: generate a synthetic month in the real formats, or use the files already there."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from runner.defaults import DEFAULT_GENERATOR_SEED, DEFAULT_USERS

if TYPE_CHECKING:
    from runner.synthetic import GenerationSummary

log = logging.getLogger("runner")


def generate_month(out: Path, users: int = DEFAULT_USERS, seed: int = DEFAULT_GENERATOR_SEED, edition: str = "online",
                   progress: bool = True) -> GenerationSummary:
    """Write one synthetic month (and the held-out 12-19 answers) into `out`, logging what was written."""
    from runner.synthetic import generate

    log.info("generating %s users (seed %s, %s edition) into %s", f"{users:,}", seed, edition, out)
    summary = generate(out, n_users=users, seed=seed, edition=edition, progress=progress)
    log.info(
        "wrote %s behaviour rows and %s P rows in %.1f s; 12-19 answers: %s pairs (oracle file: %s pairs)",
        f"{summary.behavior_rows:,}", f"{summary.item_rows:,}", summary.seconds,
        f"{summary.answer_pairs:,}", f"{summary.oracle_pairs:,}",
    )
    for path in summary.files:
        log.info("  %s", path)
    return summary


def missing_raw_files(raw_dir: Path, edition: str = "online") -> list[str]:
    """The edition's raw file names that `raw_dir` lacks."""
    from runner.synthetic.writer import EDITIONS

    spec = EDITIONS[edition]
    return [name for name in (*spec.behavior_files, spec.item_file) if not (raw_dir / name).exists()]


def ensure_raw_data(raw_dir: Path, users: int = DEFAULT_USERS, seed: int = DEFAULT_GENERATOR_SEED) -> None:
    """The online edition's raw files in `raw_dir`: those already there, else a generated month."""
    missing = missing_raw_files(raw_dir)
    if missing:
        log.info("no raw data in %s (missing %s): generating the default data", raw_dir, ", ".join(missing))
        generate_month(raw_dir, users=users, seed=seed, edition="online")
    else:
        log.info("using the raw data already in %s", raw_dir)
