"""Submit one run: score it if the database does not hold its scoring, then write and check the TSV."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from runner.paths import shown

if TYPE_CHECKING:
    from runner.submission import SubmissionFile

log = logging.getLogger("runner")


def submit_run(run_dir: Path, out: Path | None = None, rescore: bool = False) -> SubmissionFile:
    """`submit`: score the run if the database does not hold it, then write and check the TSV."""
    from runner.locks import database_lock
    from runner.scoring import build_scoring_models, check_predictions, scoring_is_current
    from runner.submission import submission_path, write_submission

    check_predictions(run_dir)
    with database_lock():  # no other job rescores the database between the check and the write
        current, reason = scoring_is_current(run_dir)
        if rescore or not current:
            log.info("submit: scoring %s first (%s)", shown(run_dir), "--rescore" if rescore else reason)
            build_scoring_models(run_dir)
        path = out or submission_path(run_dir)
        written = write_submission(path)
    log.info("submit: wrote %s: %s pairs, %s users, %s items; checked: tab-separated, no header, no duplicates, "
             "every item in P", shown(written.path), f"{written.pairs:,}", f"{written.users:,}", f"{written.items:,}")
    return written
