"""Scoring one model run: the dbt scoring models over its predictions, read back as a report.

A run folder is any folder holding predictions in the layout `python -m runner predict` writes
(outputs/<config stem>/ for tzrec; any other model writes the same):

    <run>/predictions/eval/part-*.parquet      the eval day: probs, user_id, item_id, cutoff_date, label
    <run>/predictions/predict/part-*.parquet   the predict day: the same without label

`score_run` runs `dbt build --select tag:scoring` with var predictions_dir set to that folder
(models_sql/evaluation/scoring: F1 scans on the eval day, the operating point, the submission,
the leaderboard) and reads the results from the DuckDB file once dbt has released it. All the
arithmetic is in those models; this module only orchestrates, reads and formats.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import duckdb
import yaml

from runner.database import connect_read_only
from runner.dbt import project_vars, run_dbt
from runner.locks import database_lock
from runner.oracle import OracleBound, oracle_bound
from runner.parquet_files import check_readable, prediction_files
from runner.paths import OUTPUTS_DIR, PREDICTION_SETS, duckdb_path, project_path, shown
from runner.synthetic.writer import ANSWERS_DIR, ANSWERS_FILE

log = logging.getLogger("runner.scoring")

SCORING_SELECTOR = "tag:scoring"
# the rules whose predict-day K is that day's own expected-F1 cut (models_sql/evaluation/scoring/expected_f1_cut.sql)
EXPECTED_F1_RULES = ("expected_f1", "expected_f1_platt")


@dataclass(frozen=True)
class ScanRow:
    """One setting of the eval day's threshold or top-K scan (a row of f1_scan)."""

    scan: str
    threshold: float | None
    top_k: int | None
    predicted_pairs: int
    true_pairs: int
    hits: int
    precision: float | None
    recall: float | None
    f1: float
    scored_pairs: int
    share_of_scored_pairs: float | None
    is_best: bool
    is_seed_default: bool
    f1_smoothed: float | None = None
    is_best_smoothed: bool = False

    @property
    def setting(self) -> str:
        return f"p >= {self.threshold:g}" if self.scan == "threshold" else f"K = {self.top_k:,}"


@dataclass(frozen=True)
class OperatingPoint:
    """The operating point chosen on the eval day and carried to the predict day (operating_point)."""

    operating_point_rule: str
    threshold: float
    eval_top_k: int
    eval_top_k_pairs: int
    eval_scored_pairs: int
    top_k_share: float
    predict_scored_pairs: int
    predict_top_k: int
    eval_f1_at_threshold: float
    eval_f1_at_top_k: float
    eval_predicted_pairs: int
    eval_hits: int
    eval_true_pairs: int
    eval_precision: float | None
    eval_recall: float | None
    eval_f1: float
    max_pairs_per_user: int | None
    predictions_dir: str
    calibration_slope: float | None = None  # the expected-F1 rules' eval-day calibration (null under the others)
    calibration_intercept: float | None = None

    def describe(self) -> str:
        """What the rule submits on the predict day, in one phrase."""
        if self.operating_point_rule == "threshold":
            return f"threshold: p >= {self.threshold:g} (best threshold on the eval day)"
        if self.operating_point_rule in EXPECTED_F1_RULES:
            calibration = (f"a Platt fit, sigmoid({self.calibration_slope:g} * logit {self.calibration_intercept:+g})"
                           if self.operating_point_rule == "expected_f1_platt"
                           else f"a logit shift of {self.calibration_intercept:+g}")
            return (f"{self.operating_point_rule}: each day's own expected-F1 cut, from probabilities calibrated "
                    f"on the eval day by {calibration} "
                    f"(K = {self.eval_top_k_pairs:,} of {self.eval_scored_pairs:,} on the eval day; "
                    f"{self.predict_top_k:,} of {self.predict_scored_pairs:,} on the predict day, from its scores)")
        return (f"{self.operating_point_rule}: the top {100 * self.top_k_share:.3g}% of scored pairs "
                f"(K = {self.eval_top_k_pairs:,} "
                f"of {self.eval_scored_pairs:,} on the eval day -> {self.predict_top_k:,} of "
                f"{self.predict_scored_pairs:,} on the predict day)")

    def short(self) -> str:
        """A compact label for tables and the experiments log."""
        if self.operating_point_rule == "threshold":
            return f"threshold p>={self.threshold:g}"
        if self.operating_point_rule in EXPECTED_F1_RULES:
            return f"{self.operating_point_rule} (eval K={self.eval_top_k_pairs}, predict K={self.predict_top_k})"
        return (f"{self.operating_point_rule} {100 * self.top_k_share:.3g}% "
                f"(eval K={self.eval_top_k_pairs}, predict K={self.predict_top_k})")


