"""A study's results page from its scores (runner.study): tables per generator seed, across seeds, one plot.

Reads every <run>/study_score.json of a study (written by `python -m runner study`) and writes
docs/results/<study>.md and its plot docs/results/<study>_f1.png (runner.results_plot). Nothing here
is measured: every number comes from those files, and the page names the command that made them.
A page whose study outputs are gone gets its plot redrawn from its own figures (runner.replot).
"""

from __future__ import annotations

import json
import os
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.bootstrap import DEFAULT_RESAMPLES, F1Interval, PairedDifference, f1_interval, paired_difference
from runner.oracle import read_answers
from runner.paths import DOCS_DIR, PROJECT_ROOT, shown
from runner.results_plot import BLEND, CART_RULE, GBDT, ORACLE, TZREC, PlotData, Point, Series, draw
from runner.study import BLEND_KIND, RULES, SCORE_FILE, STUDY_OUTPUTS, SUBMISSION_FILE, Study

RESULTS_DIR = DOCS_DIR / "results"  # a study's page: <study file name>.md, its plot <study file name>_f1.png
DECISIONS = DOCS_DIR / "decisions.md"  # what was decided from the results, and why (written by hand)
MAIN_RULE = RULES[0]
RAW_ARGMAX_RULE = "top_k_share"  # the per-seed tables' extra 12-19 column
# each rule in a few words, for the page's header (dbt var operating_point_rule); in full: RULES_GUIDE
RULE_TEXT = {
    "top_k_share_smoothed": "the best smoothed top-K, as a share of the day's scored pairs",
    "top_k_share": "the best raw top-K, as a share",
    "expected_f1": "each day's K of the best expected F1, calibrated by a logit shift",
    "expected_f1_platt": "as expected_f1, calibrated by a Platt fit",
    "top_k_share_pooled": "as the default, pooled with the validation users' days",
}
RULES_GUIDE = DOCS_DIR / "guide" / "evaluation.md"  # where the rules are explained, #the-operating-point


@dataclass(frozen=True)
class ModelSeed:
    """One model on one generated month: a single run, or the runs of several model seeds."""

    label: str
    kind: str
    records: list[dict[str, Any]]
    # an average of other runs costs what its members cost: their single runs
    members: list[dict[str, Any]] = field(default_factory=list)

    def metric(self, name: str, rule: str = MAIN_RULE) -> float | None:
        values = [r[rule][name] for r in self.records if r.get(rule, {}).get(name) is not None]
        return statistics.fmean(values) if values else None

    def cost(self, name: str) -> float | None:
        """Training seconds (summed over an average's members), peak RSS (their max), validation AUC (mean)."""
        records = self.members or self.records
        values = [r[name] for r in records if r.get(name) is not None]
        if not values:
            return None
        if self.members and name == "train_seconds":
            return sum(values)
        if self.members and name == "peak_rss_gb":
            return max(values)
        return statistics.fmean(values)

    def eval_auc(self) -> float | None:
        """The exact eval-day AUC of these predictions (of each seed's run, averaged, for pooled single runs)."""
        values = [r["eval_auc"] for r in self.records if r.get("eval_auc") is not None]
        return statistics.fmean(values) if values else None

    def spread(self, name: str, rule: str = MAIN_RULE) -> tuple[float, float] | None:
        values = [r[rule][name] for r in self.records if r.get(rule, {}).get(name) is not None]
        return (min(values), max(values)) if len(values) > 1 else None


def read_scores(root: Path = STUDY_OUTPUTS) -> list[dict[str, Any]]:
    scores = [json.loads(path.read_text()) for path in sorted(root.rglob(SCORE_FILE))]
    if not scores:
        raise FileNotFoundError(f"no {SCORE_FILE} under {shown(root)}: run `python -m runner study` first")
    return scores


# the parts of a row's label that tell its kind (group writes them, kind_of reads them back from a page)
GBDT_SUFFIX, GBDT_SEEDS = " (GBDT reference)", ", mean of the LightGBM seeds"
SEED_MEAN_SUFFIX, ENSEMBLE_MARK, BLEND_MARK = ", mean of the model seeds", " (mean of ", " (blend of "


def kind_of(label: str) -> str | None:
    """The kind of a row with this label (group's labels) among the reference, seed averages, ensembles and
    blends; None for the others (single runs)."""
    if label.endswith(GBDT_SUFFIX):
        return "gbdt"
    if BLEND_MARK in label:
        return BLEND_KIND
    if label.endswith(SEED_MEAN_SUFFIX):
        return "tzrec_seed_mean"
    if ENSEMBLE_MARK in label:
        return "tzrec_ensemble"
    return None


