"""A results page's plot redrawn from the figures on the page, for pages whose study outputs are gone.

`python -m runner report --replot docs/results/<study>.md` reads what `report` wrote: the 12-19 F1s of
the "Across generator seeds" table, the judged model its verdict names, the cart rule and oracle
bound of each "Generator seed" section, and the paired bootstrap of its noise tables (a model's
12-19 F1 minus the GBDT's). A page records no interval of a single submission, so a model's error
bar is the GBDT's F1 plus that paired range; the caption says so. Every figure comes from the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from runner.paths import shown
from runner.report import LEVEL_LABELS, kind_of, legend_text, missing_text, plot_path, plot_rows, reference_row
from runner.results_plot import BLEND, CART_RULE, GBDT, ORACLE, TZREC, PlotData, Point, Series, draw


def replot(page: Path) -> Path:
    """Redraw a page's plot (<page name>_f1.png beside it) from the figures on the page, for pages whose study
    outputs are gone."""
    return draw(plot_data_from_page(page), plot_path(page))


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _number(cell: str) -> float | None:
    return None if cell in ("–", "") else float(cell)


def _table(lines: list[str], first_cell: str) -> list[list[str]]:
    """The rows (header first, the |---| line left out) of the first table whose header starts with first_cell."""
    start = next((i for i, line in enumerate(lines) if line.startswith(f"| {first_cell} |")), None)
    if start is None:
        return []
    rows = [_cells(lines[start])]
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(_cells(line))
    return rows


def _section(lines: list[str], heading: str) -> list[str]:
    """The lines under a heading, up to the next heading of any level ([] when the page lacks it)."""
    if heading not in lines:
        return []
    body = lines[lines.index(heading) + 1:]
    return body[:next((i for i, line in enumerate(body) if line.startswith("#")), len(body))]


PAIRED_CELL = re.compile(r"([+-]\d+\.\d+) \[([+-]\d+\.\d+), ([+-]\d+\.\d+)\]")
SEED_LINE = re.compile(r"^### Generator seed (\d+)\n\nCart rule F1: eval day (\S+), 12-19 (\S+)\. Oracle bound on "
                       r"12-19: expected (\S+), observed (\S+)\.", re.MULTILINE)
JUDGED_LINE = re.compile(r"with the best mean eval-day F1 is \*\*(.+?)\*\*")


def plot_data_from_page(page: Path) -> PlotData:
    """The plot's figures from a page written by `report`: the 12-19 F1s of its "Across generator seeds" table,
    the cart rule and oracle bound of each "Generator seed" section, and the paired bootstrap of its noise
    tables (model minus GBDT), drawn as each model's bar from the GBDT's F1."""
    text = page.read_text()
    lines = text.splitlines()
    across = _section(lines, "## Across generator seeds")
    table = _table(across, "model")
    if not table:
        raise ValueError(f"{shown(page)}: no table under '## Across generator seeds' to redraw the plot from "
                         "(a page written by `python -m runner report` has one)")
    try:
        seeds, rows = _across_rows(table)
    except (ValueError, StopIteration) as error:
        raise ValueError(f"{shown(page)}: cannot read the 'Across generator seeds' table ({error}); --replot reads "
                         "the table as `python -m runner report` writes it") from error
    # the page's own judgement names the model (the eval-day means it shows are rounded: a tie there is not one)
    named = JUDGED_LINE.search("\n".join(across))
    judged_label = named.group(1) if named else None
    if judged_label is not None and judged_label not in rows:
        raise ValueError(f"{shown(page)}: the judged model {judged_label!r} has no row in the "
                         "'Across generator seeds' table")
    paired = _paired_from_page(lines, seeds, judged_label)
    reference = reference_row(rows)
    series = []
    for role, label, row in plot_rows(rows, judged_label):
        points = []
        for i, seed in enumerate(seeds):
            interval = paired.get(label, {}).get(seed) if reference is not None and role != GBDT else None
            gbdt_f1 = reference[1]["f1s"][i] if reference is not None else 0.0
            points.append(Point(row["f1s"][i]) if interval is None else Point(
                row["f1s"][i], round(gbdt_f1 + interval[0], 4), round(gbdt_f1 + interval[1], 4)))
        series.append(Series(role, legend_text(role, label), tuple(points)))
    levels = {int(m.group(1)): (_number(m.group(3)), _number(m.group(5))) for m in SEED_LINE.finditer(text)}
    for role, index in ((CART_RULE, 0), (ORACLE, 1)):
        values = [levels.get(seed, (None, None))[index] for seed in seeds]
        series.append(Series(role, LEVEL_LABELS[role], tuple(None if v is None else Point(v) for v in values)))
    caption = f"Redrawn from the figures on {shown(page)} (its study's outputs are gone). " + _page_bars(series) \
        + missing_text([s.role for s in series])
    return PlotData(f"study {page.stem}: F1 on 12-19 per generated month",
                    tuple(seeds), tuple(series), caption)


def _across_rows(table: list[list[str]]) -> tuple[list[int], dict[str, Any]]:
    """The generator seeds and, per row of the kinds the plot can show, its kind, eval-day mean and 12-19 F1s."""
    header = table[0]
    first = next(i for i, cell in enumerate(header) if cell.startswith("12-19 F1: "))
    seeds = [int(header[first].removeprefix("12-19 F1: "))]
    seeds += [int(cell) for cell in header[first + 1:header.index("mean")]]
    eval_column = header.index("eval F1, mean")
    rows: dict[str, Any] = {}
    for cells in table[1:]:
        kind = kind_of(cells[0])
        if kind is not None:
            rows[cells[0]] = {"kind": kind, "eval_mean": float(cells[eval_column]), "seeds": seeds,
                              "f1s": [float(c) for c in cells[first:first + len(seeds)]]}
    return seeds, rows


def _page_bars(series: list[Series]) -> str:
    """The caption's sentences on the error bars of a plot redrawn from a page."""
    models = [s for s in series if s.role in (TZREC, BLEND)]
    with_bars = [s for s in models if any(p is not None and p.has_interval for p in s.points)]
    if not with_bars:
        return "The page records no interval: no error bars."
    without = ["the GBDT", *(["the blend"] if any(s.role == BLEND and s not in with_bars for s in models) else []),
               "the cart rule", "the oracle bound"]
    some_months = any(p is not None and not p.has_interval for s in with_bars for p in s.points)
    return ("Error bars: the page's paired user bootstrap of the model's 12-19 F1 minus the GBDT's (5-95 %), drawn "
            "from the GBDT's F1, so a bar that reaches the GBDT's F1 is a difference within one day's noise. The "
            f"page records no interval of a single submission: no bar on {', '.join(without[:-1])} or {without[-1]}"
            + ("; a model's dot without bar has no interval on the page for that month" if some_months else "")
            + ".")


def _paired_from_page(lines: list[str], seeds: list[int],
                      judged_label: str | None) -> dict[str, dict[int, tuple[float, float]]]:
    """label -> seed -> (5 %, 95 %) of the model's 12-19 F1 minus the GBDT's, from the page's noise tables: the
    judged model's own table, and "Every model against the GBDT" where the page has it."""
    found: dict[str, dict[int, tuple[float, float]]] = {}
    for cells in _table(_section(lines, "### How much of each difference is noise"), "generator seed")[1:]:
        low, high = _number(cells[2]), _number(cells[3])
        if judged_label is not None and low is not None and high is not None:
            found.setdefault(judged_label, {})[int(cells[0])] = (low, high)
    every = _table(_section(lines, "#### Every model against the GBDT"), "model")
    for cells in every[1:]:
        intervals = {}
        for seed, cell in zip(seeds, cells[2:2 + len(seeds)], strict=True):
            match = PAIRED_CELL.match(cell)
            if match:
                intervals[seed] = (float(match.group(2)), float(match.group(3)))
        found[cells[0]] = intervals
    return found
