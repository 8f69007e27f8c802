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


def raw_file_names(edition: str) -> list[str]:
    """The edition's raw file names (behaviour files, then the item file)."""
    from runner.synthetic.writer import EDITIONS

    spec = EDITIONS[edition]
    return [*spec.behavior_files, spec.item_file]


def missing_raw_files(raw_dir: Path, edition: str = "online") -> list[str]:
    """The edition's raw file names that `raw_dir` lacks."""
    return [name for name in raw_file_names(edition) if not (raw_dir / name).exists()]


def _listed(raw_dir: Path, names: list[str]) -> str:
    return ", ".join(str(raw_dir / name) for name in names)


def ensure_raw_data(raw_dir: Path, users: int = DEFAULT_USERS, seed: int = DEFAULT_GENERATOR_SEED,
                    edition: str | None = None) -> str:
    """The raw files in `raw_dir` and their edition: `edition` when given, else the one whose files are there.
    A month is generated (of `edition`, online when not given) only when `raw_dir` holds no raw file of either
    edition: files of one edition are never taken for the other, and real files are never written over.
    Returns the edition to build."""
    from runner.synthetic.writer import EDITIONS

    found = {name: [f for f in raw_file_names(name) if (raw_dir / f).exists()] for name in EDITIONS}
    complete = [name for name, files in found.items() if len(files) == len(raw_file_names(name))]
    if edition is not None:
        others = [name for name in EDITIONS if name != edition and found[name]]
        if edition in complete:
            log.info("using the %s edition's raw files already in %s", edition, raw_dir)
            return edition
        if found[edition]:
            raise FileNotFoundError(
                f"{raw_dir} holds part of the {edition} edition's raw files: {_listed(raw_dir, found[edition])} "
                f"but not {_listed(raw_dir, missing_raw_files(raw_dir, edition))}. Put the missing file(s) there "
                "(or point --raw-dir at the folder that has them all)")
        if others:
            raise FileNotFoundError(
                f"{raw_dir} holds the {others[0]} edition's raw files ({_listed(raw_dir, found[others[0]])}), not "
                f"the {edition} edition's ({', '.join(raw_file_names(edition))}): run with --edition {others[0]}, "
                "or point --raw-dir at the other files")
    else:
        if len(complete) > 1:
            raise ValueError(f"{raw_dir} holds the raw files of both editions ({', '.join(complete)}): choose one "
                             f"with --edition {'|'.join(complete)}")
        if complete:
            log.info("using the raw files already in %s: the %s edition (%s)", raw_dir, complete[0],
                     ", ".join(raw_file_names(complete[0])))
            return complete[0]
        partial = [name for name, files in found.items() if files]
        if partial:
            name = partial[0]
            raise FileNotFoundError(
                f"{raw_dir} holds part of the {name} edition's raw files: {_listed(raw_dir, found[name])} but not "
                f"{_listed(raw_dir, missing_raw_files(raw_dir, name))}. Put the missing file(s) there (or point "
                "--raw-dir at the folder that has them all); a month is generated only into a folder with no raw "
                "file")
    edition = edition or "online"
    log.info("no raw data in %s (no raw file of either edition): generating the default data (%s edition)",
             raw_dir, edition)
    generate_month(raw_dir, users=users, seed=seed, edition=edition)
    return edition
