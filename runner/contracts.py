"""Writes the exports' yml (enforced contracts, column docs, tests) from the built Parquet files.

The export columns follow from the feature marts, so the contract is generated rather than
typed by hand: after changing a feature, run `dbt build --select +exports` with contracts off
(`--vars '{enforce_export_contracts: false}'`), then `python -m runner contracts`, and review
the diff. With contracts on, `dbt build` fails whenever a model's columns or types drift from
the yml.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from runner.paths import PROCESSED_DIR, PROJECT_ROOT

EXPORTS_YML = PROJECT_ROOT / "models_sql" / "exports" / "_exports__models.yml"
# <feature><BIN_SUFFIX>: a dense feature's quantile bucket id (models_sql/marts/dense_feature_bins.sql)
BIN_SUFFIX = "_bin"
EXPORTS = {
    "export_train": ("train", "Training samples: every training cutoff, non-validation users, all positives and a "
                     "seeded-hash share (negative_keep_rate) of the negatives, weighted by 1 / keep rate."),
    "export_train_all_negatives": ("train_all_negatives", "The training samples of export_train with every negative "
                                   "kept (weight 1), whatever negative_keep_rate says: for the tzrec configs whose "
                                   "train_input_path names it."),
    "export_validation": ("validation", "Validation users (a hash of user_id) of the training cutoffs, every "
                          "candidate: for tuning without touching the eval day."),
    "export_eval": ("eval", "The eval day: cutoff eval_label_date - 1, every candidate, labels of eval_label_date."),
    "export_predict": ("predict", "The day to predict: cutoff predict_label_date - 1, every candidate, no label."),
}

_ENTITIES = {
    "u_p": "the user on P items",
    "u": "the user on all items",
    "i": "all users on the item",
    "c": "all users on the item's category",
    "ui": "the user on the item",
    "uc": "the user on the item's category",
}
_FIXED = {
    "cutoff_date": "Cutoff day: features see events up to its end; the label is a purchase on the next day.",
    "user_id": "Raw user id (to join predictions back).",
    "item_id": "Raw item id, an item of P (to join predictions back).",
    "label": "1 when the user bought the item on the label day (cutoff_date + 1), else 0.",
    "label_touched": (
        "Auxiliary label for multi-task models: 1 when the user touched the item (any action) on the label day."
    ),
    "sample_weight": "1 / the row's keep rate in negative sampling (1 for positives).",
    "user_code": "Id feature: the user's vocabulary code (0 = out of vocabulary).",
    "item_code": "Id feature: the item's vocabulary code (0 = out of vocabulary).",
    "category_code": "Id feature: the item category's vocabulary code (0 = out of vocabulary).",
    "label_weekday_code": "Id feature: ISO weekday of the label day (1 Monday .. 7 Sunday).",
    "last_cart_hour_code": "Id feature: 1 + hour of day of the pair's last cart; 0 = never carted.",
    "hist__item_code": (
        "Sequence feature: the user's last distinct items before the cutoff, most recent first, ';'-joined codes."
    ),
    "hist__category_code": "Sequence feature: the categories of hist__item_code, aligned with it.",
    "is_sale_label_day": "1 when the label day is a sale day (var sale_dates).",
    "is_sale_cutoff_day": "1 when the cutoff day is a sale day.",
    "ui_carted_not_bought": "1 when the pair's last cart came after its last purchase (an open cart).",
    "ui_collected_not_bought": "1 when the pair's last collect came after its last purchase.",
    "ui_days_since_first_event": (
        "ln(1 + days from the pair's first event to the cutoff day): the interest's age, censored at the first "
        "logged day."
    ),
    "ui_active_days_per_elapsed_day": (
        "Days the pair was touched over the days since its first event (both ends counted): how often the "
        "interest comes back."
    ),
    "ui_clicks_per_active_day": "The pair's clicks per day it was touched, over the whole history.",
    "user_geo_unknown": "1 when no geohash of the user is known by the cutoff.",
    "item_geo_unknown": "1 when the item has no known location.",
    "geo_prefix_match": "ln(1 + longest geohash prefix shared by a user location and an item location), 0 = none.",
    "ui_recency_rank": "ln(1 + rank of the item among the user's candidates by hours since the last event).",
    "ui_count_rank": "ln(1 + rank of the item among the user's candidates by actions over 3 days).",
    "i_category_rank": (
        "ln(1 + rank of the item among its category's candidate items by clicks over the longest window)."
    ),
}
_ARROW_TO_SQL = {
    pa.int64(): "bigint",
    pa.int32(): "integer",
    pa.float64(): "double",
    pa.string(): "string",
    pa.large_string(): "string",
    pa.date32(): "date",
}


def describe(column: str) -> str:
    """A column's description, from the naming convention of the feature marts."""
    if column in _FIXED:
        return _FIXED[column]
    if column.endswith(BIN_SUFFIX):
        return (f"Id feature: quantile bucket of {column.removesuffix(BIN_SUFFIX)} over the training rows "
                "(dense_feature_bins; 0 = below every training value).")
    window_match = re.fullmatch(r"(u_p|ui|uc|u|i|c)_(.+)_(\d+d|all)", column)
    if window_match:
        entity, measure, window = window_match.groups()
        span = "the whole history up to the cutoff" if window == "all" else f"the {window[:-1]} day(s) up to the cutoff"
        who = _ENTITIES[entity]
        if measure.startswith("buy_per_"):
            return f"Smoothed conversion of {who}: buys / ({measure.removeprefix('buy_per_')}s + 1) over {span}."
        return f"ln(1 + {measure.replace('_', ' ')}) of {who} over {span}."
    hours_match = re.fullmatch(r"(ui|uc|u)_hours_since_last_(\w+)", column)
    if hours_match:
        entity, event = hours_match.groups()
        return (f"ln(1 + hours from {_ENTITIES[entity]}'s last {event} to the end of the cutoff day); "
                "960 hours when it never happened.")
    trend_match = re.fullmatch(r"(i|c)_click_trend", column)
    if trend_match:
        who = _ENTITIES[trend_match.group(1)]
        return f"ln(1 + clicks of {who} on the cutoff day over the mean day of the longest window)."
    return f"ln(1 + {column})."


