"""The picture of a run's eval-day scans: precision, recall and F1 against top-K and against threshold.

Drawn from the f1_scan rows (runner.scoring) with matplotlib's Agg backend (no display needed),
one PNG per run, `<run>/f1_scan.png`. The best setting of each scan is marked, the seed plan's
setting dashed, and the recall ceiling of the candidates (where known) drawn as a line.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
from matplotlib.legend import Legend  # noqa: E402

from runner.scoring import ScanRow, ScoreReport  # noqa: E402

PLOT_NAME = "f1_scan.png"


def _panel(axis: plt.Axes, rows: list[ScanRow], x_of: str, title: str, ceiling: float | None) -> Legend:
    xs = [getattr(row, x_of) for row in rows]
    for name, style in (("precision", "tab:blue"), ("recall", "tab:orange"), ("f1", "tab:green")):
        ys = [getattr(row, name) if getattr(row, name) is not None else float("nan") for row in rows]
        axis.plot(xs, ys, marker="o", markersize=3, color=style, label="F1" if name == "f1" else name)
    smoothed = [row.f1_smoothed for row in rows]
    if any(value is not None for value in smoothed):
        axis.plot(xs, [float("nan") if v is None else v for v in smoothed], color="tab:green", linestyle=":",
                  linewidth=1.5, label="F1 smoothed")
        chosen = next((row for row in rows if row.is_best_smoothed), None)
        if chosen is not None:
            axis.axvline(getattr(chosen, x_of), color="tab:red", linewidth=1,
                         label=f"best smoothed F1 {chosen.f1_smoothed:.4f} ({chosen.setting}, F1 {chosen.f1:.4f})")
    best = next(row for row in rows if row.is_best)
    seed = next(row for row in rows if row.is_seed_default)
    axis.axvline(getattr(best, x_of), color="tab:green", linewidth=1,
                 label=f"best F1 {best.f1:.4f} ({best.setting})")
    axis.axvline(getattr(seed, x_of), color="grey", linestyle="--", linewidth=1,
                 label=f"seed plan F1 {seed.f1:.4f} ({seed.setting})")
    if ceiling is not None:
        axis.axhline(ceiling, color="tab:orange", linestyle=":", linewidth=1,
                     label=f"recall ceiling of the candidates {ceiling:.3f}")
    axis.set_xscale("log")
    # F1 on this task is ~0.1: zoom to the curves that matter (a precision above the top is clipped)
    visible = [row.recall or 0.0 for row in rows] + [row.f1 for row in rows] + [best.precision or 0.0, ceiling or 0.0]
    axis.set_ylim(0, min(1.0, 1.2 * max(visible) + 0.01))
    axis.set_title(title)
    axis.grid(True, which="both", alpha=0.3)
    # below the panel, so that no curve is hidden behind it
    legend = axis.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    legend.set_in_layout(False)  # the panels keep their height; the saved picture grows to hold it
    return legend


def plot_scan(report: ScoreReport, path: Path | None = None) -> Path:
    """Write the two-panel PNG (top-K, threshold) for the report's run; returns its path."""
    path = path or report.run_dir / PLOT_NAME
    top_k = sorted((row for row in report.scan if row.scan == "top_k"), key=lambda row: row.top_k or 0)
    thresholds = sorted((row for row in report.scan if row.scan == "threshold"), key=lambda row: row.threshold or 0)
    ceiling = report.eval_coverage.candidate_recall if report.eval_coverage else None
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    legends = [_panel(left, top_k, "top_k", "top-K pairs submitted (eval day)", ceiling),
               _panel(right, thresholds, "threshold", "probability threshold (eval day)", ceiling)]
    left.set_xlabel("K (pairs, log scale)")
    right.set_xlabel("threshold (log scale)")
    point = report.point
    figure.suptitle(f"{report.run_dir.name}: eval-day F1 {point.eval_f1:.4f} at {point.short()}"
                    + (f"; {report.leaderboard.label_date} leaderboard F1 {report.leaderboard.f1:.4f}"
                       if report.leaderboard.has_answers else ""),
                    fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight",
                   bbox_extra_artists=[*figure.get_default_bbox_extra_artists(), *legends])
    plt.close(figure)
    return path