def group(scores: Iterable[dict[str, Any]]) -> dict[int, dict[str, ModelSeed]]:
    """generator seed -> label -> ModelSeed. Single tzrec runs of one config are pooled over model seeds."""
    pooled: dict[tuple[int, str, str], list[dict[str, Any]]] = defaultdict(list)
    references: dict[int, list[str]] = defaultdict(list)
    for record in scores:
        kind = record.get("kind", "tzrec")
        if kind == "gbdt":
            references[int(record["generator_seed"])].append(str(record.get("run")))
        gbdt_label = record["model"] + (GBDT_SEEDS if record.get("members") else "")
        members = " + ".join(record.get("members", []))
        label = {"gbdt": gbdt_label + GBDT_SUFFIX,
                 "gbdt_single": record["model"] + ", one LightGBM seed",
                 "tzrec": record["model"] + ", one model seed",
                 "tzrec_seed_mean": record["model"] + SEED_MEAN_SUFFIX,
                 "tzrec_ensemble": f"{record['model']}{ENSEMBLE_MARK}{members})",
                 BLEND_KIND: f"{record['model']}{BLEND_MARK}{members})",
                 }.get(kind, record["model"])
        pooled[(int(record["generator_seed"]), label, kind)].append(record)
    for seed, runs in references.items():
        if len(runs) > 1:
            raise ValueError(f"generator seed {seed} has {len(runs)} GBDT references ({', '.join(runs)}): a study "
                             "that now averages GBDT seeds leaves its earlier single run behind; remove the folder "
                             "the study file no longer makes")
    singles: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for (seed, _, kind), records in pooled.items():
        if kind in ("tzrec", "gbdt_single"):
            for record in records:
                singles[(seed, record["model"])].append(record)
    grouped: dict[int, dict[str, ModelSeed]] = defaultdict(dict)
    for (seed, label, kind), records in sorted(pooled.items()):
        members: list[dict[str, Any]] = []
        if kind == "tzrec_seed_mean" or (kind == "gbdt" and records[0].get("members")):
            members = singles[(seed, records[0]["model"])]
        elif kind in ("tzrec_ensemble", BLEND_KIND):
            members = [r for stem in records[0].get("members", []) for r in singles[(seed, stem)]]
        grouped[seed][label] = ModelSeed(label, kind, records, members)
    return grouped


