"""The experiments log, docs/experiments.csv: one row per scored run, appended, never rewritten.

The columns are EXPERIMENT_COLUMNS; a file that already exists keeps its own header, and a row
fills the columns that header has (a value for a column it lacks is left out, with a warning).

What a row says about the run comes from the run folder:
  - a tzrec run (`pipeline.config` present): the model type, the feature counts, the training
    parameters, the AUC of training's evaluation and the training time (logs/train.done.json);
  - a LightGBM run of runner.baselines.gbdt (`run.json`): features, parameters, best round,
    validation AUC and training time;
  - any run: `run_info.json`, if present, whose keys (stage, model, features, params, notes,
    data_range, auc, train_seconds) override those. A model outside tzrec (the GBDT baseline)
    may write it beside its predictions;
  - the run name `<stage>_<model>_<version>` (configs/README.md) gives stage and model otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.atomic import replacing
from runner.dbt import project_vars
from runner.locks import exclusive_file
from runner.paths import EXPERIMENTS_CSV, shown
from runner.scoring import ScoreReport

log = logging.getLogger("runner.experiments")

EXPERIMENT_COLUMNS = [
    "date", "stage", "data_range", "features", "model", "params", "precision", "recall", "f1", "notes",
    "leaderboard_f1", "run", "operating_point", "eval_pairs", "submitted_pairs", "auc", "train_seconds",
    # exact eval-day AUC from dbt (eval_ranking_auc): comparable across model families, unlike `auc`,
    # which is each model's own metric (tzrec's is binned into 200 steps)
    "eval_auc",
]
RUN_INFO = "run_info.json"
GBDT_RECORD = "run.json"  # written by runner.baselines.gbdt
# <stage>_<model>_<version> (configs/README.md), or <model>_<version> for a run outside the stages (gbdt_v1).
RUN_NAME = re.compile(r"^(?:(?P<stage>stage\d+|production)_)?(?P<model>.+)_(?P<version>v\d+)$")
# Blocks of a tzrec model_config that are not the model itself.
NOT_A_MODEL = {"feature_groups", "metrics", "losses"}


@dataclass(frozen=True)
class RunName:
    stage: str
    model: str
    version: str

    @classmethod
    def parse(cls, name: str) -> RunName:
        """`stage2_din_v1` -> (stage2, din, v1); `gbdt_v1` -> ("", gbdt, v1); another name is all model."""
        match = RUN_NAME.match(name)
        if not match:
            return cls("", name, "")
        return cls(match["stage"] or "", match["model"], match["version"])


@dataclass(frozen=True)
class RunDescription:
    stage: str
    model: str
    features: str
    params: str
    data_range: str
    auc: float | None = None
    auc_on: str | None = None
    auc_binned: bool = False  # tzrec's `auc` metric: 200 equal probability bins, not exact
    train_seconds: float | None = None
    notes: str = ""


def data_range(dbt_vars: Mapping[str, Any] | None = None) -> str:
    """The label days of the dbt vars (dbt_project.yml's, with `dbt_vars` over them: a scale's), in one line."""
    variables = {**project_vars(), **(dbt_vars or {})}
    return (f"train labels {variables.get('train_label_start_date')}..{variables.get('train_label_end_date')} "
            f"(validation users held out); eval {variables.get('eval_label_date')}; "
            f"predict {variables.get('predict_label_date')}")


def _tzrec_model(config_text: str) -> str:
    """The model block of a tzrec config (multi_tower_din, deepfm, ...)."""
    lines = config_text.splitlines()
    for start, line in enumerate(lines):
        if line.strip().startswith("model_config {"):
            depth, indent = 0, len(line) - len(line.lstrip())
            for inner in lines[start + 1:]:
                stripped = inner.strip()
                inner_indent = len(inner) - len(inner.lstrip())
                if stripped == "}" and inner_indent <= indent:
                    break
                match = re.match(r"^(\w+)\s*\{", stripped)
                if match and depth == 0 and match[1] not in NOT_A_MODEL:
                    return match[1]
                depth += stripped.count("{") - stripped.count("}")
    return ""


def _tzrec_description(config: Path) -> tuple[str, str, str]:
    """(model type, feature summary, training parameters) of a rendered tzrec config."""
    text = config.read_text()
    counts = {kind: len(re.findall(rf"\b{kind}\s*\{{", text)) for kind in ("id_feature", "raw_feature")}
    sequences = len(re.findall(r"\bsequence_feature\s*\{", text))
    features = (f"{counts['raw_feature']} raw, {counts['id_feature']} id (incl. sequence sub-features), "
                f"{sequences} sequence")
    params = []
    for name in ("num_epochs", "batch_size"):
        match = re.search(rf"\b{name}:\s*(\d+)", text)
        if match:
            params.append(f"{name}={match[1]}")
    for optimizer in ("sparse_optimizer", "dense_optimizer"):
        match = re.search(rf"{optimizer}\s*\{{[^}}]*?(\w+_optimizer)\s*\{{\s*lr:\s*([0-9.e-]+)", text)
        if match:
            params.append(f"{optimizer.split('_')[0]} {match[1].removesuffix('_optimizer')} lr={match[2]}")
    return _tzrec_model(text), features, ", ".join(params)


def describe_run(run_dir: Path, dbt_vars: Mapping[str, Any] | None = None) -> RunDescription:
    name = RunName.parse(run_dir.name)
    model, features, params = name.model, "", ""
    auc = auc_on = train_seconds = None
    config = run_dir / "pipeline.config"
    if config.is_file():
        model_type, features, params = _tzrec_description(config)
        model = f"{name.model} ({model_type}, tzrec)" if model_type else name.model
        try:
            record = json.loads((run_dir / "logs" / "train.done.json").read_text())
        except (OSError, ValueError):
            record = {}
        metrics = record.get("metrics") or {}
        auc = metrics.get("auc")
        auc_on = Path(record["metrics_on"]).name if record.get("metrics_on") else None
        train_seconds = record.get("seconds")
    gbdt_record = run_dir / GBDT_RECORD
    if gbdt_record.is_file() and not config.is_file():
        record = json.loads(gbdt_record.read_text())
        model = f"{name.model} (LightGBM, runner.baselines.gbdt)"
        features = f"{record['features']} export columns" if "features" in record else ""
        params = ", ".join([*(f"{k}={v}" for k, v in (record.get("params") or {}).items() if v not in ({}, None)),
                            *([f"best_round={record['best_round']}"] if "best_round" in record else [])])
        auc, auc_on, train_seconds = record.get("validation_auc"), "validation.parquet", record.get("train_seconds")
    described: dict[str, Any] = {
        "stage": name.stage, "model": model, "features": features, "params": params, "data_range": data_range(dbt_vars),
        "auc": auc, "auc_on": auc_on, "auc_binned": config.is_file() and auc is not None,
        "train_seconds": train_seconds, "notes": "",
    }
    info_path = run_dir / RUN_INFO
    if info_path.is_file():
        info = json.loads(info_path.read_text())
        described.update({key: value for key, value in info.items() if key in described})
    return RunDescription(**described)


def _rounded(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def experiment_row(report: ScoreReport, description: RunDescription, notes: str = "") -> dict[str, str]:
    """The experiments.csv row of a scored run."""
    point, board = report.point, report.leaderboard
    rule = report.cart_rule
    facts = [
        f"eval-day F1 by scan: best threshold {report.best('threshold').f1:.4f} "
        f"({report.best('threshold').setting}), best top-K {report.best('top_k').f1:.4f} "
        f"({report.best('top_k').setting})",
    ]
    if "eval" in rule:
        facts.append(f"cart rule F1 eval {rule['eval'].f1:.4f}"
                     + (f" / {board.label_date} {rule['predict'].f1:.4f}" if "predict" in rule else ""))
    if report.oracle:
        oracle = report.oracle
        facts.append(f"oracle bound {oracle.expected_f1:.4f} expected / {oracle.observed_f1:.4f} observed")
    if description.auc is not None:
        binned = " (tzrec's 200-bin metric)" if description.auc_binned else ""
        facts.append(f"AUC on {description.auc_on or 'the eval set'}{binned}")
    notes_text = "; ".join(part for part in (notes, description.notes, *facts) if part)
    return {
        "date": dt.date.today().isoformat(),
        "stage": description.stage,
        "data_range": description.data_range,
        "features": description.features,
        "model": description.model,
        "params": description.params,
        "precision": _rounded(point.eval_precision),
        "recall": _rounded(point.eval_recall),
        "f1": _rounded(point.eval_f1),
        "notes": notes_text,
        "leaderboard_f1": _rounded(board.f1) if board.has_answers else "",
        "run": shown(report.run_dir),
        "operating_point": point.short(),
        "eval_pairs": str(point.eval_predicted_pairs),
        "submitted_pairs": str(board.submitted_pairs),
        "auc": _rounded(description.auc),
        "train_seconds": "" if description.train_seconds is None else f"{description.train_seconds:.0f}",
        "eval_auc": _rounded(report.eval_auc),
    }


def append_experiment(row: Mapping[str, str], path: Path = EXPERIMENTS_CSV) -> Path:
    """Append one row (the header first when the file is new); an existing file keeps its header.

    The file is never appended to in place: the whole new file is written beside it and renamed over it
    (runner/atomic.py), under an exclusive lock on the file (runner/locks.py). So a reader (`report`, git, an
    editor) sees the file before the row or after it, never half a row, even when the job is killed or the
    disk fills while it writes; and two jobs scoring at once each add their row, neither overwriting the
    other's (the second waits for the first, then reads its row)."""
    with exclusive_file(path):
        old = path.read_bytes()
        text = io.StringIO()
        if old.strip():
            header = next(csv.reader(io.StringIO(old.decode("utf-8", errors="replace"))))
            left_out = [key for key in row if key not in header]
            if left_out:
                log.warning("%s has no column(s) %s: left out of the row", shown(path), ", ".join(left_out))
            if not old.endswith((b"\n", b"\r")):
                text.write("\n")
            csv.DictWriter(text, fieldnames=header, extrasaction="ignore").writerow(row)
            new = old + text.getvalue().encode()
        else:
            writer = csv.DictWriter(text, fieldnames=EXPERIMENT_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerow(row)
            new = text.getvalue().encode()
        with replacing(path) as temporary:
            temporary.write_bytes(new)
    return path
