"""The main job's model stages with several model seeds: one run per seed, their mean scored and submitted.

tzrec itself is replaced by a stand-in that writes predictions (the real steps are covered by
tests/tzrec/test_tzrec_smoke.py); what is checked here is the orchestration: where each seed's run
goes, which seed each run gets, and that the averaged run is what score and submit receive.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import runner.pipeline.build
import runner.pipeline.score
import runner.pipeline.submit
import runner.tzrec.steps
from runner.main_job import MainJob

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs/experiments/stage2_deepfm_v3.yml"


def _fake_tzrec(calls: list[tuple[str, int, Path]]) -> Any:
    def run_command(step: str, options: runner.tzrec.steps.RunOptions) -> list[Any]:
        run_dir = options.outputs_dir / options.config.stem
        calls.append((step, options.seed, run_dir))
        record = {"metrics": {"auc": 0.8 + options.seed / 100}} if step == "train" else {}
        if step == "predict":
            for split in ("eval", "predict"):
                folder = run_dir / "predictions" / split
                folder.mkdir(parents=True, exist_ok=True)
                columns = {"logits": pa.array([0.0, 0.0], pa.float32()),
                           "probs": pa.array([options.seed / 10, 0.5], pa.float32()),
                           "user_id": pa.array([1, 2], pa.int64()), "item_id": pa.array([10, 20], pa.int64()),
                           "cutoff_date": pa.array(["2014-12-17", "2014-12-17"])}
                if split == "eval":
                    columns["label"] = pa.array([1, 0], pa.int32())
                pq.write_table(pa.table(columns), folder / "part-0.parquet")
        return [SimpleNamespace(step=step, ran=True, record=record)]

    return run_command


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[str, int, Path]], list[Path]]:
    """tzrec, score and submit replaced: (tzrec calls as (step, seed, run folder), run folders scored)."""
    calls: list[tuple[str, int, Path]] = []
    scored: list[Path] = []
    monkeypatch.setattr(runner.tzrec.steps, "run_command", _fake_tzrec(calls))
    monkeypatch.setattr(runner.pipeline.score, "score_and_record",
                        lambda run_dir, *args, **kwargs: scored.append(run_dir) or SimpleNamespace())
    monkeypatch.setattr(runner.pipeline.submit, "submit_run", lambda run_dir: SimpleNamespace(path=run_dir / "s.tsv"))
    return calls, scored


def test_several_model_seeds_train_apart_and_their_mean_is_submitted(
        tmp_path: Path, recorded: tuple[list[tuple[str, int, Path]], list[Path]]) -> None:
    calls, scored = recorded
    job = MainJob(config=CONFIG, raw_dir=tmp_path / "raw", model_seeds=(1, 3), outputs_dir=tmp_path)
    job.run_model()

    members = {seed: tmp_path / "model_seeds" / f"m{seed}" / CONFIG.stem for seed in (1, 3)}
    assert [(step, seed) for step, seed, _ in calls] == [
        ("train", 1), ("export", 1), ("predict", 1), ("train", 3), ("export", 3), ("predict", 3)]
    assert {seed: run_dir for _, seed, run_dir in calls} == members
    averaged = tmp_path / CONFIG.stem
    assert scored == [averaged]
    probs = pq.read_table(averaged / "predictions" / "eval").column("probs").to_pylist()
    # the mean logit of 0.1 and 0.3 for the pair whose members differ (their mean probability would be 0.2)
    mean_logit = (math.log(0.1 / 0.9) + math.log(0.3 / 0.7)) / 2
    assert probs == pytest.approx([1 / (1 + math.exp(-mean_logit)), 0.5], rel=1e-6)
    assert job.results["validation_aucs"] == pytest.approx([0.81, 0.83])
    assert "mean of model seeds 1, 3" in (averaged / "run_info.json").read_text()


def test_one_model_seed_is_a_plain_run(tmp_path: Path,
                                       recorded: tuple[list[tuple[str, int, Path]], list[Path]]) -> None:
    calls, scored = recorded

    MainJob(config=CONFIG, raw_dir=tmp_path / "raw", model_seeds=(7,), outputs_dir=tmp_path).run_model()

    assert {run_dir for _, _, run_dir in calls} == {tmp_path / CONFIG.stem}
    assert scored == [tmp_path / CONFIG.stem] and not (tmp_path / "model_seeds").exists()


def test_a_run_that_exports_its_best_checkpoint_reports_that_checkpoints_auc(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        recorded: tuple[list[tuple[str, int, Path]], list[Path]]) -> None:
    calls, _ = recorded
    fake = _fake_tzrec(calls)

    def best_exported(step: str, options: runner.tzrec.steps.RunOptions) -> list[Any]:
        outcomes = fake(step, options)
        if step == "export":  # the runner's record of the checkpoint it exported (runner/tzrec/checkpoints.py)
            outcomes[0].record.update({"checkpoint": "model.ckpt-340", "checkpoint_metric": {"auc": 0.9}})
        return outcomes

    monkeypatch.setattr(runner.tzrec.steps, "run_command", best_exported)
    job = MainJob(config=CONFIG, raw_dir=tmp_path / "raw", model_seeds=(1,), outputs_dir=tmp_path)
    job.run_model()
    assert job.results["validation_aucs"] == [0.9]  # not the last checkpoint's 0.81


def test_the_main_jobs_build_stage_is_a_plain_dbt_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build stage runs `dbt build` with the raw files' vars and nothing else: the exports' folder, which a
    fresh clone lacks, is created by the dbt project itself (tests/dbt/test_fresh_clone_build.py)."""
    calls: list[tuple[list[str], dict[str, Any], Any]] = []
    monkeypatch.setenv("TIANCHI_DUCKDB_PATH", str(tmp_path / "tianchi.duckdb"))  # its lock and record go there
    monkeypatch.setattr(runner.pipeline.build, "run_dbt",
                        lambda args, dbt_vars, env: calls.append((list(args), dbt_vars, env)))
    runner.pipeline.build.dbt_build(tmp_path / "raw")
    assert calls == [(["build"], {"edition": "online", "raw_dir": str(tmp_path / "raw")}, None)]


