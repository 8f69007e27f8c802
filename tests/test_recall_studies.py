"""The recall study files (configs/studies/recall.yml, lookback_7d.yml, lookback_all.yml) as `python -m runner study`
reads them, without running anything: every dbt var they set is declared, a retrieval study's months each get their
own retrieval run folder as retrieval_candidate_runs, and a malformed `retrieval` is refused."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import runner.dbt
from runner import study as study_module
from runner.dbt import project_vars
from runner.paths import PROJECT_ROOT, shown
from runner.study import Study, StudyError

STUDIES = PROJECT_ROOT / "configs" / "studies"


@pytest.mark.parametrize("name", ["recall", "lookback_7d", "lookback_all"])
def test_the_study_files_are_accepted(name: str) -> None:
    study = Study.read(STUDIES / f"{name}.yml")
    assert study.generator_seeds == [101, 202, 303] and study.model_seeds == [1]
    assert [config.stem for config in study.tzrec] == ["stage2_dcn_v2_v11"]
    # compared, on its page, with the control: the same months and models on the touched-3d candidates
    control = Study.read(study.control)
    assert study.control == STUDIES / "touched_3d.yml" and control.retrieval is None
    # the control names its 3 days: the project's default is another
    assert control.dbt_vars == {"candidate_lookback_days": 3}
    assert project_vars()["candidate_lookback_days"] != 3
    assert (control.generator_seeds, control.users, control.model_seeds, control.tzrec, control.gbdt_seeds) == \
        (study.generator_seeds, study.users, study.model_seeds, study.tzrec, study.gbdt_seeds)
    # run_study refuses a var dbt_project.yml does not declare
    assert not set(study.dbt_vars) - set(project_vars())


def test_a_retrieval_study_gives_each_month_its_own_retriever() -> None:
    study = Study.read(STUDIES / "recall.yml")
    assert study.retrieval is not None and study.retrieval.name == "stage1_dssm_v1.yml"
    assert study.dbt_vars == {"retrieval_candidate_top_n": 10, "candidate_lookback_days": 3}
    # samples one cutoff at a time, as every build with retrieved candidates (runner.pipeline.retrieval.Candidates)
    assert study.workspace(101).dbt_vars()["build_by_partition"] is True
    runs = {seed: study.workspace(seed).dbt_vars()["retrieval_candidate_runs"] for seed in study.generator_seeds}
    assert runs == {seed: [f"outputs/study_variants/recall/seed_{seed}/retrieval/stage1_dssm_v1"]
                    for seed in study.generator_seeds}
    assert set(project_vars()) >= {"retrieval_candidate_runs", "retrieval_candidate_top_n"}
    # the lookback studies set no retrieval
    assert "retrieval_candidate_runs" not in Study.read(STUDIES / "lookback_7d.yml").workspace(101).dbt_vars()


@pytest.mark.parametrize(("lines", "message"), [
    ("retrieval: {config: stage1_dssm_v1}\n", "retrieval needs a variant"),
    ("variant: v\nretrieval: {config: stage1_dssm_v1}\ndbt_vars: {}\n", "retrieval_candidate_top_n"),
    ("variant: v\nretrieval: {config: stage1_dssm_v1}\n"
     "dbt_vars: {retrieval_candidate_top_n: 10, retrieval_candidate_runs: [x]}\n", "leave it out"),
    ("variant: v\nretrieval: stage1_dssm_v1\ndbt_vars: {retrieval_candidate_top_n: 10}\n", "mapping with `config`"),
    ("variant: v\nretrieval: {config: stage1_nothing_v1}\ndbt_vars: {retrieval_candidate_top_n: 10}\n",
     "does not exist"),
])
def test_a_malformed_retrieval_is_refused(tmp_path: Path, lines: str, message: str) -> None:
    path = tmp_path / "study.yml"
    path.write_text(lines + "generator_seeds: [101]\ntzrec: [configs/experiments/stage2_dcn_v2_v11.yml]\n")
    with pytest.raises(StudyError, match=message):
        Study.read(path)


def test_a_retrieval_month_is_retrieved_before_its_candidates_are_built(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The month's retrieval exports are built without the candidates (whose retrieved pairs do not exist yet),
    then `retrieve --splits train eval predict` runs; the month's own build waits for retrieved pairs newer than
    its exports."""
    monkeypatch.setattr(study_module, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(study_module, "VARIANT_DATA", tmp_path / "data" / "variants")
    monkeypatch.setattr(study_module, "VARIANT_OUTPUTS", tmp_path / "outputs")
    builds: list[tuple[list[str], dict]] = []
    commands: list[list[str]] = []
    monkeypatch.setattr(runner.dbt, "run_dbt", lambda args, dbt_vars, env=None: builds.append((args, dbt_vars)))
    monkeypatch.setattr(study_module.processes, "run",
                        lambda command, what, **_: commands.append(command) or subprocess.CompletedProcess(command, 0))
    study = Study.read(STUDIES / "recall.yml")
    workspace = study.workspace(101)
    workspace.answers.parent.mkdir(parents=True)
    workspace.answers.write_text("1\t2\n")
    (workspace.raw / "tianchi_fresh_comp_train_user_online_partA.txt").write_text("")

    run = study_module.retrieve_month(workspace, users=10)
    (args, dbt_vars), = builds
    assert "+path:models_sql/retrieval" in args and "+export_id_buckets" in args
    assert dbt_vars["retrieval_candidate_runs"] == [] and dbt_vars["retrieval_out_of_fold"] is True
    assert dbt_vars["processed_dir"] == shown(workspace.processed) and dbt_vars["raw_dir"] == shown(workspace.raw)
    (command,) = commands
    assert command[3:] == ["retrieve", "--config", str(study.retrieval), "--splits", "train", "eval", "predict",
                           "--top-n", "10", "--processed-dir", str(workspace.processed), "--outputs",
                           str(run.parent)]
    assert run == workspace.retrieval_run == tmp_path / "outputs" / "recall" / "seed_101" / "retrieval" / \
        "stage1_dssm_v1"

    # exports newer than the raw files, but older than a retrieved file: the month is built again
    workspace.database.write_text("")
    for name in study_module.EXPORTS:
        (workspace.processed / f"{name}.parquet").write_text("")
    later = max(p.stat().st_mtime for p in workspace.raw.glob("*.txt")) + 10
    for path in workspace.processed.iterdir():
        os.utime(path, (later, later))
    builds.clear()
    study_module.ensure_month(workspace, users=10)
    assert builds == []
    retrieved = run / "folds" / "fold_0" / "retrieved" / "train" / "part-0.parquet"
    retrieved.parent.mkdir(parents=True)
    retrieved.write_text("")
    os.utime(retrieved, (later + 10, later + 10))
    study_module.ensure_month(workspace, users=10)
    ((args, dbt_vars),) = builds
    assert args == ["build"] and dbt_vars["retrieval_candidate_runs"] == [shown(run)]
