"""The results plot: its series from a study's scores (with kept submissions), from a page's figures
(`report --replot`), and the picture drawn from either (no training: hand-made scores and submissions)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from runner import replot, report
from runner import study as study_module
from runner.bootstrap import f1_interval, paired_difference
from runner.cli import main
from runner.oracle import read_answers
from runner.results_plot import BLEND, CART_RULE, GBDT, ORACLE, TZREC, PlotData, draw
from runner.study import SCORE_FILE, SUBMISSION_FILE, Study

FIXTURE_PAGE = Path(__file__).resolve().parent / "fixtures" / "results" / "small_study.md"
SEEDS = (1, 2)
# model, kind, eval-day F1, hits of its 10 submitted pairs on seed 1 (one more on seed 2)
MODELS = (
    ("gbdt_v1", "gbdt", 0.090, 4),
    ("stage2_deepfm_v3", "tzrec_seed_mean", 0.095, 5),  # the best eval-day F1 of the one-submission tzrec models
    ("worse_on_eval", "tzrec_seed_mean", 0.050, 8),  # better on 12-19, never the judged model
    ("single_runs", "tzrec", 0.200, 9),  # pooled single runs: no one submission, never judged
    ("blend_v1", study_module.BLEND_KIND, 0.300, 6),
)
TRUE_PAIRS = 20


def _record(seed: int, model: str, kind: str, eval_f1: float, predict_f1: float, run: Path) -> dict:
    point = {"eval_f1": eval_f1, "eval_precision": 0.1, "eval_recall": 0.08, "eval_pairs": 10, "top_k_share": 0.0035,
             "predict_f1": predict_f1, "predict_precision": 0.1, "predict_recall": 0.1, "predict_pairs": 10}
    record = {"generator_seed": seed, "run": str(run), "model": model, "kind": kind, "train_seconds": 10.0,
              "peak_rss_gb": 1.0, "top_k_share_smoothed": point, "top_k_share": point,
              "cart_rule": {"eval": 0.05, "predict": 0.05 + seed / 100},
              "oracle": {"expected_f1": 0.2, "observed_f1": 0.15 + seed / 100},
              "candidate_recall": {"eval": 0.36, "predict": 0.35}, "eval_auc": 0.87}
    if kind == "tzrec":
        record["model_seed"] = 1
    if kind == study_module.BLEND_KIND:
        record["members"] = ["gbdt_v1", "stage2_deepfm_v3"]
    return record


def _kept_study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, models: tuple = MODELS) -> tuple[Study, Path]:
    """A study of two months whose runs keep their submissions, with each month's answers; (study, scores root)."""
    monkeypatch.setattr(study_module, "DATA_DIR", tmp_path / "data")
    path = tmp_path / "plotted.yml"
    path.write_text(f"generator_seeds: {list(SEEDS)}\nmodel_seeds: [1, 2]\ngbdt: {{name: gbdt_v1}}\n"
                    "tzrec: [configs/experiments/stage2_deepfm_v3.yml]\n")
    study = Study.read(path)
    scores = tmp_path / "scores"
    for seed in SEEDS:
        answers = study.workspace(seed).answers
        answers.parent.mkdir(parents=True)
        answers.write_text("".join(f"{u}\t{u * 10}\n" for u in range(1, TRUE_PAIRS + 1)))
        for model, kind, eval_f1, hits in models:
            hits += seed - 1
            run = tmp_path / "runs" / f"seed_{seed}" / model
            run.mkdir(parents=True)
            (run / SUBMISSION_FILE).write_text("".join(f"{u}\t{u * 10 if u <= hits else 0}\n" for u in range(1, 11)))
            folder = scores / f"seed_{seed}" / model
            folder.mkdir(parents=True)
            record = _record(seed, model, kind, eval_f1, 2 * hits / (10 + TRUE_PAIRS), run)
            (folder / SCORE_FILE).write_text(json.dumps(record))
    return study, scores


def _live(study: Study, scores: Path) -> PlotData:
    grouped = report.group(report.read_scores(scores))
    _, summary = report._across_seeds(grouped, study.generator_seeds)
    answers = {seed: study.workspace(seed).answers for seed in study.generator_seeds}
    return report.plot_data("plotted", grouped, summary, list(SEEDS), answers)


def test_the_plot_shows_the_judged_model_the_gbdt_the_blend_the_cart_rule_and_the_oracle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    study, scores = _kept_study(tmp_path, monkeypatch)
    data = _live(study, scores)
    assert data.roles() == [TZREC, GBDT, BLEND, CART_RULE, ORACLE]
    tzrec, gbdt, blend, cart, oracle = data.series
    # the tzrec series is the page's judged model (report.judged), not the one better on 12-19
    _, summary = report._across_seeds(report.group(report.read_scores(scores)))
    assert report.judged(summary)[0] == "stage2_deepfm_v3, mean of the model seeds"
    assert "stage2_deepfm_v3" in tzrec.label and "gbdt_v1" in gbdt.label and "blend_v1" in blend.label
    assert [p.f1 for p in tzrec.points] == [2 * 5 / 30, 2 * 6 / 30]
    assert [p.f1 for p in cart.points] == pytest.approx([0.06, 0.07])
    assert [p.f1 for p in oracle.points] == pytest.approx([0.16, 0.17])
    assert not any(p.has_interval for p in (*cart.points, *oracle.points))
    # each submission's own user-bootstrap interval, from its kept file and the month's answers
    answers = read_answers(study.workspace(2).answers)
    expected = f1_interval(read_answers(tmp_path / "runs" / "seed_2" / "gbdt_v1" / SUBMISSION_FILE), answers)
    assert (gbdt.points[1].low, gbdt.points[1].high) == (expected.low, expected.high)
    assert all(p.has_interval and p.low <= p.f1 <= p.high for s in (tzrec, gbdt, blend) for p in s.points)
    assert "resamples of the day's users" in data.caption and "levels without interval" in data.caption
    picture = draw(data, tmp_path / "plotted_f1.png")
    assert picture.stat().st_size > 10_000


