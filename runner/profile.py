"""Prints the data profile of the last `dbt build` beside the real statistics of TASK.md.

Everything printed is computed by the dbt profile and evaluation models; this module only
reads their tables (read-only, after dbt has released the database file).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from runner.database import connect_read_only
from runner.paths import duckdb_path


def _connect(database: Path) -> duckdb.DuckDBPyConnection:
    return connect_read_only(database)


def _format(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(headers: list[str], rows: list[tuple[object, ...]]) -> str:
    cells = [headers, *[[_format(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def calibration_rows(database: Path | None = None) -> list[tuple[object, ...]]:
    with _connect(database or duckdb_path()) as connection:
        return connection.execute(
            "select statistic, value, real_value, band_low, band_high, in_band "
            "from profile__calibration order by statistic"
        ).fetchall()


def render_profile(database: Path | None = None) -> str:
    database = database or duckdb_path()
    with _connect(database) as connection:
        overview = connection.execute(
            "select behavior_rows, behavior_rejected_rows, item_rows, item_rejected_rows, user_count, item_count, "
            "category_count, p_items, p_item_seen_share, p_item_row_share, user_geohash_empty_share, "
            "user_geohash_malformed_rows, item_geohash_malformed_rows, first_event_date, last_event_date "
            "from profile__overview"
        ).fetchone()
        files = connection.execute(
            "select file_kind, source_file, valid_rows, rejected_rows, empty_geohash_share from profile__files "
            "order by file_kind, source_file"
        ).fetchall()
        recall = connection.execute(
            "select label_date, dataset, candidate_pairs, true_pairs, true_pairs_in_candidates, candidate_recall "
            "from candidate_recall order by label_date"
        ).fetchall()
        rule = connection.execute(
            "select label_date, dataset, predicted_pairs, true_pairs, hits, precision, recall, f1 "
            "from rule_cart_baseline order by label_date"
        ).fetchall()
    names = [
        "behaviour rows", "rejected behaviour lines", "P file rows", "rejected P lines", "users", "items",
        "categories", "P items", "P items seen in the logs", "rows on P items", "user_geohash empty",
        "malformed user geohashes (nulled)", "malformed item geohashes (nulled)", "first day", "last day",
    ]
    parts = [
        f"data profile of {database}",
        _table(["measure", "value"], list(zip(names, overview, strict=True))),
        "",
        _table(["file", "path", "rows", "rejected", "empty geohash"], files),
        "",
        "calibration against the real month (real values: dbt_project/seeds/calibration_targets.csv; "
        "docs/guide/data.md#calibration-at-the-default-scale)",
        _table(["statistic", "here", "real", "band low", "band high", "in band"], calibration_rows(database)),
        "",
        "candidate recall (share of the day's true P purchases among the candidates)",
        _table(["label day", "set", "candidates", "true pairs", "in candidates", "recall"], recall),
        "",
        "cart rule (P pairs carted on the cutoff day and not bought)",
        _table(["label day", "set", "submitted", "true pairs", "hits", "precision", "recall", "F1"], rule),
    ]
    return "\n".join(parts)


def print_profile(database: Path | None = None) -> None:
    print(render_profile(database))
