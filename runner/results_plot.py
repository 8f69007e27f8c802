"""The results page's picture: does the tzrec model chosen on the eval day beat the GBDT on 12-19?

One dot plot per study: for each generated month (generator seed), the 12-19 F1 of the tzrec model
judged best on the eval day, of the GBDT reference and of the blend (where the study has them), each
with an error bar where an interval is at hand, and the cart rule and the oracle bound (observed) as
short levels across the month. Drawn with matplotlib's Agg backend from a PlotData, which
runner.report builds from a study's scores or from the figures on a page; nothing here computes a
figure. The caption under the plot says what the error bars are.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# the roles a series can have, in the legend's order: three submissions, then the two levels
TZREC, GBDT, BLEND, CART_RULE, ORACLE = "tzrec", "gbdt", "blend", "cart_rule", "oracle"
ROLES = (TZREC, GBDT, BLEND, CART_RULE, ORACLE)
SUBMISSIONS = (TZREC, GBDT, BLEND)
STYLE = {  # marker (or line style for a level) and colour of each role
    TZREC: ("o", "tab:blue"),
    GBDT: ("s", "tab:orange"),
    BLEND: ("D", "tab:green"),
    CART_RULE: ("--", "black"),
    ORACLE: ("-.", "tab:red"),
}
WIDTH_INCHES, DPI = 8.0, 100  # 800 px wide: the size the docs show it at, so the fonts read as drawn
CAPTION_CHARACTERS = 125  # a caption line at 8 pt fits the figure's width


@dataclass(frozen=True)
class Point:
    """One month's F1 of a series, with its error bar (low, high) where one is at hand."""

    f1: float
    low: float | None = None
    high: float | None = None

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None


@dataclass(frozen=True)
class Series:
    role: str  # one of ROLES
    label: str  # the legend's text
    points: tuple[Point | None, ...]  # one per month, in PlotData.seeds' order (None: no figure that month)


@dataclass(frozen=True)
class PlotData:
    subtitle: str  # which study, said under the title
    seeds: tuple[int, ...]  # the generator seeds, one generated month each
    series: tuple[Series, ...]  # in ROLES' order, only the roles the study has
    caption: str  # what the error bars are, and which points have none

    def roles(self) -> list[str]:
        return [series.role for series in self.series]


TITLE = "Does the tzrec model chosen on the eval day beat the GBDT on 12-19?"


def draw(data: PlotData, path: Path) -> Path:
    """Write the PNG; returns its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    figure, axis = plt.subplots(figsize=(WIDTH_INCHES, 4.0))
    dots = [s for s in data.series if s.role in SUBMISSIONS]
    step = 0.28
    offsets = {s.role: (i - (len(dots) - 1) / 2) * step for i, s in enumerate(dots)}
    half = min(0.44, max(0.3, step * len(dots) / 2 + 0.06))  # a level spans the month's dots
    top = 0.0
    handles: dict[str, list[tuple[Any, str]]] = {"dots": [], "levels": []}  # (artist, legend text)
    for series in data.series:
        marker, colour = STYLE[series.role]
        months = [(i, p) for i, p in enumerate(series.points) if p is not None]
        if not months:
            continue
        top = max(top, *(p.high if p.has_interval else p.f1 for _, p in months))
        if series.role in SUBMISSIONS:
            xs = [i + offsets[series.role] for i, _ in months]
            ys = [p.f1 for _, p in months]
            below = [p.f1 - p.low if p.has_interval else 0.0 for _, p in months]
            above = [p.high - p.f1 if p.has_interval else 0.0 for _, p in months]
            bars = axis.errorbar(xs, ys, yerr=[below, above], fmt=marker, color=colour, markersize=7, capsize=4,
                                 elinewidth=1.5)
            handles["dots"].append((bars, series.label))
            for x, y in zip(xs, ys, strict=True):
                axis.annotate(f"{y:.4f}", (x, y), xytext=(5, 0), textcoords="offset points", fontsize=7.5,
                              va="center", color=colour)
        else:
            for n, (i, point) in enumerate(months):
                line = axis.hlines(point.f1, i - half, i + half, colors=colour, linestyles=marker, linewidth=1.8)
                if n == 0:
                    handles["levels"].append((line, series.label))
    axis.set_xticks(range(len(data.seeds)))
    axis.set_xticklabels([f"seed {seed}" for seed in data.seeds], fontsize=10)
    axis.set_xlim(-0.6, len(data.seeds) - 0.4)
    axis.set_ylim(0, 1.12 * top if top else 1.0)
    axis.set_xlabel("generated month (generator seed)", fontsize=10)
    axis.set_ylabel("F1 on 12-19", fontsize=10)
    axis.grid(True, axis="y", alpha=0.3)
    axis.set_title(f"{TITLE}\n{data.subtitle}", fontsize=11)
    # two columns: the submissions on the left, the levels on the right (blank entries even them out)
    rows = max(len(handles["dots"]), len(handles["levels"]))
    blank = (Rectangle((0, 0), 0, 0, visible=False), "")
    entries = [*handles["dots"], *[blank] * (rows - len(handles["dots"])),
               *handles["levels"], *[blank] * (rows - len(handles["levels"]))]
    legend = axis.legend([artist for artist, _ in entries], [text for _, text in entries], loc="upper center",
                         bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=8.5, frameon=False)
    legend.set_in_layout(False)  # the axes keep their height; the saved picture grows to hold legend and caption
    figure.tight_layout()
    figure.canvas.draw()
    box = legend.get_window_extent().transformed(figure.transFigure.inverted())
    figure.text(0.02, box.y0 - 0.01, textwrap.fill(data.caption, CAPTION_CHARACTERS), ha="left", va="top",
                fontsize=8, color="dimgray")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI, bbox_inches="tight", pad_inches=0.1,
                   bbox_extra_artists=[*figure.get_default_bbox_extra_artists(), legend])
    plt.close(figure)
    return path