def _yml_column(name: str, data_type: str, export: str) -> list[str]:
    lines = [f"      - name: {name}", f"        data_type: {data_type}",
             f"        description: \"{describe(name)}\""]
    if name in ("user_id", "item_id", "cutoff_date"):
        # Also catches the all-null row dbt-duckdb writes into an empty external export.
        lines += ["        data_tests:", "          - not_null"]
        if name == "item_id":
            lines += ["          - relationships:", "              arguments: {to: ref('int_p_items'), field: item_id}"]
    elif name in ("label", "label_touched"):
        lines += ["        data_tests:", "          - not_null", "          - accepted_values:",
                  "              arguments: {values: [0, 1], quote: false}"]
    elif name.endswith("_code") and "__" not in name:
        lines += ["        data_tests:", "          - within_buckets"]
    elif name.startswith("hist__"):
        lines += ["        data_tests:", "          - sequence_within_buckets"]
    return lines


def render_exports_yml(processed_dir: Path = PROCESSED_DIR) -> str:
    out = [
        "# Generated by `python -m runner contracts` from the built exports; see runner/contracts.py.",
        "# Contracts are enforced (dbt_project.yml, var enforce_export_contracts): dbt build fails when an",
        "# export's columns or types drift from this file.",
        "version: 2", "", "models:",
    ]
    for model, (file_stem, description) in EXPORTS.items():
        schema = pq.ParquetDataset(processed_dir / f"{file_stem}.parquet").schema  # a file or a Spark folder
        out += [
            f"  - name: {model}",
            f"    description: \"{description} Written to <processed_dir>/{file_stem}.parquet.\"",
            "    data_tests:",
            "      - unique_combination_of_columns:",
            "          arguments: {combination_of_columns: [cutoff_date, user_id, item_id]}",
            "      - no_null_columns",
            "      - dense_bins_follow_values",
            "    columns:",
        ]
        for field in schema:
            out += _yml_column(field.name, _ARROW_TO_SQL[field.type], model)
        out.append("")
    out += [
        "  - name: export_id_buckets",
        "    description: \"num_buckets of every id feature of the exports (largest code + 1), read by the runner.\"",
        "    columns:",
        "      - name: feature_name",
        "        data_type: string",
        "        description: \"The id or sequence feature (an export column).\"",
        "        data_tests: [not_null, unique]",
        "      - name: num_buckets",
        "        data_type: bigint",
        "        description: \"Codes of the feature lie in [0, num_buckets).\"",
        "        data_tests: [not_null]",
        "",
    ]
    return "\n".join(out)


def documented_columns(path: Path = EXPORTS_YML) -> dict[str, list[str]]:
    """Export model -> its columns in order, as the contract yml documents them."""
    contract = yaml.safe_load(path.read_text())
    return {model["name"]: [column["name"] for column in model["columns"]] for model in contract["models"]}


def write_exports_yml(processed_dir: Path = PROCESSED_DIR, path: Path = EXPORTS_YML) -> Path:
    path.write_text(render_exports_yml(processed_dir))
    return path
