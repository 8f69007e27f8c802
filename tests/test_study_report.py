"""The study file reader and the results page built from study scores (no training: hand-made scores)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from runner import report
from runner import study as study_module
from runner.study import SCORE_FILE, Study, StudyError

ROOT = Path(__file__).resolve().parent.parent


def _score(seed: int, model: str, kind: str, eval_f1: float, predict_f1: float, *, model_seed: int | None = None,
           raw_predict_f1: float | None = None, eval_auc: float | None = 0.87) -> dict:
    point = {"eval_f1": eval_f1, "eval_precision": 0.1, "eval_recall": 0.08, "eval_pairs": 300, "top_k_share": 0.0035,
             "predict_f1": predict_f1, "predict_precision": 0.11, "predict_recall": 0.09, "predict_pairs": 290}
    record = {"generator_seed": seed, "run": f"outputs/study/seed_{seed}/{model}", "model": model, "kind": kind,
              "train_seconds": 100.0, "peak_rss_gb": 2.0, "validation_auc": 0.86,
              "top_k_share_smoothed": point,
              "top_k_share": {**point, "predict_f1": raw_predict_f1 if raw_predict_f1 is not None else predict_f1},
              "cart_rule": {"eval": 0.06, "predict": 0.06}, "oracle": {"expected_f1": 0.16, "observed_f1": 0.15},
              "candidate_recall": {"eval": 0.36, "predict": 0.35}, "eval_auc": eval_auc}
    if model_seed is not None:
        record["model_seed"] = model_seed
    return record


def _write(root: Path, records: list[dict]) -> None:
    for index, record in enumerate(records):
        folder = root / f"seed_{record['generator_seed']}" / f"run{index}"
        folder.mkdir(parents=True)
        (folder / SCORE_FILE).write_text(json.dumps(record))


def _study(tmp_path: Path, seeds: list[int]) -> Study:
    path = tmp_path / "study.yml"
    path.write_text(f"generator_seeds: {seeds}\nmodel_seeds: [1, 2]\ngbdt: {{name: gbdt_v1}}\n"
                    "tzrec: [configs/experiments/stage2_deepfm_v3.yml]\n")
    return Study.read(path)


def test_the_checked_in_study_file_reads() -> None:
    study = Study.read(ROOT / "configs/studies/three_seeds.yml")
    assert len(study.generator_seeds) == 3 and study.gbdt_name == "gbdt_v1"
    assert all(config.is_file() for config in study.tzrec)


@pytest.mark.parametrize(("text", "message"), [
    ("generator_seeds: [1]\ntzrec: [configs/staging/missing.config]\n", "does not exist"),
    ("generator_seeds: [1]\nepochs: 3\n", "unknown key(s) epochs"),
    ("tzrec: [configs/experiments/stage2_deepfm_v3.yml]\nensembles: {e: [stage2_deepfm_v3, other]}\n",
     "ensemble e needs two or more"),
    ("- a list\n", "a study file is a mapping"),
    ("gbdt: {name: gbdt_v1}\ntzrec: [configs/experiments/stage2_deepfm_v3.yml]\nblends: {b: [stage2_deepfm_v3]}\n",
     "blend b needs the study's GBDT (gbdt_v1)"),
    ("gbdt: {name: gbdt_v1}\ntzrec: [configs/experiments/stage2_deepfm_v3.yml]\nblends: {b: [gbdt_v1, other]}\n",
     "unknown: other"),
    ("tzrec: [configs/experiments/stage2_deepfm_v3.yml]\nblends: {b: [gbdt_v1, stage2_deepfm_v3]}\n",
     "none: add `gbdt`"),
    ("gbdt: {name: gbdt_v1}\nblends: {b: [gbdt_v1]}\n", "one or more of its tzrec configs"),
    ("dbt_vars: {negative_keep_rate: 1.0}\n", "needs both a variant name and dbt_vars"),
    ("variant: more_negatives\n", "needs both a variant name and dbt_vars"),
    ("dbt_vars: {}\n", "needs both a variant name and dbt_vars"),
    ("variant: More Negatives\ndbt_vars: {negative_keep_rate: 1.0}\n", "lower-case letters, digits and _"),
    ("variant: v\ndbt_vars: {processed_dir: elsewhere}\n", "may not set processed_dir"),
])
def test_a_bad_study_file_is_named_with_the_fix(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "study.yml"
    path.write_text(text)
    with pytest.raises(StudyError, match=message.replace("(", r"\(").replace(")", r"\)")) as error:
        Study.read(path)
    assert str(path) in str(error.value)


def test_a_variant_may_keep_every_var_when_it_says_so(tmp_path: Path) -> None:
    path = tmp_path / "study.yml"
    path.write_text("variant: rebuilt\ndbt_vars: {}\ngenerator_seeds: [1]\n")
    study = Study.read(path)
    assert study.variant == "rebuilt" and study.dbt_vars == {}
    assert study.workspace(1).processed != Study.read(ROOT / "configs/studies/three_seeds.yml").workspace(1).processed


def test_a_variant_study_reads_the_base_months_and_builds_and_runs_in_folders_of_its_own() -> None:
    base = Study.read(ROOT / "configs/studies/three_seeds.yml")
    variant = Study.read(ROOT / "configs/studies/negative_keep_1.yml")
    assert variant.variant == "negative_keep_1" and variant.dbt_vars == {"negative_keep_rate": 1.0}
    for seed in variant.generator_seeds:
        mine, theirs = variant.workspace(seed), base.workspace(seed)
        assert mine.raw == theirs.raw and mine.answers == theirs.answers  # the same generated month
        assert not {mine.processed, mine.database, mine.outputs} & {theirs.processed, theirs.database,
                                                                     theirs.outputs}
        assert mine.outputs.is_relative_to(variant.outputs_root)
        assert mine.dbt_vars()["negative_keep_rate"] == 1.0 and "negative_keep_rate" not in theirs.dbt_vars()
    # the base study's report reads outputs/study/ only, never a variant's runs
    assert not variant.outputs_root.is_relative_to(base.outputs_root)


def test_a_variant_page_gets_its_own_plot_and_no_base_notes(tmp_path: Path) -> None:
    scores = tmp_path / "variant"
    _write(scores, _three_seeds([0.10, 0.11, 0.12], [0.09, 0.09, 0.09]))
    path = tmp_path / "variant.yml"
    path.write_text("variant: more_negatives\ndbt_vars: {negative_keep_rate: 1.0}\ngenerator_seeds: [1, 2, 3]\n"
                    "model_seeds: [1]\ngbdt: {name: gbdt_v1}\ntzrec: [configs/experiments/stage2_deepfm_v3.yml]\n")
    page = report.write_report(Study.read(path), tmp_path / "pages" / "more_negatives.md", scores_root=scores)
    text = page.read_text()
    assert (tmp_path / "pages" / "more_negatives_f1.png").is_file() and "(more_negatives_f1.png)" in text
    assert "Variant `more_negatives`" in text and "`negative_keep_rate: 1.0`" in text
    assert "Notes (hand-written" not in text  # no page splices hand-written notes
    path.write_text("variant: rebuilt\ndbt_vars: {}\ngenerator_seeds: [1, 2, 3]\n")
    rebuilt = report.write_report(Study.read(path), tmp_path / "pages" / "rebuilt.md", scores_root=scores).read_text()
    assert "built with the project's own dbt vars (`dbt_vars: {}`)" in rebuilt


def test_model_seeds_pool_into_one_row_with_their_spread() -> None:
    grouped = report.group([_score(7, "stage2_deepfm_v3", "tzrec", 0.09, 0.10, model_seed=1),
                            _score(7, "stage2_deepfm_v3", "tzrec", 0.09, 0.08, model_seed=2)])
    (model,) = grouped[7].values()
    assert len(model.records) == 2
    assert model.metric("predict_f1") == pytest.approx(0.09)
    assert model.spread("predict_f1") == (0.08, 0.10)


def test_gbdt_seeds_pool_into_one_row_and_their_mean_is_the_reference() -> None:
    records = [_score(7, "gbdt_v1", "gbdt_single", 0.09, f1, model_seed=seed)
               for seed, f1 in ((1, 0.10), (2, 0.08), (3, 0.09))]
    mean = {**_score(7, "gbdt_v1", "gbdt", 0.09, 0.095), "members": ["m1/gbdt_v1", "m2/gbdt_v1", "m3/gbdt_v1"]}
    grouped = report.group([*records, mean])
    singles = grouped[7]["gbdt_v1, one LightGBM seed"]
    assert singles.kind == "gbdt_single" and singles.spread("predict_f1") == (0.08, 0.10)
    reference = grouped[7]["gbdt_v1, mean of the LightGBM seeds (GBDT reference)"]
    assert reference.kind == "gbdt" and len(reference.members) == 3
    assert reference.cost("train_seconds") == pytest.approx(300.0)  # an average costs its members' training
    tzrec = _score(7, "stage2_deepfm_v3", "tzrec_seed_mean", 0.095, 0.10)
    _, summary = report._across_seeds(report.group([*records, mean, tzrec]))
    _, _, gbdt = report.judged(summary)
    assert gbdt["f1s"] == [0.095]


def test_two_gbdt_references_for_one_month_are_refused_with_the_fix() -> None:
    single = _score(7, "gbdt_v1", "gbdt", 0.09, 0.10)
    mean = {**_score(7, "gbdt_v1", "gbdt", 0.09, 0.095), "run": "outputs/study/seed_7/mean/gbdt_v1",
            "members": ["m1/gbdt_v1", "m2/gbdt_v1"]}
    with pytest.raises(ValueError, match=r"generator seed 7 has 2 GBDT references .*remove the folder"):
        report.group([single, mean])


def test_gbdt_seeds_are_two_or_more(tmp_path: Path) -> None:
    path = tmp_path / "study.yml"
    path.write_text("gbdt: {name: gbdt_v1, seeds: [1, 2, 3]}\n")
    assert Study.read(path).gbdt_seeds == [1, 2, 3]
    for text, message in (("gbdt: {name: gbdt_v1, seeds: [1]}\n", "two or more LightGBM seeds"),
                          ("gbdt: {name: gbdt_v1, rounds: 3}\n", "optional `seeds`")):
        path.write_text(text)
        with pytest.raises(StudyError, match=message):
            Study.read(path)


def _three_seeds(tzrec_f1s: list[float], gbdt_f1s: list[float]) -> list[dict]:
    records = []
    for seed, tzrec_f1, gbdt_f1 in zip((1, 2, 3), tzrec_f1s, gbdt_f1s, strict=True):
        records.append(_score(seed, "gbdt_v1", "gbdt", 0.090, gbdt_f1))
        records.append(_score(seed, "stage2_deepfm_v3", "tzrec_seed_mean", 0.095, tzrec_f1))
        # a tzrec model with a worse eval-day F1 is never the one judged, whatever its 12-19 F1
        records.append(_score(seed, "worse_on_eval", "tzrec_seed_mean", 0.050, 0.5))
        # pooled single runs are a mean over several submissions: never judged, however good on the eval day
        records.append(_score(seed, "single_runs", "tzrec", 0.200, 0.01, model_seed=1))
    return records


def test_the_verdict_judges_the_tzrec_model_chosen_on_the_eval_day() -> None:
    _, summary = report._across_seeds(report.group(_three_seeds([0.10, 0.10, 0.10], [0.09, 0.09, 0.09])))
    text = "\n".join(report.verdict(summary))
    assert "stage2_deepfm_v3, mean of the model seeds" in text and "**Target met**" in text
    assert "single_runs" not in text


def test_without_a_judged_model_the_verdict_says_which_is_missing() -> None:
    records = _three_seeds([0.10, 0.10, 0.10], [0.09, 0.09, 0.09])
    single_runs_only = [r for r in records if r["kind"] != "tzrec_seed_mean"]
    _, summary = report._across_seeds(report.group(single_runs_only))
    assert report.verdict(summary) == ["The study has no tzrec seed average or ensemble (the models the target "
                                       "judges): no verdict on the target."]
    _, summary = report._across_seeds(report.group([r for r in records if r["kind"] != "gbdt"]))
    assert report.verdict(summary) == ["The study has no GBDT reference on every month: no verdict on the target."]


@pytest.mark.parametrize(("tzrec_f1s", "gbdt_f1s", "why"), [
    # loses to the GBDT on one seed
    ([0.10, 0.10, 0.095], [0.09, 0.09, 0.096], "at least the GBDT on 2 of 3 seeds"),
    # beats the GBDT everywhere, but 0.085 < 1.5 × 0.06
    ([0.10, 0.10, 0.085], [0.09, 0.09, 0.08], "at least 1.5× the cart rule on 2 of 3"),
])
def test_the_verdict_says_where_the_target_is_missed(tzrec_f1s: list[float], gbdt_f1s: list[float],
                                                     why: str) -> None:
    _, summary = report._across_seeds(report.group(_three_seeds(tzrec_f1s, gbdt_f1s)))
    text = "\n".join(report.verdict(summary))
    assert "**Target not met**" in text and why in text


def test_the_page_and_plot_are_written_from_the_scores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scores = tmp_path / "study"
    _write(scores, _three_seeds([0.10, 0.11, 0.12], [0.09, 0.09, 0.09]))
    docs = tmp_path / "docs"
    monkeypatch.setattr(report, "RESULTS_DIR", docs / "results")
    monkeypatch.setattr(report, "DECISIONS", docs / "decisions.md")
    # the study file's name names the page: docs/results/<study>.md, its plot <study>_f1.png beside it
    page = report.write_report(_study(tmp_path, [1, 2, 3]), scores_root=scores)
    assert page == docs / "results" / "study.md"
    text = page.read_text()
    assert (docs / "results" / "study_f1.png").stat().st_size > 10_000 and "](study_f1.png)" in text
    assert "| 0.1000 | 0.1100 | 0.1200 | 0.1100 |" in text  # per-seed 12-19 F1 and their mean
    assert "### Generator seed 2" in text
    assert "Candidate recall" in text and "**Target met**" in text
    # generated whole: no hand-written notes spliced in, one line links the decision record
    assert "## Notes" not in text and "hand-written" not in text
    assert text.count("decisions.md)") == 1 and "[docs/decisions.md](../decisions.md)" in text
    assert "`python -m runner report --study " in text  # the command that writes this page, as typed


def test_the_exact_eval_auc_is_shown_not_the_models_own_validation_auc() -> None:
    records = [_score(seed, "gbdt_v1", "gbdt", 0.09, 0.09, eval_auc=auc) for seed, auc in ((1, 0.88), (2, 0.86))]
    records += [_score(seed, "stage2_deepfm_v3", "tzrec", 0.09, 0.09, model_seed=m, eval_auc=0.85 + m / 100)
                for seed in (1, 2) for m in (1, 2)]
    records.append(_score(3, "stage2_deepfm_v3", "tzrec", 0.09, 0.09, model_seed=1, eval_auc=None))
    grouped = report.group(records)
    assert grouped[1]["stage2_deepfm_v3, one model seed"].eval_auc() == pytest.approx(0.865)
    assert grouped[3]["stage2_deepfm_v3, one model seed"].eval_auc() is None  # scored before the AUC existed
    lines, _ = report._across_seeds({seed: grouped[seed] for seed in (1, 2)})
    gbdt_row = next(line for line in lines if line.startswith("| gbdt_v1"))
    assert gbdt_row.startswith("| gbdt_v1 (GBDT reference) | 0.8700 | 0.0900 |")
    table = "\n".join(report._seed_table(1, grouped[1]))
    assert "| eval AUC |" in table and "0.8800" in table and "0.8600" not in table


def test_the_noise_check_reads_the_kept_submissions_and_checks_them_against_dbt(tmp_path: Path) -> None:
    answers = tmp_path / "answers.txt"
    answers.write_text("".join(f"{u}\t{u * 10}\n" for u in range(1, 11)))
    records = []
    for model, kind, hits in (("gbdt_v1", "gbdt", 2), ("stage2_deepfm_v3", "tzrec_seed_mean", 4)):
        run = tmp_path / model
        run.mkdir()
        (run / report.SUBMISSION_FILE).write_text("".join(f"{u}\t{u * 10 if u <= hits else 0}\n" for u in range(1, 6)))
        record = _score(1, model, kind, 0.09, 2 * hits / (5 + 10))
        record["run"] = str(run)
        records.append(record)
    _, summary = report._across_seeds(report.group(records))
    lines = report.noise(summary, {1: answers})
    row = next(line for line in lines if line.startswith("| 1 |"))
    assert row.startswith(f"| 1 | {2 * 4 / 15 - 2 * 2 / 15:+.4f} |")
    summary["gbdt_v1 (GBDT reference)"]["f1s"] = [0.5]  # a kept file that no longer matches dbt's score
    with pytest.raises(RuntimeError, match="run `python -m runner study`"):
        report.noise(summary, {1: answers})
    assert report.noise(summary, {})[-2] == "| 1 | – | – | – | – |"  # no answers: no interval


def test_every_one_submission_model_gets_its_bootstrap_against_the_gbdt(tmp_path: Path) -> None:
    answers = tmp_path / "answers.txt"
    answers.write_text("".join(f"{u}\t{u * 10}\n" for u in range(1, 11)))
    records = []
    models = (("gbdt_v1", "gbdt", 2, 0.09), ("stage2_deepfm_v3", "tzrec_seed_mean", 4, 0.095),
              ("ensemble_v1", "tzrec_ensemble", 3, 0.097), ("blend_v1", study_module.BLEND_KIND, 1, 0.092),
              ("single_runs", "tzrec", 5, 0.2))
    for model, kind, hits, eval_f1 in models:
        run = tmp_path / model
        run.mkdir()
        (run / report.SUBMISSION_FILE).write_text("".join(f"{u}\t{u * 10 if u <= hits else 0}\n" for u in range(1, 6)))
        record = _score(1, model, kind, eval_f1, 2 * hits / (5 + 10), model_seed=1 if kind == "tzrec" else None)
        record["run"] = str(run)
        records.append(record)
    _, summary = report._across_seeds(report.group(records))
    lines = report.noise_every_model(summary, {1: answers})
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| model")]
    # best eval-day F1 first; pooled single runs make no submission of their own and are left out
    assert [row.split(" | ")[0] for row in rows] == ["| ensemble_v1 (mean of )",
                                                     "| stage2_deepfm_v3, mean of the model seeds",
                                                     "| blend_v1 (blend of )"]
    assert rows[1].split(" | ")[2].startswith(f"{2 * 4 / 15 - 2 * 2 / 15:+.4f} [")
    assert rows[2].split(" | ")[2].startswith(f"{2 * 1 / 15 - 2 * 2 / 15:+.4f} [")
    assert report.noise_every_model(summary, {})[-2].endswith("| – |")  # no answers: no interval


def _variant_scores(gbdt_eval: float, tzrec_eval: float, tzrec_f1s: list[float]) -> list[dict]:
    records = []
    for seed, tzrec_f1 in zip((1, 2, 3), tzrec_f1s, strict=True):
        records.append(_score(seed, "gbdt_v1", "gbdt", gbdt_eval, 0.08))
        records.append(_score(seed, "stage2_dcn_v2_v1", "tzrec_seed_mean", tzrec_eval, tzrec_f1))
    return records


def test_over_every_study_both_sides_are_chosen_on_the_eval_day(tmp_path: Path) -> None:
    base, variant, elsewhere = tmp_path / "base", tmp_path / "variant", tmp_path / "one_month"
    _write(base, _three_seeds([0.10, 0.10, 0.10], [0.09, 0.09, 0.09]))  # GBDT eval 0.090, DeepFM 0.095
    # the variant's GBDT is better on the eval day (so it is the reference) and its DCN v2 best of all
    _write(variant, _variant_scores(gbdt_eval=0.092, tzrec_eval=0.096, tzrec_f1s=[0.07, 0.10, 0.10]))
    _write(elsewhere, [_score(1, "screened", "tzrec_seed_mean", 0.5, 0.5)])  # one month only: no row
    # a study of other months (operating_point_selection): its 12-19 answers are other days, never pooled
    other_months = tmp_path / "other_months"
    _write(other_months, [{**record, "generator_seed": record["generator_seed"] + 100}
                          for record in _three_seeds([0.5, 0.5, 0.5], [0.09, 0.09, 0.09])])
    sources = [("base", base), ("variant", variant), ("base", base), ("one_month", elsewhere),
               ("other_months", other_months)]
    pooled = report.pooled_summary(sources, [1, 2, 3])
    assert "stage2_deepfm_v3, mean of the model seeds [base]" in pooled
    assert not any("screened" in label or "[other_months]" in label for label in pooled)
    assert sum("[base]" in label for label in pooled) == len(report.pooled_summary(sources[:1], [1, 2, 3]))
    best_label, best, gbdt_label, gbdt = report.judged_over_studies(pooled)
    assert best_label == "stage2_dcn_v2_v1, mean of the model seeds [variant]" and best["f1s"] == [0.07, 0.10, 0.10]
    assert gbdt_label == "gbdt_v1 (GBDT reference) [variant]" and gbdt["f1s"] == [0.08, 0.08, 0.08]
    text = "\n".join(report.over_studies(sources, [1, 2, 3], {}))
    assert "## Over every study" in text and "(`base`, `variant`;" in text
    assert "**Target not met**: at least the GBDT on 2 of 3 seeds" in text  # 0.07 < 0.08 on seed 1
    assert "| worse_on_eval, mean of the model seeds [base] |" in text  # listed, never judged


def test_the_base_page_judges_over_every_study_and_a_variant_page_does_not(tmp_path: Path) -> None:
    base, variant = tmp_path / "base", tmp_path / "variant"
    _write(base, _three_seeds([0.10, 0.11, 0.12], [0.09, 0.09, 0.09]))
    _write(variant, _variant_scores(gbdt_eval=0.085, tzrec_eval=0.099, tzrec_f1s=[0.11, 0.11, 0.11]))
    study = _study(tmp_path, [1, 2, 3])
    text = report.write_report(study, tmp_path / "base.md", scores_root=base,
                               other_studies=[("base", base), ("variant", variant)]).read_text()
    over = text[text.index("## Over every study"):text.index("## Per generator seed")]
    assert "**stage2_dcn_v2_v1, mean of the model seeds [variant]**" in over and "**Target met**" in over
    assert "GBDT reference over every study: **gbdt_v1 (GBDT reference) [base]**" in over
    assert "## Over every study" not in report.write_report(study, tmp_path / "ALONE.md", scores_root=base).read_text()


def test_the_checked_in_variant_studies_share_the_base_months() -> None:
    base = Study.read(ROOT / "configs/studies/three_seeds.yml")
    sources = report.study_sources(base, ROOT / "configs/studies")
    assert sources[0] == ("base", base.outputs_root)
    names = [name for name, _ in sources]
    assert {"negative_keep_1", "multi_task", "dense_bins", "no_sale_label_day"} <= set(names)
    assert len(names) == len(set(names))  # a screen writes into the base study's folders: not a source of its own


def test_two_study_files_of_one_variant_make_one_source(tmp_path: Path) -> None:
    base = Study.read(ROOT / "configs/studies/three_seeds.yml")
    variant = "variant: some_variant\ndbt_vars: {}\ngenerator_seeds: [20141219, 7, 42]\nusers: 20000\n" \
              "model_seeds: [1]\ngbdt: {name: gbdt_v1}\ntzrec: [configs/experiments/stage2_dcn_v2_v11.yml]\n"
    (tmp_path / "a_variant.yml").write_text(variant)
    (tmp_path / "b_follow_up.yml").write_text(variant.replace("stage2_dcn_v2_v11", "stage2_xdeepfm_v1"))
    (tmp_path / "c_other_months.yml").write_text(variant.replace("[20141219, 7, 42]", "[101, 202, 303]"))
    sources = report.study_sources(base, tmp_path)
    assert [name for name, _ in sources] == ["base", "some_variant"]


def test_a_month_is_rebuilt_only_for_a_missing_export_its_configs_read(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import runner.dbt
    import runner.study as study_module

    monkeypatch.setattr(study_module, "DATA_DIR", tmp_path)
    builds: list[list[str]] = []
    monkeypatch.setattr(runner.dbt, "run_dbt", lambda args, dbt_vars: builds.append(args))
    workspace = study_module.Workspace(study_module.DEFAULT_GENERATOR_SEED)
    workspace.answers.parent.mkdir(parents=True)
    workspace.answers.write_text("1\t2\n")
    (workspace.raw / "tianchi_fresh_comp_train_user_online_partA.txt").write_text("")
    workspace.processed.mkdir(parents=True)
    workspace.database.write_text("")
    for name in study_module.EXPORTS:
        (workspace.processed / f"{name}.parquet").write_text("")
    newer = max(p.stat().st_mtime for p in workspace.raw.glob("*.txt")) + 10
    for path in workspace.processed.iterdir():
        os.utime(path, (newer, newer))

    study_module.ensure_month(workspace, users=10, train_exports=("train.parquet",))
    assert builds == [], "every export it needs is newer than the raw files"
    study_module.ensure_month(workspace, users=10, train_exports=("train.parquet", "train_all_negatives.parquet"))
    assert builds == [["build"]], "a config reads the all-negatives export, which this month lacks"


def test_a_study_knows_the_training_exports_of_its_configs(tmp_path: Path) -> None:
    assert _study(tmp_path, [1]).train_exports == ("train.parquet",)
    all_negatives = tmp_path / "stage2_all_negatives_v1.config"
    all_negatives.write_text((ROOT / "configs/base/dcn_v2.config").read_text().replace(
        'train_input_path: "set by the runner"', 'train_input_path: "train_all_negatives.parquet"'))
    path = tmp_path / "study.yml"
    path.write_text(f"generator_seeds: [1]\nmodel_seeds: [1]\ngbdt: {{name: gbdt_v1}}\n"
                    f"tzrec: [configs/experiments/stage2_deepfm_v3.yml, {all_negatives}]\n")
    assert Study.read(path).train_exports == ("train.parquet", "train_all_negatives.parquet")


def test_a_model_scored_before_the_default_rule_is_left_out_and_named() -> None:
    records = _three_seeds([0.10, 0.10, 0.10], [0.09, 0.09, 0.09])
    for record in records:
        if record["model"] == "worse_on_eval":
            del record[report.MAIN_RULE]
    lines, summary = report._across_seeds(report.group(records))
    assert "worse_on_eval, mean of the model seeds" not in summary
    assert "stage2_deepfm_v3, mean of the model seeds" in summary
    assert any("scored before the rule" in line and "worse_on_eval" in line for line in lines)


def test_the_rules_table_has_every_rule_and_a_dash_where_a_run_predates_one() -> None:
    records = _three_seeds([0.10, 0.10, 0.10], [0.09, 0.09, 0.09])
    for record in records:
        if record["model"] == "gbdt_v1":
            record["expected_f1"] = {**record["top_k_share"], "predict_f1": 0.2}
    lines = report._rules_table(report.group(records))
    assert all(f"12-19 F1 mean, {rule}" in lines[0] for rule in report.RULES)
    gbdt = next(line for line in lines if line.startswith("| gbdt_v1"))
    deepfm = next(line for line in lines if line.startswith("| stage2_deepfm_v3"))
    column = [cell.strip() for cell in lines[0].split("|")].index("12-19 F1 mean, expected_f1")
    assert [cell.strip() for cell in gbdt.split("|")][column] == "0.2000"
    assert [cell.strip() for cell in deepfm.split("|")][column] == "–"
    assert [cell.strip() for cell in gbdt.split("|")][column + 1] == "–", "expected_f1_platt: scored by no run"


def _scored_run(tmp_path: Path, record: dict) -> Path:
    """A run folder whose score file is newer than its predictions (the files' content is never read here)."""
    run_dir = tmp_path / "run"
    for split in ("eval", "predict"):
        (run_dir / "predictions" / split).mkdir(parents=True)
        (run_dir / "predictions" / split / "part-0.parquet").write_bytes(b"")
    (run_dir / study_module.SUBMISSION_FILE).write_text("")
    (run_dir / SCORE_FILE).write_text(json.dumps(record))
    os.utime(run_dir / SCORE_FILE, (time.time() + 10, time.time() + 10))
    return run_dir


def _fake_scoring(monkeypatch: pytest.MonkeyPatch, rules: tuple[str, ...]) -> list[str]:
    """study.RULES set to `rules`, and every scoring build recorded (in order) instead of run."""
    built: list[str] = []
    monkeypatch.setattr(study_module, "RULES", rules)
    monkeypatch.setattr(study_module, "_score_rule",
                        lambda workspace, run, rule: (built.append(rule), ({"predict_f1": 0.2}, None))[1])
    return built


def test_a_score_file_gains_a_rule_added_since_and_keeps_the_rest(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    old = {"generator_seed": 1, "top_k_share_smoothed": {"predict_f1": 0.1}, "top_k_share": {"predict_f1": 0.11},
           "eval_auc": 0.87}
    run_dir = _scored_run(tmp_path, old)
    built = _fake_scoring(monkeypatch, ("top_k_share_smoothed", "top_k_share", "expected_f1"))
    monkeypatch.setattr(study_module, "_complete", lambda workspace, run: (built.append("default again"), 0.87)[1])
    record = study_module.score(study_module.Workspace(1), run_dir, {"model": "m", "kind": "tzrec"})
    # the new rule only, then the default again, so that the database and the kept submission stay the default's
    assert built == ["expected_f1", "default again"]
    written = json.loads((run_dir / SCORE_FILE).read_text())
    assert written == record == {**old, "expected_f1": {"predict_f1": 0.2}}


def test_a_new_default_rule_is_scored_last_and_its_submission_kept(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    old = {"generator_seed": 1, "top_k_share_smoothed": {"predict_f1": 0.1}, "top_k_share": {"predict_f1": 0.11},
           "eval_auc": 0.87}
    run_dir = _scored_run(tmp_path, old)
    built = _fake_scoring(monkeypatch, ("expected_f1", "top_k_share_smoothed", "top_k_share", "other"))
    monkeypatch.setattr(study_module, "_complete", lambda workspace, run: pytest.fail("no extra scoring"))
    monkeypatch.setattr("runner.submission.write_submission", lambda path, database: built.append("submission"))
    study_module.score(study_module.Workspace(1), run_dir, {"model": "m", "kind": "tzrec"})
    assert built == ["other", "expected_f1", "submission"]


def test_every_rule_a_study_scores_is_described_and_named_in_the_help() -> None:
    """A rule added to study.RULES gets its line in the page's header and in `study --help`, and dbt knows it."""
    from runner.cli import build_parser

    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    help_text = " ".join(subparsers.choices["study"].format_help().split())
    macro = (Path(__file__).resolve().parents[1] / "dbt_project" / "macros" / "predictions.sql").read_text()
    for rule in study_module.RULES:
        assert report.RULE_TEXT.get(rule), rule
        assert rule in help_text and f"'{rule}'" in macro, rule


def test_the_checked_in_blend_study_blends_the_reference_with_production() -> None:
    study = Study.read(ROOT / "configs/studies/gbdt_blend.yml")
    assert study.blends == {"stage2_gbdt_blend_v1": ["gbdt_v1", "stage2_dcn_v2_v11"]}
    # it adds a blend to operating_point_selection's months and runs: the same folders, the same models
    months = Study.read(ROOT / "configs/studies/operating_point_selection.yml")
    assert study.outputs_root == months.outputs_root and study.generator_seeds == months.generator_seeds
    assert study.tzrec == months.tzrec and study.gbdt_seeds == months.gbdt_seeds


def test_a_blend_averages_the_gbdt_reference_with_the_tzrec_seed_average(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "study.yml"
    path.write_text("generator_seeds: [5]\nmodel_seeds: [1, 2]\ngbdt: {name: gbdt_v1, seeds: [1, 2]}\n"
                    "tzrec: [configs/experiments/stage2_deepfm_v3.yml]\n"
                    "blends: {blend_v1: [gbdt_v1, stage2_deepfm_v3]}\n")
    study = Study.read(path)
    averaged: dict[str, list[Path]] = {}

    def average(workspace: study_module.Workspace, name: str, members: list[Path]) -> Path:
        averaged[name] = members
        return tmp_path / "mean" / name

    monkeypatch.setattr(study_module, "ensure_month", lambda *args: None)
    monkeypatch.setattr(study_module, "run_gbdt", lambda workspace, name, seed: tmp_path / f"m{seed}" / name)
    monkeypatch.setattr(study_module, "run_tzrec", lambda workspace, config, seed: tmp_path / f"m{seed}" / config.stem)
    monkeypatch.setattr(study_module, "average", average)
    monkeypatch.setattr(study_module, "score", lambda workspace, run_dir, meta: {**meta, "run": run_dir})
    records = study_module.run_study(study)

    assert averaged["blend_v1"] == [tmp_path / "mean" / "gbdt_v1", tmp_path / "mean" / "stage2_deepfm_v3"]
    (blend,) = [r for r in records if r["model"] == "blend_v1"]
    assert blend["kind"] == study_module.BLEND_KIND and blend["members"] == ["gbdt_v1", "stage2_deepfm_v3"]


def _run_ensemble_study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_seeds: list[int],
                        costs: dict[str, dict[str, float]] | None = None) -> tuple[list[dict], dict[str, tuple]]:
    """run_study on one month with DCN v2 v11, xDeepFM and their ensemble, nothing trained or scored: the
    records, and each average's (members, folder)."""
    path = tmp_path / "study.yml"
    path.write_text(f"generator_seeds: [5]\nmodel_seeds: {model_seeds}\n"
                    "tzrec: [configs/experiments/stage2_dcn_v2_v11.yml, configs/experiments/stage2_xdeepfm_v1.yml]\n"
                    "ensembles: {ensemble_v1: [stage2_dcn_v2_v11, stage2_xdeepfm_v1]}\n")
    averaged: dict[str, tuple[list[Path], str]] = {}

    def average(workspace: study_module.Workspace, name: str, members: list[Path], folder: str = "mean") -> Path:
        averaged[name] = (members, folder)
        return tmp_path / folder / name

    monkeypatch.setattr(study_module, "ensure_month", lambda *args: None)
    monkeypatch.setattr(study_module, "run_tzrec", lambda workspace, config, seed: tmp_path / f"m{seed}" / config.stem)
    monkeypatch.setattr(study_module, "average", average)
    monkeypatch.setattr(study_module, "_cost", lambda run_dir: (costs or {}).get(run_dir.name, {}))
    monkeypatch.setattr(study_module, "score", lambda workspace, run_dir, meta: {**meta, "run": run_dir})
    return study_module.run_study(Study.read(path)), averaged


def test_a_screen_of_one_model_seed_ensembles_that_seeds_runs_and_scores_it_as_one_seed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    costs = {"stage2_dcn_v2_v11": {"train_seconds": 300.0, "peak_rss_gb": 0.9},
             "stage2_xdeepfm_v1": {"train_seconds": 700.0, "peak_rss_gb": 1.2}}
    records, averaged = _run_ensemble_study(tmp_path, monkeypatch, [1], costs)

    # the members are the one seed's runs, and the ensemble sits beside them, not among the averages
    assert averaged["ensemble_v1"] == ([tmp_path / "m1" / "stage2_dcn_v2_v11", tmp_path / "m1" / "stage2_xdeepfm_v1"],
                                       "m1")
    (ensemble,) = [r for r in records if r["model"] == "ensemble_v1"]
    assert ensemble["run"] == tmp_path / "m1" / "ensemble_v1"
    assert ensemble["kind"] == "tzrec" and ensemble["model_seed"] == 1
    assert ensemble["train_seconds"] == pytest.approx(1000.0) and ensemble["peak_rss_gb"] == pytest.approx(1.2)
    # the page shows it as one model seed, compared with its members' single runs and never judged as a model
    scored = [_score(5, "gbdt_v1", "gbdt", 0.09, 0.09), _score(5, "stage2_dcn_v2_v11", "tzrec_seed_mean", 0.10, 0.10),
              {**_score(5, "ensemble_v1", "tzrec", 0.30, 0.30, model_seed=1), "members": ensemble["members"]}]
    grouped = report.group(scored)
    assert grouped[5]["ensemble_v1, one model seed"].kind == "tzrec"
    _, summary = report._across_seeds(grouped)
    assert "ensemble_v1" not in "\n".join(report.verdict(summary))


def test_with_several_model_seeds_an_ensemble_averages_the_seed_averages_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records, averaged = _run_ensemble_study(tmp_path, monkeypatch, [1, 2])

    assert {name: folder for name, (_, folder) in averaged.items()} == {
        "stage2_dcn_v2_v11": "mean", "stage2_xdeepfm_v1": "mean", "ensemble_v1": "mean"}
    mean = tmp_path / "mean"
    assert averaged["ensemble_v1"][0] == [mean / "stage2_dcn_v2_v11", mean / "stage2_xdeepfm_v1"]
    assert [r["kind"] for r in records if r["model"] == "ensemble_v1"] == ["tzrec_ensemble"]


def test_a_blend_is_reported_apart_and_never_judged_as_the_tzrec_model() -> None:
    records = _three_seeds([0.10, 0.10, 0.08], [0.09, 0.09, 0.09])
    for seed, f1 in zip((1, 2, 3), (0.12, 0.085, 0.095), strict=True):
        # the best eval-day F1 of all: judged, it would be the tzrec model
        records.append({**_score(seed, "blend_v1", study_module.BLEND_KIND, 0.300, f1),
                        "members": ["gbdt_v1", "stage2_deepfm_v3"]})
    _, summary = report._across_seeds(report.group(records))
    verdict = "\n".join(report.verdict(summary))
    assert "stage2_deepfm_v3, mean of the model seeds" in verdict and "blend_v1" not in verdict
    blend = "\n".join(report.blends(summary))
    assert "**blend_v1 (blend of gbdt_v1 + stage2_deepfm_v3)**" in blend
    assert "0.1200, 0.0850, 0.0950" in blend
    assert "at least the GBDT on 2 of 3 seeds and at least stage2_deepfm_v3, mean of the model seeds on 2" in blend


def test_a_newly_scored_run_is_logged_with_its_eval_day_only() -> None:
    """A screen decides on the eval day; the study's log must not show 12-19 while the screen still runs."""
    record = {study_module.RULES[0]: {"eval_f1": 0.1069, "predict_f1": 0.1163}, "eval_auc": 0.85571}
    message = study_module.scored_message("outputs/x/m1/stage2_din_v3", record)
    assert "eval F1 0.1069" in message and "eval AUC 0.8557" in message
    assert "0.1163" not in message and "held back" in message
    assert "eval AUC" not in study_module.scored_message("run", {**record, "eval_auc": None})


def test_a_study_with_a_control_shows_each_common_model_against_it(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`control:` names the study the page compares with: for each model scored on every month by both, this
    study minus the control (mean and per-month eval-day F1, mean 12-19 F1), and each month's candidate recall."""
    monkeypatch.setattr(study_module, "VARIANT_OUTPUTS", tmp_path / "outputs")
    text = "generator_seeds: [1, 2, 3]\nmodel_seeds: [1]\ntzrec: [configs/experiments/stage2_dcn_v2_v11.yml]\n"
    (tmp_path / "control.yml").write_text("variant: control\ndbt_vars: {}\n" + text)
    (tmp_path / "treated.yml").write_text(f"variant: treated\ndbt_vars: {{}}\ncontrol: {tmp_path / 'control.yml'}\n"
                                          + text)
    _write(tmp_path / "outputs" / "control", _variant_scores(gbdt_eval=0.090, tzrec_eval=0.100,
                                                             tzrec_f1s=[0.10, 0.10, 0.10]))
    treated = _variant_scores(gbdt_eval=0.091, tzrec_eval=0.103, tzrec_f1s=[0.11, 0.10, 0.12])
    treated[0] = {**treated[0], "candidate_recall": {"eval": 0.41, "predict": 0.40}}
    treated.append(_score(1, "only_here", "tzrec_seed_mean", 0.2, 0.2))
    _write(tmp_path / "outputs" / "treated", treated)
    study = Study.read(tmp_path / "treated.yml")
    assert study.control == tmp_path / "control.yml"

    page = report.write_report(study, tmp_path / "treated.md").read_text()
    section = page[page.index("## Against the control"):page.index("## Per generator seed")]
    assert f"The control is `{tmp_path / 'control.yml'}`" in section
    assert ("| stage2_dcn_v2_v1, mean of the model seeds | 0.1030 | 0.1000 | +0.0030 | +0.0030 | +0.0030 | +0.0030 "
            "| 0.1100 | 0.1000 | +0.0100 | 100 | 100 |") in section
    assert "| gbdt_v1 (GBDT reference) | 0.0910 | 0.0900 | +0.0010 |" in section
    assert "only_here" not in section  # scored on one month only
    assert "1: 0.410 against 0.360; 2: 0.360 against 0.360" in section

    for bad in ("control: configs/studies/nothing.yml\n", f"control: {tmp_path / 'treated.yml'}\n"):
        (tmp_path / "treated.yml").write_text("variant: treated\ndbt_vars: {}\n" + bad + text)
        with pytest.raises(StudyError, match="is not another study file"):
            Study.read(tmp_path / "treated.yml")