@dataclass(frozen=True)
class Leaderboard:
    """The submission against the predict day's answers, where they exist (leaderboard)."""

    label_date: Any
    has_answers: bool
    submitted_pairs: int
    true_pairs: int | None
    hits: int | None
    precision: float | None
    recall: float | None
    f1: float | None
    operating_point_rule: str
    eval_f1: float
    cart_rule_pairs: int | None
    cart_rule_f1: float | None


@dataclass(frozen=True)
class RuleScore:
    """The cart rule on one day (rule_cart_baseline)."""

    label_date: Any
    dataset: str
    predicted_pairs: int
    true_pairs: int
    hits: int
    precision: float | None
    recall: float | None
    f1: float


@dataclass(frozen=True)
class CandidateCoverage:
    """The eval day's candidates and how many true pairs they hold (candidate_recall)."""

    label_date: Any
    candidate_pairs: int
    true_pairs: int
    true_pairs_in_candidates: int
    candidate_recall: float


@dataclass(frozen=True)
class ScoreReport:
    run_dir: Path
    scan: list[ScanRow]
    point: OperatingPoint
    leaderboard: Leaderboard
    cart_rule: dict[str, RuleScore]
    eval_coverage: CandidateCoverage | None
    oracle: OracleBound | None
    # exact ROC AUC over the eval day's scored candidates (eval_ranking_auc); None if not built
    eval_auc: float | None = None
    # why the predict day has no leaderboard: real data has no answers; generated answers of other raw files
    # are ignored by the build (dbt_project/macros/answers_manifest.sql)
    no_answers_reason: str = "no answers (real data)"

    def best(self, scan: str) -> ScanRow:
        return next(row for row in self.scan if row.scan == scan and row.is_best)

    def seed_default(self, scan: str) -> ScanRow:
        return next(row for row in self.scan if row.scan == scan and row.is_seed_default)

    def best_smoothed(self) -> ScanRow | None:
        return next((row for row in self.scan if row.scan == "top_k" and row.is_best_smoothed), None)


# ---- the run folder ---------------------------------------------------------------------------


def run_dir_for(run: Path | None = None, config: Path | None = None, outputs_dir: Path = OUTPUTS_DIR) -> Path:
    """The run folder: `run` as given, or outputs/<config stem>/ for a tzrec config."""
    if run is not None:
        return run.absolute()
    if config is not None:
        return (outputs_dir / config.stem).absolute()
    raise ValueError("name the run: --run outputs/<run> or --config <tzrec config>")


def predictions_dir(run_dir: Path) -> Path:
    return run_dir / "predictions"


def check_predictions(run_dir: Path) -> dict[str, list[Path]]:
    """The prediction files of each set; FileNotFoundError naming what is missing and how to make it,
    CorruptParquetError naming a set whose write did not finish or a file that cannot be read."""
    found = {name: prediction_files(run_dir, name) for name in PREDICTION_SETS}
    missing = [f"{shown(predictions_dir(run_dir) / name)}/*.parquet" for name, files in found.items() if not files]
    if missing:
        raise FileNotFoundError(
            f"no predictions to score in {shown(run_dir)}: nothing matches {', '.join(missing)}. "
            f"Make them with `python -m runner predict --config {run_dir.name}` "
            "(a tzrec run; `python -m runner run` does everything), or write eval/part-*.parquet and "
            "predict/part-*.parquet there from another model (columns probs, user_id, item_id, cutoff_date, "
            "and label for eval)."
        )
    # dbt would read them (read_parquet) and fail with the footer error alone: name the file and its fix first
    check_readable([path for files in found.values() for path in files])
    return found


# ---- dbt and the database ---------------------------------------------------------------------


def build_scoring_models(run_dir: Path, extra_vars: dict[str, Any] | None = None) -> None:
    """`dbt build --select tag:scoring` over the run's predictions (models, data tests, unit tests).
    extra_vars override dbt vars of the scoring (e.g. operating_point_rule)."""
    check_predictions(run_dir)
    with database_lock():
        run_dbt(
            ["build", "--select", SCORING_SELECTOR],
            # Scoring reads only tables the main build made (and the run's predictions): the raw-file
            # check of on-run-start is not needed.
            dbt_vars={"predictions_dir": shown(predictions_dir(run_dir)), "check_raw_files": False,
                      **(extra_vars or {})},
        )