def _f(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _i(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _month_record(models: dict[str, ModelSeed]) -> dict[str, Any]:
    """A score record of one month: its cart rule, oracle and candidate recall are every model's of that month."""
    return next(iter(models.values())).records[0]


def _seed_table(seed: int, models: dict[str, ModelSeed]) -> list[str]:
    any_record = _month_record(models)
    cart, oracle, recall = any_record.get("cart_rule", {}), any_record.get("oracle") or {}, any_record.get(
        "candidate_recall", {})
    lines = [
        f"### Generator seed {seed}",
        "",
        f"Cart rule F1: eval day {_f(cart.get('eval'))}, 12-19 {_f(cart.get('predict'))}. Oracle bound on 12-19: "
        f"expected {_f(oracle.get('expected_f1'))}, observed {_f(oracle.get('observed_f1'))}. Candidate recall "
        f"(the ceiling of any model's recall): eval day {_f(recall.get('eval'), 3)}, "
        f"12-19 {_f(recall.get('predict'), 3)}.",
        "",
        "| model | runs | eval F1 | eval P | eval R | eval pairs | 12-19 F1 (min–max) | 12-19 P | 12-19 R "
        "| 12-19 pairs | 12-19 F1, raw-argmax K | eval AUC | train s | peak RSS GB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, model in models.items():
        spread = model.spread("predict_f1")
        f1 = _f(model.metric("predict_f1")) + (f" ({spread[0]:.4f}–{spread[1]:.4f})" if spread else "")
        lines.append(
            f"| {label} | {len(model.records)} | {_f(model.metric('eval_f1'))} | {_f(model.metric('eval_precision'))} "
            f"| {_f(model.metric('eval_recall'))} | {_i(model.metric('eval_pairs'))} | {f1} "
            f"| {_f(model.metric('predict_precision'))} | {_f(model.metric('predict_recall'))} "
            f"| {_i(model.metric('predict_pairs'))} | {_f(model.metric('predict_f1', RAW_ARGMAX_RULE))} "
            f"| {_f(model.eval_auc())} | {_i(model.cost('train_seconds'))} "
            f"| {_f(model.cost('peak_rss_gb'), 2)} |"
        )
    return [*lines, ""]


def _ordered(grouped: dict[int, dict[str, ModelSeed]], order: list[int] | None = None) -> list[int]:
    """The generator seeds in the study file's order (others after, sorted)."""
    order = [s for s in (order or []) if s in grouped]
    return order + sorted(s for s in grouped if s not in order)


def _across_seeds(grouped: dict[int, dict[str, ModelSeed]],
                  order: list[int] | None = None) -> tuple[list[str], dict[str, Any]]:
    seeds = _ordered(grouped, order)
    labels = list(dict.fromkeys(label for seed in seeds for label in grouped[seed]))
    header = " | ".join(str(s) for s in seeds)
    lines = [
        f"| model | eval AUC, mean | eval F1, mean | 12-19 F1: {header} | mean | sd | × cart rule (per seed) "
        "| share of oracle (observed) |",
        "|---|---|---|" + "---|" * len(seeds) + "---|---|---|---|",
    ]
    summary: dict[str, Any] = {}
    unscored: list[str] = []
    for label in labels:
        present = [grouped[s][label] for s in seeds if label in grouped[s]]
        if len(present) != len(seeds):
            continue
        if any(MAIN_RULE not in r for m in present for r in m.records):
            unscored.append(label)  # scored before the default rule existed: no figure to show
            continue
        f1s = [m.metric("predict_f1") or 0.0 for m in present]
        evals = [m.metric("eval_f1") or 0.0 for m in present]
        carts = [m.records[0]["cart_rule"].get("predict") or float("nan") for m in present]
        oracles = [(m.records[0].get("oracle") or {}).get("observed_f1") or float("nan") for m in present]
        ratios = [f / c for f, c in zip(f1s, carts, strict=True)]
        share = statistics.fmean(f / o for f, o in zip(f1s, oracles, strict=True))
        aucs = [m.eval_auc() for m in present]
        mean_auc = statistics.fmean(a for a in aucs if a is not None) if None not in aucs else None
        summary[label] = {"kind": present[0].kind, "f1s": f1s, "evals": evals, "eval_mean": statistics.fmean(evals),
                          "train_seconds": [m.cost("train_seconds") for m in present],
                          "ratios": ratios, "mean": statistics.fmean(f1s), "seeds": seeds, "auc": mean_auc,
                          # one run per seed (not pooled single runs): whose kept submission the noise check reads
                          "runs": [m.records[0]["run"] if len(m.records) == 1 else None for m in present]}
        auc = _f(mean_auc)
        lines.append(
            f"| {label} | {auc} | {statistics.fmean(evals):.4f} | " + " | ".join(f"{f:.4f}" for f in f1s)
            + f" | {statistics.fmean(f1s):.4f} | {statistics.stdev(f1s) if len(f1s) > 1 else 0:.4f} | "
            + " / ".join(f"{r:.2f}×" for r in ratios) + f" | {100 * share:.0f} % |"
        )
    if unscored:
        lines += ["", f"Left out, scored before the rule `{MAIN_RULE}` existed (run the study again to add it): "
                  + ", ".join(unscored) + "."]
    return lines, summary


def _rules_table(grouped: dict[int, dict[str, ModelSeed]]) -> list[str]:
    """Mean 12-19 F1 under each rule, for the models scored on every month ("–" where a run predates a rule)."""
    lines = ["| model | " + " | ".join(f"12-19 F1 mean, {rule}" for rule in RULES) + " |",
             "|---" * (len(RULES) + 1) + "|"]
    seeds = _ordered(grouped)
    for label in dict.fromkeys(label for seed in seeds for label in grouped[seed]):
        present = [grouped[s][label] for s in seeds if label in grouped[s]]
        if len(present) != len(seeds):
            continue
        cells = []
        for rule in RULES:
            values = [m.metric("predict_f1", rule) for m in present]
            cells.append("–" if any(v is None for v in values) else f"{statistics.fmean(values):.4f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


# the kinds of tzrec row that make one submission per month (report.group's kinds)
JUDGED_KINDS = ("tzrec_seed_mean", "tzrec_ensemble")


def judged(summary: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """(label, summary) of the tzrec model with the best mean eval-day F1, and the GBDT's summary.

    Only models that make one submission per month compete: seed averages and ensembles. A config's
    pooled single runs ("one model seed") are a mean over three submissions, which nobody can ship
    and the bootstrap cannot read."""
    gbdt, best = _reference(summary), production(summary)
    if gbdt is None or best is None:
        return None
    return best[0], best[1], gbdt


def production(summary: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(label, summary) of the tzrec model with the best mean eval-day F1 among those that make one submission
    per month (judged's choice, made whether or not the study has a GBDT)."""
    ranked = _by_eval_day(summary, JUDGED_KINDS)
    return ranked[0] if ranked else None


def _reference(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The GBDT reference's summary (None when the study has none)."""
    return next((v for v in summary.values() if v["kind"] == "gbdt"), None)


def verdict(summary: dict[str, Any]) -> list[str]:
    """The target (docs/decisions.md#where-the-target-stands), checked on the numbers: the tzrec model with
    the best mean eval-day F1 (chosen without looking at 12-19) against the GBDT and 1.5× the cart rule, seed by
    seed."""
    chosen = judged(summary)
    if chosen is None:
        if _reference(summary) is None:
            return ["The study has no GBDT reference on every month: no verdict on the target."]
        return ["The study has no tzrec seed average or ensemble (the models the target judges): no verdict on "
                "the target."]
    return _verdict_lines(*chosen)


def _verdict_lines(best_label: str, best: dict[str, Any], gbdt: dict[str, Any]) -> list[str]:
    beats = [f >= g for f, g in zip(best["f1s"], gbdt["f1s"], strict=True)]
    cart_ok = [r >= 1.5 for r in best["ratios"]]
    met = all(beats) and all(cart_ok)
    lines = [
        f"The tzrec model (a seed average or an ensemble: one submission per month) with the best mean "
        f"eval-day F1 is **{best_label}** (chosen on the eval day, "
        f"mean {best['eval_mean']:.4f}). On 12-19 it scores "
        + ", ".join(f"{f:.4f}" for f in best["f1s"]) + " against the GBDT's "
        + ", ".join(f"{g:.4f}" for g in gbdt["f1s"])
        + f" (mean {best['mean']:.4f} vs {gbdt['mean']:.4f}), and "
        + ", ".join(f"{r:.2f}×" for r in best["ratios"]) + " the cart rule.",
        "",
        f"**Target {'met' if met else 'not met'}**: at least the GBDT on "
        f"{sum(beats)} of {len(beats)} seeds, at least 1.5× the cart rule on {sum(cart_ok)} of {len(cart_ok)}.",
    ]
    return lines


def blends(summary: dict[str, Any]) -> list[str]:
    """Each blend (the GBDT reference and tzrec models in one mean logit) against the GBDT and the judged
    tzrec model, seed by seed, on a line apart: it holds the reference, so it is never the tzrec model."""
    chosen = judged(summary)
    rows = [(label, row) for label, row in summary.items() if row["kind"] == BLEND_KIND]
    if chosen is None or not rows:
        return []
    best_label, best, gbdt = chosen
    lines = []
    for label, row in rows:
        beats_gbdt = sum(f >= g for f, g in zip(row["f1s"], gbdt["f1s"], strict=True))
        beats_tzrec = sum(f >= t for f, t in zip(row["f1s"], best["f1s"], strict=True))
        lines += [
            f"Beside the judgement (it holds the GBDT reference, so it is not a tzrec model): the blend "
            f"**{label}** scores " + ", ".join(f"{f:.4f}" for f in row["f1s"])
            + f" on 12-19 (mean {row['mean']:.4f}; eval-day mean {row['eval_mean']:.4f}), "
            + ", ".join(f"{r:.2f}×" for r in row["ratios"]) + f" the cart rule: at least the GBDT on {beats_gbdt} "
            f"of {len(row['f1s'])} seeds and at least {best_label} on {beats_tzrec}.",
            "",
        ]
    return lines


def noise(summary: dict[str, Any], answers: dict[int, Path]) -> list[str]:
    """Per seed, the judged tzrec model's 12-19 F1 minus the GBDT's with a paired user-bootstrap interval."""
    chosen = judged(summary)
    if chosen is None:
        return []
    return _noise_lines(*chosen, answers)


def _noise_lines(best_label: str, best: dict[str, Any], gbdt: dict[str, Any], answers: dict[int, Path],
                 heading: str = "### How much of each difference is noise") -> list[str]:
    lines = [
        heading,
        "",
        f"12-19 F1 of {best_label} minus the GBDT's, with the 5–95 % range over {DEFAULT_RESAMPLES:,} resamples "
        "of the day's users (the same users for both models, `runner/bootstrap.py`, on each run's kept "
        f"`{SUBMISSION_FILE}`, whose F1 is checked against dbt's). This is the noise of one day's buyers, not of "
        "model seeds.",
        "",
        "| generator seed | difference | 5 % | 95 % | resamples with tzrec ahead |",
        "|---|---|---|---|---|",
    ]
    for i, seed in enumerate(best["seeds"]):
        result = _paired(best, gbdt, i, answers)
        if result is None:
            lines.append(f"| {seed} | – | – | – | – |")
            continue
        lines.append(f"| {seed} | {result.difference:+.4f} | {result.low:+.4f} | {result.high:+.4f} "
                     f"| {100 * result.share_a_ahead:.0f} % |")
    return [*lines, ""]


def _paired(model: dict[str, Any], gbdt: dict[str, Any], i: int, answers: dict[int, Path]) -> PairedDifference | None:
    """The paired user bootstrap of a model's 12-19 F1 minus the GBDT's on the i-th seed of their summaries,
    from the kept submissions (None where a submission or the answers are missing)."""
    seed = model["seeds"][i]
    runs = [PROJECT_ROOT / run / SUBMISSION_FILE for run in (model["runs"][i], gbdt["runs"][i]) if run]
    answer_file = answers.get(seed)
    if len(runs) < 2 or answer_file is None or not all(path.is_file() for path in (*runs, answer_file)):
        return None
    # a submission is a two-column TSV of pairs, as the answers are
    result = paired_difference(read_answers(runs[0]), read_answers(runs[1]), read_answers(answer_file))
    if abs(result.f1_a - model["f1s"][i]) > 1e-9 or abs(result.f1_b - gbdt["f1s"][i]) > 1e-9:
        raise RuntimeError(f"seed {seed}: the kept submissions score {result.f1_a:.4f} / {result.f1_b:.4f}, "
                           f"dbt said {model['f1s'][i]:.4f} / {gbdt['f1s'][i]:.4f}: run `python -m runner study` "
                           f"to write {SUBMISSION_FILE} again")
    return result


def noise_every_model(summary: dict[str, Any], answers: dict[int, Path]) -> list[str]:
    """The same paired bootstrap for every model that makes one submission per month (seed averages,
    ensembles, blends), best mean eval-day F1 first: which of them the day's buyers can tell from the
    GBDT at all. Judges nothing; a reader comparing models on 12-19 sees each difference's noise."""
    gbdt = _reference(summary)
    rows = _by_eval_day(summary, (*JUDGED_KINDS, BLEND_KIND))
    if gbdt is None or len(rows) < 2:
        return []
    seeds = gbdt["seeds"]
    lines = [
        "#### Every model against the GBDT",
        "",
        "The same bootstrap for each model that makes one submission per month, best mean eval-day F1 first "
        "(looked at after the judgement above; it chooses nothing): 12-19 F1 minus the GBDT's, the 5–95 % "
        "range, and the share of resamples with the model ahead.",
        "",
        "| model | eval F1, mean | " + " | ".join(f"seed {s}" for s in seeds) + " |",
        "|---|---|" + "---|" * len(seeds),
    ]
    for label, row in rows:
        cells = []
        for i in range(len(seeds)):
            result = _paired(row, gbdt, i, answers)
            cells.append("–" if result is None else f"{result.difference:+.4f} [{result.low:+.4f}, "
                                                    f"{result.high:+.4f}] {100 * result.share_a_ahead:.0f} %")
        lines.append(f"| {label} | {row['eval_mean']:.4f} | " + " | ".join(cells) + " |")
    return [*lines, ""]


# How many of the best tzrec models (by mean eval-day F1) the table over every study lists
POOLED_SHOWN = 8


def pooled_summary(sources: list[tuple[str, Path]], seeds: list[int]) -> dict[str, Any]:
    """The across-seeds summary of every study's models, labelled `<model> [<study>]`.

    sources: (study name, scores root), the base study first. Every study runs on the same generated
    months (a variant rebuilds the exports from the base months' raw files, runner.study.Workspace), so
    their eval days and 12-19 answers are the same and their rows compare. A root read twice (a screen
    writes into the base study's folders) counts once; a study without scores is left out."""
    pooled: dict[str, Any] = {}
    seen: set[Path] = set()
    for name, root in sources:
        if root.resolve() in seen or not any(root.rglob(SCORE_FILE)):
            continue
        seen.add(root.resolve())
        _, summary = _across_seeds(group(read_scores(root)), seeds)
        for label, row in summary.items():
            if row["seeds"] == seeds:  # a study that ran other months has no row here
                pooled[f"{label} [{name}]"] = {**row, "study": name}
    return pooled


def judged_over_studies(pooled: dict[str, Any]) -> tuple[str, dict[str, Any], str, dict[str, Any]] | None:
    """The tzrec model and the GBDT reference, each the one with the best mean eval-day F1 over every study.

    The rule of `judged`, applied to both sides: a variant's training data (keep rate, features, label
    days) is one more lever, chosen on the eval day like any other, for the GBDT as for tzrec."""
    chosen = judged(pooled)  # the tzrec side is `judged`'s own choice
    if chosen is None:
        return None
    best_label, best, _ = chosen
    gbdt_label, gbdt = _by_eval_day(pooled, ("gbdt",))[0]
    return best_label, best, gbdt_label, gbdt


def _by_eval_day(rows: dict[str, Any], kinds: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    """The rows of these kinds, best mean eval-day F1 first."""
    return sorted(((k, v) for k, v in rows.items() if v["kind"] in kinds), key=lambda item: -item[1]["eval_mean"])


def over_studies(sources: list[tuple[str, Path]], seeds: list[int], answers: dict[int, Path]) -> list[str]:
    """The section that judges the target over every study's models, not just this study's."""
    pooled = pooled_summary(sources, seeds)
    chosen = judged_over_studies(pooled)
    if chosen is None:
        return []
    best_label, best, gbdt_label, gbdt = chosen
    studies = list(dict.fromkeys(row["study"] for row in pooled.values()))
    ranked, references = _by_eval_day(pooled, JUDGED_KINDS), _by_eval_day(pooled, ("gbdt",))
    header = " | ".join(str(s) for s in seeds)
    lines = [
        "## Over every study",
        "",
        f"The same rule over the models of every study on these months ({', '.join(f'`{s}`' for s in studies)}; "
        "a variant rebuilds the exports of the same generated months with other dbt vars, so its eval day and "
        "12-19 answers are these). Both sides are chosen on the eval day: the tzrec model (a seed average or "
        "an ensemble) and the GBDT reference with the best mean eval-day F1 of any study. The "
        f"{min(POOLED_SHOWN, len(ranked))} best tzrec models and every GBDT reference, by mean eval-day F1:",
        "",
        f"| model [study] | eval AUC, mean | eval F1, mean | 12-19 F1: {header} | × cart rule (per seed) |",
        "|---|---|---|" + "---|" * len(seeds) + "---|",
    ]
    for label, row in [*ranked[:POOLED_SHOWN], *references]:
        lines.append(f"| {label} | {_f(row.get('auc'))} | {row['eval_mean']:.4f} | "
                     + " | ".join(f"{f:.4f}" for f in row["f1s"]) + " | "
                     + " / ".join(f"{r:.2f}×" for r in row["ratios"]) + " |")
    lines += ["", f"GBDT reference over every study: **{gbdt_label}**.", "",
              *_verdict_lines(best_label, best, gbdt), "",
              *_noise_lines(best_label, best, gbdt, answers, heading="### How much of it is noise (every study)")]
    return lines


def against_control(study: Study, summary: dict[str, Any], grouped: dict[int, dict[str, ModelSeed]]) -> list[str]:
    """Each model scored on every month by both this study and its control (`control:`, the same months on other
    exports), this study minus the control: the mean eval-day F1 (what a rule on the eval day reads) and each
    month's, the mean 12-19 F1, the training time; then each month's candidate recall on the eval day."""
    assert study.control is not None
    control = Study.read(study.control)
    control_grouped = group(read_scores(control.outputs_root))
    _, control_summary = _across_seeds(control_grouped, study.generator_seeds)
    common = [label for label, row in summary.items()
              if label in control_summary and control_summary[label]["seeds"] == row["seeds"]]
    lines = ["## Against the control", "",
             f"The control is `{shown(study.control)}`: the same months and models, on its own exports. This study "
             "minus the control, for each model both scored on every month (default operating point):", ""]
    if not common:
        return [*lines, "No model has scores on every month in both studies yet.", ""]
    seeds = summary[common[0]]["seeds"]
    lines += [
        "| model | eval F1 mean | control | difference | difference: " + " | ".join(map(str, seeds))
        + " | 12-19 F1 mean | control | difference | train s, mean | control |",
        "|---|" + "---|" * (8 + len(seeds)),
    ]
    for label in common:
        row, base = summary[label], control_summary[label]
        train, base_train = (statistics.fmean(r["train_seconds"]) if None not in r["train_seconds"] else None
                             for r in (row, base))
        difference = row["eval_mean"] - base["eval_mean"]
        lines.append(
            f"| {label} | {row['eval_mean']:.4f} | {base['eval_mean']:.4f} | {difference:+.4f}"
            " | " + " | ".join(f"{a - b:+.4f}" for a, b in zip(row["evals"], base["evals"], strict=True))
            + f" | {row['mean']:.4f} | {base['mean']:.4f} | {row['mean'] - base['mean']:+.4f} | {_i(train)} "
            f"| {_i(base_train)} |")
    recalls = []
    for seed in seeds:
        mine, theirs = (_month_record(g[seed]).get("candidate_recall", {}).get("eval") if g.get(seed) else None
                        for g in (grouped, control_grouped))
        recalls.append(f"{seed}: {_f(mine, 3)} against {_f(theirs, 3)}")
    return [*lines, "", "Candidate recall on the eval day (the ceiling of any model's recall), this study against the "
            "control: " + "; ".join(recalls) + ".", ""]


def study_sources(base: Study, folder: Path) -> list[tuple[str, Path]]:
    """(name, scores root) of the base study and of every variant study file in `folder` on its months, each
    scores root once: several files may add models to one variant's folders (a follow-up study beside the
    variant's own file), and its runs must not be judged twice."""
    sources = [("base", base.outputs_root)]
    for path in sorted(folder.glob("*.yml")):
        study = Study.read(path)
        if study.variant and sorted(study.generator_seeds) == sorted(base.generator_seeds) \
                and study.users == base.users and study.outputs_root not in {root for _, root in sources}:
            sources.append((study.variant, study.outputs_root))
    return sources


# ---- the plot -------------------------------------------------------------------------------------


def plot_rows(rows: dict[str, Any], judged_label: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """(role, label, row) of the plot's submissions: the tzrec model judged on the eval day (judged_label where a
    page names it), the GBDT reference and the blend with the best mean eval-day F1, each where the study has one
    on every month."""
    tzrec = (judged_label, rows[judged_label]) if judged_label else production(rows)
    blends = _by_eval_day(rows, (BLEND_KIND,))
    chosen = ((TZREC, tzrec), (GBDT, reference_row(rows)), (BLEND, blends[0] if blends else None))
    return [(role, *found) for role, found in chosen if found is not None]


def reference_row(rows: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    return next(((label, row) for label, row in rows.items() if row["kind"] == "gbdt"), None)


def legend_text(role: str, label: str) -> str:
    """The legend's text of a series: its role, and the model's name from the row's label."""
    name = label.split(" (")[0].split(", ")[0]
    if role == TZREC:
        return f"tzrec model judged on the eval day: {name}" + (
            " (seed average)" if label.endswith(SEED_MEAN_SUFFIX) else " (ensemble)")
    if role == GBDT:
        return f"GBDT reference: {name}" + (" (seed average)" if GBDT_SEEDS in label else "")
    return f"blend: {name} ({label.split(BLEND_MARK)[1].rstrip(')')})"


LEVEL_LABELS = {CART_RULE: "cart rule", ORACLE: "oracle bound (observed)"}


def missing_text(roles: list[str]) -> str:
    """The caption's sentence on a submission the study lacks on some month."""
    missing = [text for role, text in ((TZREC, "no tzrec seed average or ensemble"), (GBDT, "no GBDT reference"))
               if role not in roles]
    return f" The study has {' and '.join(missing)} on every month." if missing else ""


def plot_data(name: str, grouped: dict[int, dict[str, ModelSeed]], summary: dict[str, Any], seeds: list[int],
              answers: dict[int, Path]) -> PlotData:
    """The plot's figures from a study's scores: each submission's 12-19 F1 with its own user-bootstrap interval
    (from the run's kept submission), the cart rule and the oracle bound of each month."""
    series = []
    bare = False
    for role, label, row in plot_rows(summary):
        points = []
        for i in range(len(seeds)):
            interval = _interval(row, i, answers)
            bare = bare or interval is None
            points.append(Point(row["f1s"][i]) if interval is None else Point(row["f1s"][i], interval.low,
                                                                             interval.high))
        series.append(Series(role, legend_text(role, label), tuple(points)))
    first = {seed: next(iter(grouped[seed].values())).records[0] for seed in seeds}
    levels = {CART_RULE: [first[s]["cart_rule"].get("predict") for s in seeds],
              ORACLE: [(first[s].get("oracle") or {}).get("observed_f1") for s in seeds]}
    series += [Series(role, LEVEL_LABELS[role], tuple(None if v is None else Point(v) for v in values))
               for role, values in levels.items()]
    caption = (f"Error bars: the 5-95 % range of each submission's 12-19 F1 over {DEFAULT_RESAMPLES:,} resamples "
               f"of the day's users (runner/bootstrap.py, on the run's kept {SUBMISSION_FILE})"
               + ("; a dot without bar has no kept submission or answers to resample" if bare else "")
               + ". The cart rule and the oracle bound are levels without interval: no submission file of theirs "
                 "is kept to resample." + missing_text([s.role for s in series]))
    return PlotData(f"study {name}: F1 on 12-19 per generated month",
                    tuple(seeds), tuple(series), caption)


def _interval(row: dict[str, Any], i: int, answers: dict[int, Path]) -> F1Interval | None:
    """The user-bootstrap interval of a row's 12-19 F1 on the i-th seed, from its kept submission (None where the
    submission or the answers are missing)."""
    seed, run = row["seeds"][i], row["runs"][i]
    answer_file = answers.get(seed)
    submission = PROJECT_ROOT / run / SUBMISSION_FILE if run else None
    if submission is None or answer_file is None or not submission.is_file() or not answer_file.is_file():
        return None
    result = f1_interval(read_answers(submission), read_answers(answer_file))
    if abs(result.f1 - row["f1s"][i]) > 1e-9:
        raise RuntimeError(f"seed {seed}: the kept {shown(submission)} scores {result.f1:.4f}, dbt said "
                           f"{row['f1s'][i]:.4f}: run `python -m runner study` to write {SUBMISSION_FILE} again")
    return result


PICTURE_TEXT = "12-19 F1 per generated month: the tzrec model judged on the eval day against the GBDT reference"


def page_path(study: Study) -> Path:
    """docs/results/<study file name>.md: the page `report` writes for a study unless told otherwise."""
    return RESULTS_DIR / f"{study.source.stem}.md"


def plot_path(page: Path) -> Path:
    """The plot beside a page: <page name>_f1.png."""
    return page.parent / f"{page.stem.lower()}_f1.png"


def write_report(study: Study, out: Path | None = None, scores_root: Path | None = None,
                 other_studies: list[tuple[str, Path]] | None = None) -> Path:
    """The results page of a study (scores from its own outputs folder; default docs/results/<study>.md) and its
    plot beside it. The page is generated whole: what was decided from it lives in docs/decisions.md, which it
    links. other_studies, (name, scores root) of the studies on the same months with this one first, adds the
    section that judges the target over all of them."""
    out = out or page_path(study)
    out.parent.mkdir(parents=True, exist_ok=True)
    grouped = group(read_scores(scores_root or study.outputs_root))
    answers = {seed: study.workspace(seed).answers for seed in study.generator_seeds}
    seeds = _ordered(grouped, study.generator_seeds)
    across, summary = _across_seeds(grouped, study.generator_seeds)
    picture = draw(plot_data(study.source.stem, grouped, summary, seeds, answers), plot_path(out))
    decisions = Path(os.path.relpath(DECISIONS, out.parent.resolve())).as_posix()
    rules_guide = Path(os.path.relpath(RULES_GUIDE, out.parent.resolve())).as_posix()
    vars_text = ("the dbt vars " + ", ".join(f"`{k}: {v}`" for k, v in sorted(study.dbt_vars.items()))
                 if study.dbt_vars else "the project's own dbt vars (`dbt_vars: {}`)")
    built_with = ("" if study.variant is None else
                  f" Variant `{study.variant}`: every month's exports were built with {vars_text}"
                  " (the generated months' raw files are shared with every study of the same generator seeds; the "
                  "database, exports and runs are in folders of their own).")
    lines = [
        f"# Results: {study.source.stem}",
        "",
        f"Written by `python -m runner report --study {shown(study.source)}` from the scores of `python -m runner "
        f"study --study {shown(study.source)}` (every run's `{shown(study.outputs_root)}/seed_<G>/.../"
        f"{SCORE_FILE}`); do not edit by hand.",
        "",
        f"What was decided from these results, and why: [docs/decisions.md]({decisions}).",
        "",
        f"Generated months of {study.users:,} users, generator seeds {', '.join(map(str, study.generator_seeds))}; "
        f"tzrec configs trained once per model seed ({', '.join(map(str, study.model_seeds))})"
        + (f", the GBDT once per LightGBM seed ({', '.join(map(str, study.gbdt_seeds))}), and every average is "
           "the mean logit of its members" if study.gbdt_seeds else ", every average the mean logit of its members")
        + ". The operating "
        f"point is chosen with the eval day's labels (12-18) only: `{MAIN_RULE}` (the default: "
        f"{RULE_TEXT[MAIN_RULE]}) in every table"
        + "".join(f", `{rule}` ({RULE_TEXT[rule]})" for rule in RULES[1:])
        + f" in the last table (the rules: [guide/evaluation.md]({rules_guide}#the-operating-point)); the per-seed "
        "tables' raw-argmax column is `top_k_share`. 12-19 is scored against "
        "the generator's held-out answers and never used to choose anything on its month. P / R are precision / "
        "recall; pairs are the "
        "submitted pairs; train s and peak RSS are the training step's (for tzrec the largest process; for an "
        "average, the sum of its members' training time and their largest peak). eval AUC is the exact ROC AUC "
        "of the model's eval-day probabilities over every scored candidate (dbt's `eval_ranking_auc`, the same "
        "for every model family; tzrec's own `auc` metric bins probabilities into 200 steps of [0, 1] and reads "
        "0.01-0.03 low here, so it is not shown). A model scored on only some of the months (a one-month "
        "screen) appears in those months' tables only." + built_with,
        "",
        "## Across generator seeds",
        "",
        f"![{PICTURE_TEXT}]({picture.name})",
        "",
        *across,
        "",
        *verdict(summary),
        "",
        *blends(summary),
        *noise(summary, answers),
        *noise_every_model(summary, answers),
        *(against_control(study, summary, grouped) if study.control else []),
        *(over_studies(other_studies, study.generator_seeds, answers) if other_studies else []),
        "## Per generator seed",
        "",
    ]
    for seed in _ordered(grouped, study.generator_seeds):
        lines += _seed_table(seed, grouped[seed])
    lines += ["## Operating-point rules", "", "Mean 12-19 F1 over the generator seeds under each rule (each chosen "
              "with the eval day's labels only; – where a run was scored before the rule existed):", "",
              *_rules_table(grouped), ""]
    out.write_text("\n".join(lines))
    return out
