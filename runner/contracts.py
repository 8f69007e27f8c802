"""Writes the exports' contract (enforced column names and types, column docs, tests) from the built Parquet files.

The export columns follow from the feature marts, so the contract is generated rather than
typed by hand: after changing a feature, run `dbt build --select +exports` with contracts off
(`--vars '{enforce_export_contracts: false}'`), then `python -m runner contracts`, and review
the diff. With contracts on, `dbt build` fails whenever a model's columns or types drift from
the yml.

Two files are written: models_sql/exports/_exports__models.yml (the models, their columns' types and
tests) and models_sql/exports/_exports__docs.md (one dbt doc block per column, `exports__<column>`, which
every export holding the column references with `{{ doc(...) }}`: each description is written once).
A column's yml entry is a dict (contract_column); a key added there (e.g. `meta`) is written as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from runner.parquet_files import dataset_schema
from runner.paths import PROCESSED_DIR, PROJECT_ROOT

EXPORTS_YML = PROJECT_ROOT / "models_sql" / "exports" / "_exports__models.yml"
EXPORTS_DOCS = EXPORTS_YML.with_name("_exports__docs.md")
DOC_PREFIX = "exports__"  # doc block names: exports__<column>
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
    "candidate_source_code": (
        "Id feature: where the candidate comes from: 1 touched only (within candidate_lookback_days), 2 retrieved "
        "only (a two-tower model's top retrieval_candidate_top_n), 3 both; 1 on every row while retrieval candidates "
        "are off."
    ),
    "recall_score": (
        "The retrieval's similarity score of the pair (tower embeddings, as retrieved); a touched-only pair takes its "
        "user's N-th retrieved score; 0 on every row while retrieval candidates are off."
    ),
    "recall_rank": (
        "ln(1 + the pair's rank among the user's retrieved items, 1 = the most similar; N + 1 for a touched-only "
        "pair); 0 on every row while retrieval candidates are off."
    ),
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


def doc_name(column: str) -> str:
    """The doc block of an export column."""
    return f"{DOC_PREFIX}{column}"


def _data_tests(name: str) -> list[Any]:
    if name in ("user_id", "item_id", "cutoff_date"):
        # Also catches the all-null row dbt-duckdb writes into an empty external export.
        if name == "item_id":
            return ["not_null", {"relationships": {"arguments": {"to": "ref('int_p_items')", "field": "item_id"}}}]
        return ["not_null"]
    if name in ("label", "label_touched"):
        return ["not_null", {"accepted_values": {"arguments": {"values": [0, 1], "quote": False}}}]
    if name == "candidate_source_code":
        return ["within_buckets", {"accepted_values": {"arguments": {"values": [1, 2, 3], "quote": False}}}]
    if name.endswith("_code") and "__" not in name:
        return ["within_buckets"]
    if name.startswith("hist__"):
        return ["sequence_within_buckets"]
    return []


def contract_column(name: str, data_type: str) -> dict[str, Any]:
    """One export column's yml entry: name, type (the enforced contract), its doc block, its tests."""
    column: dict[str, Any] = {"name": name, "data_type": data_type, "description": f"{{{{ doc('{doc_name(name)}') }}}}"}
    tests = _data_tests(name)
    if tests:
        column["data_tests"] = tests
    return column


def export_models(processed_dir: Path = PROCESSED_DIR) -> list[dict[str, Any]]:
    """The exports' yml entries, the columns read from the built files."""
    models = []
    for model, (file_stem, description) in EXPORTS.items():
        schema = dataset_schema(processed_dir / f"{file_stem}.parquet")  # a file or a Spark folder
        models.append({
            "name": model,
            "description": f"{description} Written to <processed_dir>/{file_stem}.parquet.",
            "data_tests": [
                {"unique_combination_of_columns": {
                    "arguments": {"combination_of_columns": ["cutoff_date", "user_id", "item_id"]}}},
                "no_null_columns",
                "dense_bins_follow_values",
            ],
            "columns": [contract_column(field.name, _ARROW_TO_SQL[field.type]) for field in schema],
        })
    models.append({
        "name": "export_id_buckets",
        "description": "num_buckets of every id feature of the exports (largest code + 1), read by the runner.",
        "columns": [
            {"name": "feature_name", "data_type": "string",
             "description": "The id or sequence feature (an export column).", "data_tests": ["not_null", "unique"]},
            {"name": "num_buckets", "data_type": "bigint",
             "description": "Codes of the feature lie in [0, num_buckets).", "data_tests": ["not_null"]},
        ],
    })
    return models


