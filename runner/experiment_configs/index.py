"""What `configs list` prints and configs/INDEX.md: per experiment its change, studies, results, decision.

The result of an experiment in a study is the mean eval-day F1 of its one submission per month (the
seed-averaged run, outputs/.../seed_<G>/mean/<name>; in a study of one model seed S, .../m<S>/<name>)
over the study's generated months, each month's F1 the last row docs/experiments.csv holds for that
run folder (a run scored again appends a row; the last is the one the study's results page shows).
A month without a row leaves the result out. Nothing here reads outputs/.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from runner.experiment_configs.contract import EXPORTS_YML
from runner.experiment_configs.experiment import (
    BASES_DIR,
    CONFIGS_DIR,
    EXPERIMENTS_DIR,
    Experiment,
    base_chain,
    experiments,
    render_spec,
)
from runner.paths import DOCS_DIR, shown

STUDIES_DIR = CONFIGS_DIR / "studies"
EXPERIMENTS_LOG = DOCS_DIR / "experiments.csv"
INDEX_MD = CONFIGS_DIR / "INDEX.md"
# a decision field's link to its entry of the decision record, made a link of the index (which sits in configs/)
DECISION_LINK = re.compile(r"docs/decisions\.md(#[\w-]+)?")


@dataclass(frozen=True)
class StudyResult:
    study: str
    months: int
    logged: tuple[float, ...]  # the eval-day F1 of each month that has a row

    @property
    def mean(self) -> float | None:
        return sum(self.logged) / len(self.logged) if self.logged and len(self.logged) == self.months else None

    def text(self) -> str:
        if self.mean is not None:
            return f"{self.study} {self.mean:.4f}"
        return f"{self.study} (not logged)" if not self.logged else \
            f"{self.study} ({len(self.logged)} of {self.months} months logged)"


@dataclass(frozen=True)
class Entry:
    experiment: Experiment
    chain: tuple[str, ...]  # its bases, nearest first, ending with the family
    features: str
    results: tuple[StudyResult, ...]

    @property
    def family(self) -> str:
        return self.chain[-1]

    @property
    def own_changes(self) -> list[str]:
        """The experiment's own changes as `path: value` (its feature keys too, when its base is an experiment)."""
        items = []
        if len(self.chain) > 1:
            items += [f"features.{key}: {_value(value)}" for key, value in self.experiment.features.items()]
        items += [f"{key}: {_value(value)}" for key, value in self.experiment.changes.items()]
        return items


def _value(value: object) -> str:
    if value is None:
        return "null (cleared)"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def _natural(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def last_rows(log: Path = EXPERIMENTS_LOG) -> dict[str, float]:
    """Run folder (as the log writes it, outputs/...) -> the eval-day F1 of its last row."""
    if not log.exists():
        return {}
    with log.open(newline="") as handle:
        return {row["run"]: float(row["f1"]) for row in csv.DictReader(handle) if row.get("run") and row.get("f1")}


def study_runs(studies_dir: Path = STUDIES_DIR) -> dict[str, list[tuple[str, list[str]]]]:
    """Experiment name -> [(study name, the run folders of its one submission per month)], study files in order."""
    from runner.study import Study  # the study module imports duckdb: only where studies are read

    runs: dict[str, list[tuple[str, list[str]]]] = {}
    for path in sorted(studies_dir.glob("*.yml")):
        study = Study.read(path)
        folder = "mean" if len(study.model_seeds) > 1 else f"m{study.model_seeds[0]}"
        for config in study.tzrec:
            months = [shown(study.workspace(seed).outputs / folder / config.stem) for seed in study.generator_seeds]
            runs.setdefault(config.stem, []).append((path.stem, months))
    return runs


def entries(folder: Path = EXPERIMENTS_DIR, studies_dir: Path = STUDIES_DIR, log: Path = EXPERIMENTS_LOG,
            contract: Path = EXPORTS_YML, bases: Path = BASES_DIR) -> list[Entry]:
    """Every experiment with its chain, feature summary and results, by family then name."""
    known = experiments(folder)
    runs = study_runs(studies_dir)
    logged = last_rows(log)
    found = []
    for name, experiment in known.items():
        chain, base = base_chain(experiment, known, bases)
        results = tuple(StudyResult(study, len(months), tuple(logged[m] for m in months if m in logged))
                        for study, months in runs.get(name, []))
        features = render_spec(experiment.path, contract, known, bases).features_summary
        found.append(Entry(experiment, (*(e.name for e in chain[1:]), base.stem), features, results))
    return sorted(found, key=lambda e: (e.family, _natural(e.experiment.name)))


def list_text(items: Iterable[Entry]) -> str:
    """`configs list`: one block per experiment."""
    blocks = []
    for entry in items:
        experiment = entry.experiment
        flag = " (retired)" if experiment.retired else ""
        studies = ", ".join(result.study for result in entry.results) or "none"
        blocks.append(f"{experiment.name}{flag}  <- {' <- '.join(entry.chain)}\n"
                      f"    {experiment.description}\n"
                      f"    studies: {studies}")
    return "\n".join(blocks)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _linked(text: str) -> str:
    """A decision's `docs/decisions.md#<entry>` as a link from configs/INDEX.md."""
    return DECISION_LINK.sub(lambda match: f"[decision record](../{match.group(0)})", text)


def index_markdown(items: Iterable[Entry]) -> str:
    lines = [
        "# Experiments",
        "",
        "Generated by `python -m runner configs index` from the experiment files (`configs/experiments/`), the "
        "study files (`configs/studies/`) and the experiments log (`docs/experiments.csv`); do not edit by hand "
        "(a test checks that it is current). How experiments are written and rendered: `docs/guide/models.md`.",
        "",
        "- **changes**: the experiment's own changes over its base (`features.*`: its feature selection; the "
        "rest: tzrec config paths); an experiment on a family base gives its whole feature selection, summed up "
        "in **features** (selected export columns by kind, and how the dense ones are embedded).",
        "- **studies: mean eval-day F1**: each study that ran it, with the mean eval-day F1 of its one submission "
        "per month (the seed average; in a study of one model seed, that seed's run) over the study's generated "
        "months, each month's F1 from the last row `docs/experiments.csv` holds for that run, to the log's 4 "
        "decimals (so a mean can differ from the study's results page in the last digit). The 12-19 F1 and the "
        "verdict are on each study's results page (`python -m runner report --study "
        "configs/studies/<study>.yml`).",
        "",
    ]
    family = None
    for entry in items:
        if entry.family != family:
            family = entry.family
            lines += [*([""] if lines[-1] else []), f"## {family} (`configs/base/{family}.config`)", "",
                      "| experiment | base | changes | features | studies: mean eval-day F1 | decision |",
                      "|---|---|---|---|---|---|"]
        experiment = entry.experiment
        name = f"[{experiment.name}](experiments/{experiment.path.name})"
        changes = "<br>".join(f"`{_cell(item)}`" for item in entry.own_changes)
        description = _cell(experiment.description) + (f"<br>{changes}" if changes else "")
        studies = "<br>".join(f"[{_cell(r.text())}](studies/{r.study}.yml)" for r in entry.results) or "none"
        decision = _linked(_cell(experiment.decision)) + (" (retired)" if experiment.retired else "")
        lines.append(f"| {name} | {entry.chain[0]} | {description} | {_cell(entry.features)} | {studies} | "
                     f"{decision} |")
    return "\n".join(lines) + "\n"


def write_index(out: Path = INDEX_MD) -> Path:
    out.write_text(index_markdown(entries()))
    return out
