"""The export contract's columns, each with a kind and a side, from the exports' naming rules.

models_sql/exports/_exports__models.yml (written by `python -m runner contracts` from the built
exports) lists every column of every export. The kind of a column follows from the naming rules of
dbt_project/macros/exports.sql, which builds the export's select list:

    key       cutoff_date, user_id, item_id          raw keys, passed through to the predictions
    label     label, label_touched                   the purchase label and the auxiliary one
    weight    sample_weight                          1 / the row's negative keep rate
    sequence  <sequence>__<feature>                  ';'-joined ids, e.g. hist__item_code
    id        <name>_code                            integer ids in [0, num_buckets)
    bin       <dense feature>_bin                    the dense feature's quantile bucket id
    dense     every other column                     a model-ready number (ln(1 + x), a ratio, a flag)

The side (tzrec's `expression: "<side>:<column>"`) follows the feature marts' prefixes: u_, u_p_ and
user_ are the user's; i_, c_, item_ and category_ the item's (and its category's); everything else
(the pair ui_ / uc_, the calendar, the geohash match) is context.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from runner.paths import PROJECT_ROOT

EXPORTS_YML = PROJECT_ROOT / "models_sql" / "exports" / "_exports__models.yml"
# The export whose columns the features are generated from: the training export (train_all_negatives
# has the same columns; eval and predict lack only the labels and the weight).
TRAIN_EXPORT_MODEL = "export_train"

KEY_COLUMNS = ("cutoff_date", "user_id", "item_id")
LABEL_COLUMNS = ("label", "label_touched")
WEIGHT_COLUMNS = ("sample_weight",)
SEQUENCE_SEPARATOR = "__"
ID_SUFFIX = "_code"
BIN_SUFFIX = "_bin"
# Kinds a feature group may select by name (the others are never model inputs).
FEATURE_KINDS = ("id", "sequence", "dense", "bin")
_USER_PREFIXES = ("u_", "user_")
_ITEM_PREFIXES = ("i_", "c_", "item_", "category_")


class ContractError(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    """One column of an export: its name, its kind and the side a tzrec feature reads it from."""

    name: str
    kind: str
    side: str

    @property
    def sequence_name(self) -> str:
        """`hist` of `hist__item_code` (a sequence column only)."""
        return self.name.split(SEQUENCE_SEPARATOR, 1)[0]

    @property
    def sub_feature(self) -> str:
        """`item_code` of `hist__item_code` (a sequence column only)."""
        return self.name.split(SEQUENCE_SEPARATOR, 1)[1]


def column_kind(name: str) -> str:
    if name in KEY_COLUMNS:
        return "key"
    if name in LABEL_COLUMNS:
        return "label"
    if name in WEIGHT_COLUMNS:
        return "weight"
    if SEQUENCE_SEPARATOR in name:
        return "sequence"
    if name.endswith(ID_SUFFIX):
        return "id"
    if name.endswith(BIN_SUFFIX):
        return "bin"
    return "dense"


def column_side(name: str) -> str:
    if name.startswith(_USER_PREFIXES):
        return "user"
    if name.startswith(_ITEM_PREFIXES):
        return "item"
    return "context"


def classify(name: str) -> Column:
    kind = column_kind(name)
    # a sequence's elements are ids of its sub-feature: the side is the sub-feature's (item for hist__item_code)
    side = column_side(name.split(SEQUENCE_SEPARATOR, 1)[1] if kind == "sequence" else name)
    return Column(name, kind, side)


def _load(path: Path) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the contract is 4,600 lines: the C loader is 10x faster
    try:
        return yaml.load(path.read_text(), Loader=loader)
    except (OSError, yaml.YAMLError) as error:
        raise ContractError(f"cannot read the export contract {path}: {error}") from error


@functools.lru_cache(maxsize=8)
def _columns(path: Path, modified_ns: int, model: str) -> tuple[Column, ...]:
    contract = _load(path)
    for entry in (contract or {}).get("models", []):
        if entry.get("name") == model:
            return tuple(classify(column["name"]) for column in entry.get("columns", []))
    raise ContractError(f"{path} has no model `{model}`: regenerate it with `python -m runner contracts` "
                        "after building the exports")


def contract_columns(path: Path = EXPORTS_YML, model: str = TRAIN_EXPORT_MODEL) -> list[Column]:
    """The columns of one export model of the contract, in the export's order, each classified (read once
    per version of the file)."""
    try:
        modified_ns = path.stat().st_mtime_ns
    except OSError as error:
        raise ContractError(f"cannot read the export contract {path}: {error}") from error
    return list(_columns(path, modified_ns, model))


# ---- two-tower families: their features come from the retrieval exports' contract ----------------------------
# models_sql/retrieval/_retrieval__models.yml documents the exports of the two-tower models (a user side, an item
# side, and training rows holding both); an experiment of one of these families selects its user and item tower
# groups from the columns of its training export (docs/guide/models.md#two-tower-retrieval).
RETRIEVAL_EXPORTS_YML = PROJECT_ROOT / "models_sql" / "retrieval" / "_retrieval__models.yml"
RETRIEVAL_TRAIN_MODEL = "export_retrieval_train"
TWO_TOWER_FAMILIES = ("dssm", "dssm_v2", "mind")


def family_contract(family: str, contract: Path = EXPORTS_YML) -> tuple[Path, str]:
    """The contract file and export model a family's features are selected from: a two-tower family reads the
    retrieval exports' training export (from RETRIEVAL_EXPORTS_YML when `contract` is the default), any other
    family the ranking exports' training export (from `contract`)."""
    if family in TWO_TOWER_FAMILIES:
        return (RETRIEVAL_EXPORTS_YML if contract == EXPORTS_YML else contract), RETRIEVAL_TRAIN_MODEL
    return contract, TRAIN_EXPORT_MODEL