def test_the_build_deletes_the_spill_files_a_stopped_build_left(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB deletes its spill files when it closes, which a stopped dbt does not: the next build, holding the
    database's lock, deletes them, and nothing else in the folder."""
    monkeypatch.setenv("TIANCHI_DUCKDB_PATH", str(tmp_path / "tianchi.duckdb"))
    monkeypatch.delenv("DUCKDB_TEMP_DIR", raising=False)
    spill = tmp_path / "tianchi.duckdb.tmp"
    spill.mkdir()
    for name in ("duckdb_temp_9333_0_owner", "duckdb_temp_9333_0_storage_DEFAULT-0.tmp"):
        (spill / name).write_bytes(b"x" * 1000)
    (spill / "kept.txt").write_text("not DuckDB's")
    seen: list[list[str]] = []
    monkeypatch.setattr(runner.pipeline.build, "run_dbt",
                        lambda args, dbt_vars, env: seen.append(sorted(p.name for p in spill.iterdir())))
    runner.pipeline.build.dbt_build(tmp_path / "raw")
    assert seen == [["kept.txt"]]


def test_a_scale_adds_its_vars_and_duckdb_settings_to_the_build(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from runner.scales import Scale, pick_scale

    calls: list[tuple[list[str], dict[str, Any], Any]] = []
    monkeypatch.setenv("TIANCHI_DUCKDB_PATH", str(tmp_path / "tianchi.duckdb"))  # its lock and record go there
    monkeypatch.setattr(runner.pipeline.build, "run_dbt",
                        lambda args, dbt_vars, env: calls.append((list(args), dbt_vars, env)))
    online = Scale.read("online")
    runner.pipeline.build.dbt_build(tmp_path / "raw", scale=online)
    (args, dbt_vars, env), = calls
    assert dbt_vars["raw_dir"] == str(tmp_path / "raw") and dbt_vars["build_by_partition"] is True
    assert dbt_vars["stage_behavior_lines"] is True  # the 50 GB of text read and checked once
    assert dbt_vars["drop_staged_lines"] is True  # and its Parquet deleted once read, for the disk
    assert dbt_vars["build_all_negatives_export"] is False and env == {"DUCKDB_MEMORY_LIMIT": "12GB",
                                                                        "DUCKDB_THREADS": "2"}
    # auto: the default scale below 10 GB of behaviour files (none here)
    assert pick_scale("auto", tmp_path / "raw").name == "default"
    assert online.training.model_seeds == (1,) and online.training.train_export == "train.parquet"
    assert (tmp_path / "tianchi.duckdb.build.json").is_file()  # the record of a full build, beside its database


def test_blend_gbdt_trains_the_gbdt_per_seed_and_submits_its_blend_with_the_tzrec_mean(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        recorded: tuple[list[tuple[str, int, Path]], list[Path]]) -> None:
    import runner.baselines.gbdt
    import runner.main_job

    _, scored = recorded
    processed = tmp_path / "processed"
    monkeypatch.setattr(runner.main_job, "PROCESSED_DIR", processed)
    for name in ("train", "validation", "eval", "predict"):
        (processed / f"{name}.parquet").parent.mkdir(exist_ok=True)
        (processed / f"{name}.parquet").write_text("")
    trained: list[tuple[int, Path]] = []

    def train_gbdt(name: str, params: Any, processed_dir: Path, outputs_dir: Path) -> Any:
        trained.append((params.seed, outputs_dir / name))
        run_dir = outputs_dir / name
        for split in ("eval", "predict", "validation"):  # as train_gbdt: every split
            folder = run_dir / "predictions" / split
            folder.mkdir(parents=True, exist_ok=True)
            columns = {"logits": pa.array([0.0, 0.0], pa.float32()),
                       "probs": pa.array([0.2, 0.5], pa.float32()),
                       "user_id": pa.array([1, 2], pa.int64()), "item_id": pa.array([10, 20], pa.int64()),
                       "cutoff_date": pa.array(["2014-12-17", "2014-12-17"])}
            if split != "predict":
                columns["label"] = pa.array([1, 0], pa.int32())
            pq.write_table(pa.table(columns), folder / "part-0.parquet")
        (run_dir / "run.json").write_text("{}")
        return SimpleNamespace(run_dir=run_dir)

    monkeypatch.setattr(runner.baselines.gbdt, "train_gbdt", train_gbdt)
    job = MainJob(config=CONFIG, raw_dir=tmp_path / "raw", model_seeds=(1, 3), outputs_dir=tmp_path,
                  blend_gbdt=True)
    job.run_model()

    assert trained == [(seed, tmp_path / "model_seeds" / f"m{seed}" / "gbdt_v1") for seed in (1, 3)]
    blend = tmp_path / f"{CONFIG.stem}_gbdt_blend"
    assert scored == [blend]
    probs = pq.read_table(blend / "predictions" / "eval").column("probs").to_pylist()
    # tzrec's mean logit of 0.1 and 0.3, then the mean logit of that and the GBDT's 0.2
    tzrec_logit = (math.log(0.1 / 0.9) + math.log(0.3 / 0.7)) / 2
    blend_logit = (tzrec_logit + math.log(0.2 / 0.8)) / 2
    assert probs == pytest.approx([1 / (1 + math.exp(-blend_logit)), 0.5], rel=1e-6)
    assert job.results["blended"] == (tmp_path / "gbdt_v1", tmp_path / CONFIG.stem)

    # a second run reuses the GBDT runs, which are newer than every export
    trained.clear()
    job = MainJob(config=CONFIG, raw_dir=tmp_path / "raw", model_seeds=(1, 3), outputs_dir=tmp_path,
                  blend_gbdt=True)
    job.run_model()
    assert trained == []


def test_the_summary_points_at_the_logs_the_tzrec_steps_wrote(tmp_path: Path) -> None:
    """An average or a blend has no tzrec logs of its own: the summary names each model seed's run."""
    several = MainJob(config=CONFIG, raw_dir=tmp_path, model_seeds=(1, 3), outputs_dir=tmp_path / "outputs")
    several.results["blended"] = (tmp_path / "outputs" / "gbdt_v1", tmp_path / "outputs" / CONFIG.stem)
    assert several._tzrec_logs(tmp_path / "outputs" / f"{CONFIG.stem}_gbdt_blend").endswith(
        f"model_seeds/m{{1,3}}/{CONFIG.stem}/logs/")
    one = MainJob(config=CONFIG, raw_dir=tmp_path, model_seeds=(7,), outputs_dir=tmp_path / "outputs")
    assert one._tzrec_logs(tmp_path / "outputs" / CONFIG.stem).endswith(f"outputs/{CONFIG.stem}/logs/")


def test_on_generated_data_the_summary_sets_the_submission_beside_the_oracle(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import runner.oracle

    job = MainJob(config=CONFIG, raw_dir=tmp_path / "raw", model_seeds=(1,), outputs_dir=tmp_path / "outputs")
    point = SimpleNamespace(eval_f1=0.1, eval_precision=0.1, eval_recall=0.1, eval_predicted_pairs=300, eval_hits=30,
                            eval_true_pairs=300, describe=lambda: "top 0.4 %")
    board = SimpleNamespace(has_answers=True, label_date="2014-12-19", f1=0.1, precision=0.1, recall=0.1,
                            submitted_pairs=300, hits=30, true_pairs=300, cart_rule_f1=None)
    oracle = SimpleNamespace(expected_f1=0.16, observed_f1=0.15, pairs_submitted=280)
    best = SimpleNamespace(setting="x", f1=0.1)
    report = SimpleNamespace(point=point, leaderboard=board, cart_rule={}, oracle=oracle, best=lambda kind: best)
    job.results.update(run_dir=tmp_path / "outputs" / CONFIG.stem,
                       score=SimpleNamespace(report=report, plot=tmp_path / "p.png", experiments=tmp_path / "e.csv"),
                       submission=SimpleNamespace(path=tmp_path / "s.tsv", pairs=300))
    asked: list[tuple[Path, Path]] = []
    monkeypatch.setattr(runner.oracle, "overlap_summary",
                        lambda raw_dir, submission: asked.append((raw_dir, submission)) or "shares 120 of its 300")
    summary = job.summary()
    assert asked == [(tmp_path / "raw", tmp_path / "s.tsv")]
    assert "oracle bound F1 0.1600 expected" in summary and "             shares 120 of its 300" in summary


def test_auto_picks_the_online_scale_from_the_behaviour_files_size(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import runner.scales

    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("tianchi_fresh_comp_train_user_online_partA.txt", "tianchi_fresh_comp_train_user_online_partB.txt"):
        (raw / name).write_bytes(b"x" * 600)
    monkeypatch.setattr(runner.scales, "AUTO_ONLINE_BYTES", 1000)
    assert runner.scales.pick_scale("auto", raw).name == "online"
    monkeypatch.setattr(runner.scales, "AUTO_ONLINE_BYTES", 1201)
    assert runner.scales.pick_scale("auto", raw).name == "default"
    with pytest.raises(runner.scales.ScaleError, match="no scale 'huge'"):
        runner.scales.pick_scale("huge", raw)


def test_retrieval_retrieves_first_and_the_build_joins_its_pairs(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`run --retrieval stage1_dssm_v1`: the retrieval exports are built without candidates, every cutoff is
    retrieved (`retrieve --splits train eval predict`), then the month is built with the retrieved pairs as
    candidates. The build is reused while the retrieved files are the same, and built again when they change or
    when retrieval is turned off."""
    import os
    import subprocess

    import runner.dbt
    import runner.main_job
    import runner.pipeline.data
    import runner.processes
    import runner.profile

    processed, outputs = tmp_path / "processed", tmp_path / "outputs"
    monkeypatch.setenv("TIANCHI_DUCKDB_PATH", str(tmp_path / "tianchi.duckdb"))
    (tmp_path / "tianchi.duckdb").write_text("")
    monkeypatch.setattr(runner.main_job, "PROCESSED_DIR", processed)
    monkeypatch.setattr(runner.pipeline.build, "PROCESSED_DIR", processed)
    monkeypatch.setattr(runner.pipeline.data, "ensure_raw_data", lambda *args, **kwargs: "online")
    monkeypatch.setattr(runner.profile, "print_profile", lambda: None)
    monkeypatch.setattr(MainJob, "run_model", lambda self: None)
    events: list[tuple[str, Any]] = []

    def build_retrieval_exports(args: list[str], dbt_vars: dict[str, Any], env: Any = None) -> None:
        events.append(("retrieval exports", (list(args), dbt_vars)))
        processed.mkdir(exist_ok=True)
        (processed / "retrieval_train.parquet").write_text("")

    monkeypatch.setattr(runner.dbt, "run_dbt", build_retrieval_exports)
    monkeypatch.setattr(runner.pipeline.build, "run_dbt",
                        lambda args, dbt_vars, env: events.append(("build", (list(args), dbt_vars))))
    run = outputs / "stage1_dssm_v1"
    retrieved = [run / "retrieved" / "eval" / "part-0.parquet",
                 *(run / "folds" / f"fold_{k}" / "retrieved" / "train" / "part-0.parquet" for k in (0, 1))]

    def retrieve(command: list[str], what: str, **_: Any) -> subprocess.CompletedProcess[str]:
        events.append(("retrieve", command[3:]))
        for path in retrieved:  # written once; a finished step is reused, its file left as it is
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(runner.processes, "run", retrieve)

    def job(**kwargs: Any) -> MainJob:
        return MainJob(config=CONFIG, raw_dir=tmp_path / "raw", outputs_dir=outputs, scale_name="default", **kwargs)

    first = job(retrieval=Path("stage1_dssm_v1"))
    summary = first.run()
    (kind, (args, dbt_vars)), (retrieving, command), (build, (build_args, build_vars)) = events
    assert (kind, retrieving, build) == ("retrieval exports", "retrieve", "build")
    assert "+path:models_sql/retrieval" in args and "+export_id_buckets" in args
    assert dbt_vars["retrieval_candidate_runs"] == [] and dbt_vars["retrieval_out_of_fold"] is True
    assert dbt_vars["raw_dir"] == str(tmp_path / "raw")
    assert command == ["retrieve", "--config", str(ROOT / "configs/experiments/stage1_dssm_v1.yml"), "--splits",
                       "train", "eval", "predict", "--top-n", "10", "--processed-dir", str(processed),
                       "--outputs", str(outputs)]
    assert build_args == ["build"]
    assert build_vars["retrieval_candidate_runs"] == [str(run)] and build_vars["retrieval_candidate_top_n"] == 10
    assert build_vars["build_by_partition"] is True  # samples one cutoff at a time: in one query it ran out of memory
    assert [t.name for t in first.times] == ["data", "retrieval exports", "retrieve", "dbt build", "profile"]
    assert f"touched pairs + the top 10 of {run}" in first._notes()
    assert "time         data" in summary

    # again: the retrieval exports and the build are reused (retrieve's own steps reuse what they finished)
    events.clear()
    second = job(retrieval=Path("stage1_dssm_v1"))
    second.run()
    assert [kind for kind, _ in events] == ["retrieve"]
    assert [t.note for t in second.times if t.name in ("retrieval exports", "dbt build")] == ["reused", "reused"]
    # a retrieved file written again: the month is built again
    later = retrieved[0].stat().st_mtime + 10
    os.utime(retrieved[0], (later, later))
    events.clear()
    job(retrieval=Path("stage1_dssm_v1")).run()
    assert [kind for kind, _ in events] == ["retrieve", "build"]
    # a retrieval export changed since: the retrieval exports are built again (and the month, whose exports
    # folder changed)
    os.utime(processed / "retrieval_train.parquet", (later, later))
    events.clear()
    job(retrieval=Path("stage1_dssm_v1")).run()
    assert [kind for kind, _ in events] == ["retrieval exports", "retrieve", "build"]
    # retrieval off: built again, without the candidate vars
    events.clear()
    job().run()
    ((kind, (_, build_vars)),) = events
    assert kind == "build" and "retrieval_candidate_runs" not in build_vars

    with pytest.raises(ValueError, match="--retrieval-top-n 0: give 1 or more"):
        job(retrieval=Path("stage1_dssm_v1"), retrieval_top_n=0).run()
    with pytest.raises(FileNotFoundError, match="stage1_nothing_v1"):
        job(retrieval=Path("stage1_nothing_v1")).run()


def test_run_passes_the_retrieval_options_to_the_main_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """`python -m runner run --retrieval stage1_dssm_v1 --retrieval-top-n 5`, as typed: the job gets both; without
    them, retrieval is off."""
    from runner.cli import main

    jobs: list[MainJob] = []
    monkeypatch.setattr(MainJob, "run", lambda self: jobs.append(self) or "summary")
    assert main(["run", "--retrieval", "stage1_dssm_v1", "--retrieval-top-n", "5"]) == 0
    assert main(["run"]) == 0
    assert [(job.retrieval, job.retrieval_top_n) for job in jobs] == [(Path("stage1_dssm_v1"), 5), (None, 10)]