def _records(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _make(cls: type, record: dict[str, Any]) -> Any:
    wanted = {f.name for f in fields(cls)}
    return cls(**{key: value for key, value in record.items() if key in wanted})


def connect(database: Path | None = None) -> duckdb.DuckDBPyConnection:
    return connect_read_only(database)


def scored_predictions_dir(database: Path | None = None) -> str | None:
    """The predictions folder the database's scoring tables were built from (None if never scored)."""
    with connect(database) as connection:
        try:
            row = connection.execute("select predictions_dir from operating_point").fetchone()
        except duckdb.CatalogException:
            return None
    return row[0] if row else None


def scoring_is_current(run_dir: Path, database: Path | None = None) -> tuple[bool, str]:
    """Whether the database's scoring tables are of this run and newer than its prediction files."""
    database = database or duckdb_path()
    recorded = scored_predictions_dir(database)
    if recorded is None:
        return False, "the database holds no scoring yet"
    if project_path(recorded) != predictions_dir(run_dir).resolve():
        return False, f"the database holds the scoring of {recorded}"
    newest = max(path.stat().st_mtime for files in check_predictions(run_dir).values() for path in files)
    if newest > database.stat().st_mtime:
        return False, "the predictions are newer than the database's scoring"
    return True, "the database holds its scoring"


def read_report(run_dir: Path, raw_dir: Path | None = None, database: Path | None = None) -> ScoreReport:
    """The scoring tables of the last `build_scoring_models`, with the oracle bound where answers exist."""
    with connect(database) as connection:
        scan = [_make(ScanRow, r) for r in _records(
            connection, "select * from f1_scan order by scan, coalesce(threshold, 0), coalesce(top_k, 0)")]
        points = _records(connection, "select * from operating_point")
        boards = _records(connection, "select * from leaderboard")
        rules = {r["dataset"]: _make(RuleScore, r) for r in _records(connection, "select * from rule_cart_baseline")}
        coverage = _records(connection, "select * from candidate_recall where dataset = 'eval'")
        eval_auc = read_eval_auc(connection)
    if len(points) != 1 or len(boards) != 1:
        raise RuntimeError("the scoring tables are incomplete (operating_point / leaderboard must hold one row); "
                           "run `python -m runner score` again and read dbt's output")
    point = _make(OperatingPoint, points[0])
    if project_path(point.predictions_dir) != predictions_dir(run_dir).resolve():
        raise RuntimeError(f"the database holds the scores of {point.predictions_dir}, not of {shown(run_dir)}")
    oracle = None
    board = _make(Leaderboard, boards[0])
    no_answers = "no answers (real data)"
    if raw_dir is not None and not board.has_answers and (raw_dir / ANSWERS_DIR / ANSWERS_FILE).exists():
        no_answers = (f"answers ignored: {shown(raw_dir / ANSWERS_DIR)} belongs to a generated month, not the raw "
                      "files built (the build's log says why)")
    if raw_dir is not None and board.has_answers:  # the oracle reads the same answers: only where they count
        try:
            oracle = oracle_bound(raw_dir)
        except FileNotFoundError:
            log.debug("no oracle bound: %s has no generator answers", raw_dir)
    return ScoreReport(
        run_dir=run_dir,
        scan=scan,
        point=point,
        leaderboard=board,
        cart_rule=rules,
        eval_coverage=_make(CandidateCoverage, coverage[0]) if coverage else None,
        oracle=oracle,
        eval_auc=eval_auc,
        no_answers_reason=no_answers,
    )


def read_eval_auc(connection: duckdb.DuckDBPyConnection) -> float | None:
    """The eval day's exact AUC of the last scoring (eval_ranking_auc); None before it was built."""
    try:
        row = connection.execute("select auc from eval_ranking_auc").fetchone()
    except duckdb.CatalogException:
        return None
    return float(row[0]) if row and row[0] is not None else None


def score_run(run_dir: Path, raw_dir: Path | None = None, scoring_vars: dict[str, Any] | None = None) -> ScoreReport:
    """Build the scoring models on the run's predictions (scoring_vars override dbt vars) and read them back."""
    with database_lock():  # no other job rescores between the build and the read
        build_scoring_models(run_dir, extra_vars=scoring_vars)
        return read_report(run_dir, raw_dir)


def scoring_var_names() -> list[str]:
    """The dbt vars `score --var` may override: the operating-point rule and every score_* var."""
    return sorted(name for name in project_vars() if name.startswith("score_") or name == "operating_point_rule")


def parse_scoring_vars(items: list[str], allowed: list[str] | None = None) -> dict[str, Any]:
    """`NAME=VALUE` items (VALUE read as YAML: 3, null, [25, 50], top_k_share) as dbt var overrides."""
    allowed = allowed if allowed is not None else scoring_var_names()
    overrides: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"--var {item!r}: write NAME=VALUE, e.g. --var score_max_pairs_per_user=3")
        if name not in allowed:
            raise ValueError(f"--var {item!r}: {name} is not a scoring var; the scoring vars (dbt_project.yml) are "
                             f"{', '.join(allowed)}")
        try:
            overrides[name] = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ValueError(f"--var {item!r}: the value is not valid YAML ({error.__class__.__name__}); quote a "
                             "string, write a list as [25, 50]") from error
    return overrides


