"""The recall stage of a job: retrieved pairs joined to the ranking's candidates.

    retrieval exports   dbt builds the retrieval exports (the out-of-fold ones among them) and the id buckets,
                        without retrieved candidates, which do not exist yet
    retrieve            `python -m runner retrieve --splits train eval predict --top-n N` in a child process: the
                        two-tower experiment trained on every training user retrieves the eval and predict cutoffs,
                        two more trained on one half of the users each retrieve the training cutoffs out of fold
    candidates          the dbt vars and the retrieved files with which the month's own build joins them

Used by `run --retrieval` (runner.main_job) and by a study with `retrieval` (runner.study);
docs/guide/models.md#retrieved-pairs-as-ranking-candidates.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner import processes
from runner.paths import PROJECT_ROOT, shown

log = logging.getLogger("runner")

# The dbt vars of retrieval candidates (dbt_project.yml).
RETRIEVAL_RUNS_VAR = "retrieval_candidate_runs"
RETRIEVAL_TOP_N_VAR = "retrieval_candidate_top_n"


@dataclass(frozen=True)
class Candidates:
    """One retrieval run's top N pairs as ranking candidates."""

    run: Path  # the two-tower run folder, <outputs>/<experiment name>
    top_n: int

    def dbt_vars(self) -> dict[str, Any]:
        """The candidates' vars, and samples built one cutoff at a time (var build_by_partition, as at the online
        scale): with 10 retrieved items a user the default month's samples ran out of DuckDB's 5 GB in one query."""
        return {RETRIEVAL_RUNS_VAR: [shown(self.run)], RETRIEVAL_TOP_N_VAR: self.top_n, "build_by_partition": True}

    def files(self) -> list[Path]:
        return retrieved_files(self.run)


def retrieved_files(run: Path) -> list[Path]:
    """The retrieved files of a two-tower run folder: its own retriever's and its fold retrievers'."""
    return sorted([*run.glob("retrieved/*/*.parquet"), *run.glob("folds/*/retrieved/*/*.parquet")])


def build_retrieval_exports(dbt_vars: dict[str, Any], env: dict[str, str] | None = None) -> None:
    """dbt builds the retrieval exports, the out-of-fold ones among them, and the id buckets (with what they read),
    without retrieved candidates. `dbt_vars` are the month's (raw_dir, processed_dir, a scale's ...)."""
    from runner.dbt import run_dbt

    build_vars = {**dbt_vars, RETRIEVAL_RUNS_VAR: [], "retrieval_exports": True, "retrieval_out_of_fold": True}
    # cautious: a data test runs only when every model it reads is selected (on a new database the eager default
    # also ran the tests that join a selected model to an export this build does not make, and they failed)
    run_dbt(["build", "--select", "+path:models_sql/retrieval", "+export_id_buckets", "--indirect-selection",
             "cautious"], dbt_vars=build_vars, env=env)


def candidate_splits() -> tuple[str, ...]:
    """Every cutoff a ranking export holds, as `retrieve --splits` names them: the training cutoffs (out of fold),
    the eval day's and the predict day's (imported here: the retrieval session loads pyarrow)."""
    from runner.retrieval.session import SPLITS, TRAIN_SPLIT

    return (TRAIN_SPLIT, *SPLITS)


def retrieve_command(config: Path, top_n: int, processed: Path, outputs: Path,
                     tzrec_python: str | None = None) -> list[str]:
    """`python -m runner retrieve` for every candidate cutoff, into <outputs>/<experiment name>/."""
    command = [sys.executable, "-m", "runner", "retrieve", "--config", str(config), "--splits", *candidate_splits(),
               "--top-n", str(top_n), "--processed-dir", str(processed), "--outputs", str(outputs)]
    return command + (["--tzrec-python", tzrec_python] if tzrec_python else [])


def retrieve(command: list[str]) -> None:
    """Runs retrieve_command's command in a child process (its finished steps reused); raises when it fails."""
    log.info("retrieval: %s", " ".join(command[1:]))
    completed = processes.run(command, "the retrieval (python -m runner retrieve)", cwd=PROJECT_ROOT)
    if completed.returncode != 0:
        raise RuntimeError(f"`{' '.join(command[1:])}` failed (exit {completed.returncode}); see its output above")