def test_a_kept_submission_that_no_longer_matches_dbt_stops_the_plot(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    study, scores = _kept_study(tmp_path, monkeypatch)
    (tmp_path / "runs" / "seed_1" / "gbdt_v1" / SUBMISSION_FILE).write_text("1\t10\n")
    with pytest.raises(RuntimeError, match="run `python -m runner study`"):
        _live(study, scores)


def test_without_kept_submissions_the_dots_have_no_bar_and_the_caption_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    study, scores = _kept_study(tmp_path, monkeypatch)
    shutil.rmtree(tmp_path / "runs")
    data = _live(study, scores)
    assert not any(p.has_interval for s in data.series for p in s.points if p)
    assert "a dot without bar has no kept submission" in data.caption


@pytest.mark.parametrize(("models", "roles", "said"), [
    # a GBDT-only variant: no tzrec model, no blend
    (MODELS[:1], [GBDT, CART_RULE, ORACLE], "no tzrec seed average or ensemble"),
    # tzrec models without the reference (and single runs never stand in for the judged model)
    (MODELS[1:4], [TZREC, CART_RULE, ORACLE], "no GBDT reference"),
    (MODELS[3:4], [CART_RULE, ORACLE], "no tzrec seed average or ensemble and no GBDT reference"),
])
def test_a_study_without_some_series_is_drawn_with_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              models: tuple, roles: list[str], said: str) -> None:
    study, scores = _kept_study(tmp_path, monkeypatch, models)
    data = _live(study, scores)
    assert data.roles() == roles and said in data.caption
    assert draw(data, tmp_path / "plot.png").stat().st_size > 10_000


def test_a_page_read_back_gives_the_figures_the_plot_was_drawn_from(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    study, scores = _kept_study(tmp_path, monkeypatch)
    live = _live(study, scores)
    page = report.write_report(study, tmp_path / "results" / "plotted.md", scores_root=scores)
    read = replot.plot_data_from_page(page)
    assert read.seeds == live.seeds and read.roles() == live.roles()
    for mine, theirs in zip(read.series, live.series, strict=True):
        assert mine.label == theirs.label
        assert [p.f1 for p in mine.points] == [round(p.f1, 4) for p in theirs.points]
    # a page records the paired difference only: each model's bar is the GBDT's F1 plus its 5-95 % range
    tzrec, gbdt, blend = read.series[:3]
    answers = read_answers(study.workspace(1).answers)
    kept = {model: read_answers(tmp_path / "runs" / "seed_1" / model / SUBMISSION_FILE)
            for model in ("stage2_deepfm_v3", "blend_v1", "gbdt_v1")}
    for series, model in ((tzrec, "stage2_deepfm_v3"), (blend, "blend_v1")):
        paired = paired_difference(kept[model], kept["gbdt_v1"], answers)
        assert series.points[0].low == pytest.approx(gbdt.points[0].f1 + round(paired.low, 4), abs=1e-9)
        assert series.points[0].high == pytest.approx(gbdt.points[0].f1 + round(paired.high, 4), abs=1e-9)
    assert not any(p.has_interval for p in gbdt.points)
    assert "Redrawn from the figures on" in read.caption and "paired user bootstrap" in read.caption


def test_the_replot_reads_a_hand_made_page() -> None:
    data = replot.plot_data_from_page(FIXTURE_PAGE)
    assert data.seeds == (11, 22) and data.roles() == [TZREC, GBDT, BLEND, CART_RULE, ORACLE]
    tzrec, gbdt, blend, cart, oracle = data.series
    # eval-day means tie at 0.0950 as shown: the page's own judgement names the model
    assert "model_b" in tzrec.label and "blend_v1" in blend.label
    assert [(p.f1, p.low, p.high) for p in tzrec.points] == [(0.13, 0.115, 0.145), (0.07, None, None)]
    assert [(p.f1, p.low, p.high) for p in blend.points] == [(0.125, 0.118, 0.132), (0.095, None, None)]
    assert [(p.f1, p.low, p.high) for p in gbdt.points] == [(0.12, None, None), (0.08, None, None)]
    assert [p.f1 for p in cart.points] == [0.06, 0.05]
    assert oracle.points[0].f1 == 0.17 and oracle.points[1] is None  # "–" on the page: no figure


def test_a_page_without_its_table_is_named(tmp_path: Path) -> None:
    page = tmp_path / "empty.md"
    page.write_text("# Results\n\nnothing here\n")
    with pytest.raises(ValueError, match=r"empty.md: no table under '## Across generator seeds'"):
        replot.plot_data_from_page(page)


def test_report_replot_redraws_the_plot_beside_the_page(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    page = tmp_path / "small_study.md"
    shutil.copy(FIXTURE_PAGE, page)
    assert main(["report", "--replot", str(page)]) == 0
    assert (tmp_path / "small_study_f1.png").stat().st_size > 10_000
    assert main(["report", "--replot", str(tmp_path / "missing.md")]) == 1
    assert "missing.md: no such page" in caplog.text


def test_a_page_with_an_unreadable_figure_is_named(tmp_path: Path) -> None:
    page = tmp_path / "broken.md"
    page.write_text(FIXTURE_PAGE.read_text().replace("| 0.8700 | 0.0950 | 0.1100 |", "| 0.8700 | 0.0950 | n/a |"))
    with pytest.raises(ValueError, match=r"broken.md: cannot read the 'Across generator seeds' table \(could not"):
        replot.plot_data_from_page(page)