# ---- the F1 table -----------------------------------------------------------------------------


def _number(value: float | int | None, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def format_report(report: ScoreReport) -> str:
    """The F1 table printed by `score` and, in part, by `run`'s summary."""
    point, board = report.point, report.leaderboard
    rows: list[tuple[str, str, int | None, int | None, float | None, float | None, float | None]] = []

    def scan_row(label: str, row: ScanRow) -> None:
        rows.append((label, row.setting, row.predicted_pairs, row.hits, row.precision, row.recall, row.f1))

    scan_row("best threshold", report.best("threshold"))
    scan_row("best top-K", report.best("top_k"))
    smoothed = report.best_smoothed()
    if smoothed is not None:
        scan_row("best smoothed top-K", smoothed)
    scan_row("seed threshold", report.seed_default("threshold"))
    scan_row("seed top-K", report.seed_default("top_k"))
    rows.append(("chosen (" + point.operating_point_rule + ")", "", point.eval_predicted_pairs, point.eval_hits,
                 point.eval_precision, point.eval_recall, point.eval_f1))
    eval_rule = report.cart_rule.get("eval")
    if eval_rule:
        rows.append(("cart rule", "carted, not bought", eval_rule.predicted_pairs, eval_rule.hits,
                     eval_rule.precision, eval_rule.recall, eval_rule.f1))

    header = ("", "setting", "pairs", "hits", "precision", "recall", "F1")
    predict_rows: list[tuple[str, str, int | None, int | None, float | None, float | None, float | None]] = []
    if board.has_answers:
        predict_rows.append(("submission", point.operating_point_rule, board.submitted_pairs, board.hits,
                             board.precision, board.recall, board.f1))
        predict_rule = report.cart_rule.get("predict")
        if predict_rule:
            predict_rows.append(("cart rule", "carted, not bought", predict_rule.predicted_pairs, predict_rule.hits,
                                 predict_rule.precision, predict_rule.recall, predict_rule.f1))
        if report.oracle:
            oracle = report.oracle
            predict_rows.append(("oracle bound", "expected F1", oracle.pairs_submitted, None,
                                 oracle.expected_precision, oracle.expected_recall, oracle.expected_f1))
            predict_rows.append(("", "observed F1", oracle.pairs_submitted, oracle.observed_hits,
                                 None, None, oracle.observed_f1))
    cells = [[c if isinstance(c, str) else _number(c) for c in row] for row in [header, *rows, *predict_rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  " + "  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in
                                enumerate(zip(row, widths, strict=True)))

    any_scan = report.scan[0]
    lines = [f"Scores of {shown(report.run_dir)} (predictions: {point.predictions_dir})"]
    coverage = report.eval_coverage
    eval_intro = (f"eval day {coverage.label_date}: " if coverage else "eval day: ") + \
        f"{any_scan.scored_pairs:,} pairs scored"
    if coverage:
        eval_intro += (f" of {coverage.candidate_pairs:,} candidates; {coverage.true_pairs:,} true pairs, "
                       f"{coverage.true_pairs_in_candidates:,} of them candidates (recall ceiling "
                       f"{coverage.candidate_recall:.3f})")
    cap = f"at most {point.max_pairs_per_user} pairs per user" if point.max_pairs_per_user else "no per-user cap"
    if report.eval_auc is not None:
        cap += f"; AUC {report.eval_auc:.4f} (exact, every scored pair)"
    lines += [eval_intro + f"; {cap}", line(cells[0]), line(["-" * w for w in widths])]
    lines += [line(row) for row in cells[1:1 + len(rows)]]
    lines.append(f"  chosen with the eval day's labels, carried by {point.describe()}")
    if board.has_answers:
        lines.append(f"predict day {board.label_date} (the generator's held-out answers: "
                     f"{board.true_pairs:,} true pairs)")
        lines += [line(row) for row in cells[1 + len(rows):]]
    else:
        lines.append(f"predict day {board.label_date}: {report.no_answers_reason}: {board.submitted_pairs:,} pairs "
                     "submitted, scored only by the competition")
    return "\n".join(lines)