# ---- yml text: block style for models, columns and tests; a mapping or list of plain values on one line ----


def _scalar(value: Any) -> str:
    """A value as yml: a name-like string plain, any other string double-quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return text if PLAIN_STRING.fullmatch(text) and text not in ("null", "true", "false") else json.dumps(text)


def _is_flat(value: Any) -> bool:
    """A scalar, a list of scalars, or a mapping of those: written on one line."""
    if isinstance(value, dict):
        return all(not isinstance(item, dict) and _is_flat(item) for item in value.values())
    if isinstance(value, list):
        return all(not isinstance(item, dict | list) for item in value)
    return True


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return _scalar(value)


def _mapping_lines(mapping: dict[str, Any], indent: int) -> Iterator[str]:
    """A mapping in block style; a flat value (_is_flat) on one line, except the lists of BLOCK_LISTS."""
    pad = " " * indent
    for key, value in mapping.items():
        if isinstance(value, list) and (key in BLOCK_LISTS or not _is_flat(value)):
            yield f"{pad}{key}:"
            yield from _list_lines(value, indent + 2)
        elif isinstance(value, dict) and not _is_flat(value):
            yield f"{pad}{key}:"
            yield from _mapping_lines(value, indent + 2)
        else:
            yield f"{pad}{key}: {_flow(value)}"


def _list_lines(items: list[Any], indent: int) -> Iterator[str]:
    pad = " " * indent
    for item in items:
        if isinstance(item, dict):
            lines = list(_mapping_lines(item, indent + 2))
            yield f"{pad}- {lines[0].lstrip()}"
            yield from lines[1:]
        else:
            yield f"{pad}- {_flow(item)}"


def yml_text(mapping: dict[str, Any]) -> str:
    """A mapping as yml in the style of the project's ymls (block style; a flat value on one line)."""
    return "\n".join(_mapping_lines(mapping, 0)) + "\n"


# Lists written one item a line even when their items are plain.
BLOCK_LISTS = {"models", "columns", "data_tests"}
# A string written without quotes: a name, a number-free word, a call like ref('int_p_items').
PLAIN_STRING = re.compile(r"[A-Za-z_][\w.()'/<>-]*")


def render_exports_yml(processed_dir: Path = PROCESSED_DIR) -> str:
    header = [
        "# Generated by `python -m runner contracts` from the built exports; see runner/contracts.py.",
        "# Contracts are enforced (dbt_project.yml, var enforce_export_contracts): dbt build fails when an",
        "# export's columns or types drift from this file. The column descriptions are doc blocks in",
        "# _exports__docs.md, generated with it.",
        "version: 2",
        "",
    ]
    body = yml_text({"models": export_models(processed_dir)}).replace("\n  - name: ", "\n\n  - name: ")
    return "\n".join(header) + "\n" + body.replace("models:\n\n", "models:\n", 1)


def render_exports_docs(processed_dir: Path = PROCESSED_DIR) -> str:
    """One doc block per export column, a line each, in the order the exports first hold the columns."""
    columns: dict[str, None] = {}
    for model in export_models(processed_dir):
        for column in model["columns"]:
            if column["description"].startswith("{{ doc("):
                columns.setdefault(column["name"])
    blocks = [
        "<!-- Generated by `python -m runner contracts` with _exports__models.yml, whose columns reference these",
        "     blocks by name (exports__<column>); see runner/contracts.py. -->",
        "",
    ]
    blocks += [f"{{% docs {doc_name(name)} %}}{describe(name)}{{% enddocs %}}" for name in columns]
    return "\n".join(blocks) + "\n"


def documented_columns(path: Path = EXPORTS_YML) -> dict[str, list[str]]:
    """Export model -> its columns in order, as the contract yml documents them."""
    contract = yaml.safe_load(path.read_text())
    return {model["name"]: [column["name"] for column in model["columns"]] for model in contract["models"]}


def write_exports_yml(processed_dir: Path = PROCESSED_DIR, path: Path = EXPORTS_YML,
                      docs_path: Path | None = None) -> list[Path]:
    """Write the exports' yml and its doc blocks (beside it, _exports__docs.md unless docs_path says)."""
    docs_path = docs_path or path.with_name(EXPORTS_DOCS.name)
    path.write_text(render_exports_yml(processed_dir))
    docs_path.write_text(render_exports_docs(processed_dir))
    return [path, docs_path]
