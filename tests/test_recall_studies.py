"""The recall study files (configs/studies/recall.yml, lookback_7d.yml, lookback_all.yml) as `python -m runner study`
reads them, without running anything: every dbt var they set is declared, a retrieval study's months each get their
own retrieval run folder as retrieval_candidate_runs, and a malformed `retrieval` is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.dbt import project_vars
from runner.paths import PROJECT_ROOT
from runner.study import Study, StudyError

STUDIES = PROJECT_ROOT / "configs" / "studies"


@pytest.mark.parametrize("name", ["recall", "lookback_7d", "lookback_all"])
def test_the_study_files_are_accepted(name: str) -> None:
    study = Study.read(STUDIES / f"{name}.yml")
    assert study.generator_seeds == [101, 202, 303] and study.model_seeds == [1]
    assert [config.stem for config in study.tzrec] == ["stage2_dcn_v2_v11"]
    # run_study refuses a var dbt_project.yml does not declare
    assert not set(study.dbt_vars) - set(project_vars())


def test_a_retrieval_study_gives_each_month_its_own_retriever() -> None:
    study = Study.read(STUDIES / "recall.yml")
    assert study.retrieval is not None and study.retrieval.name == "stage1_dssm_v1.yml"
    assert study.dbt_vars == {"retrieval_candidate_top_n": 10}
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
