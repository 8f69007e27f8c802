"""A feature selection -> tzrec feature_configs and the members of each feature group.

An experiment's `features:` block (merged along its base chain, the experiment's own keys last):

    features:
      embedding_dim: 8          every embedding's width (ids, bucket ids, AutoDis, sequences)
      dense: autodis            how a dense column enters: autodis (an AutoDis embedding), raw (the number
                                itself, no embedding), bins (its quantile bucket id <column>_bin, embedded)
      autodis_channels: 3       AutoDis channels per dense column (with dense: autodis)
      exclude: [user_code, item_code]   columns (names or globs) the kinds below leave out
      groups:                   the base's feature groups, each filled by a list of selectors:
        all: [id, dense]        a kind (id, dense, bin, sequence), a column name, or a glob ("ui_*_bin")

A kind or a glob selects the contract's columns of that kind that `exclude` does not name (an excluded
dense column takes its _bin along); a column named exactly is selected even when excluded (DIN's item id,
read by the attention only). Every selected column becomes one feature config, in the export's column
order; the columns of one sequence (hist__item_code, hist__category_code) become one sequence_feature
whose length is the export's (dbt var sequence_length). An id column that a sequence also holds shares
its embedding table with it (embedding_name <column>_emb). num_buckets is 0: the runner fills it from
id_buckets.parquet.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runner.experiment_configs.contract import BIN_SUFFIX, FEATURE_KINDS, Column

DENSE_MODES = ("autodis", "raw", "bins")
SELECTION_KEYS = ("embedding_dim", "dense", "autodis_channels", "exclude", "groups")
SEQUENCE_DELIM = ";"
EMBEDDING_NAME_SUFFIX = "_emb"


class FeatureError(ValueError):
    pass


@dataclass(frozen=True)
class FeatureSelection:
    """A validated `features:` block (merged along a base chain)."""

    embedding_dim: int
    dense: str
    groups: tuple[tuple[str, tuple[str, ...]], ...]
    autodis_channels: int | None = None
    exclude: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str) -> FeatureSelection:
        """`where` names the file(s) the block came from, for the error messages."""
        unknown = sorted(set(data) - set(SELECTION_KEYS))
        if unknown:
            raise FeatureError(f"{where}: features: unknown key(s) {', '.join(unknown)} (known: "
                               f"{', '.join(SELECTION_KEYS)})")
        missing = [key for key in ("embedding_dim", "dense", "groups") if data.get(key) is None]
        if missing:
            raise FeatureError(f"{where}: features: {', '.join(missing)} missing: give them in this experiment or "
                               "in one of its bases")
        dim = data["embedding_dim"]
        if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1:
            raise FeatureError(f"{where}: features: embedding_dim is {dim!r}: write a positive integer, e.g. 8")
        dense = data["dense"]
        if dense not in DENSE_MODES:
            raise FeatureError(f"{where}: features: dense is {dense!r}: write one of {', '.join(DENSE_MODES)}")
        channels = data.get("autodis_channels")
        if dense == "autodis" and (not isinstance(channels, int) or isinstance(channels, bool) or channels < 1):
            raise FeatureError(f"{where}: features: dense: autodis needs autodis_channels, a positive integer "
                               f"(found {channels!r}), e.g. 3")
        exclude = data.get("exclude") or []
        if not isinstance(exclude, list) or not all(isinstance(item, str) for item in exclude):
            raise FeatureError(f"{where}: features: exclude is a list of column names or globs, e.g. "
                               "[user_code, item_code]")
        groups = data["groups"]
        if not isinstance(groups, Mapping) or not groups:
            raise FeatureError(f"{where}: features: groups maps each feature group of the base to its selectors, "
                               "e.g. {all: [id, dense]}")
        parsed = []
        for name, selectors in groups.items():
            if not isinstance(selectors, list) or not selectors or not all(isinstance(s, str) for s in selectors):
                raise FeatureError(f"{where}: features: groups: {name} is a list of selectors (a kind: "
                                   f"{', '.join(FEATURE_KINDS)}; a column name; a glob), e.g. [id, dense]")
            parsed.append((str(name), tuple(selectors)))
        return cls(embedding_dim=dim, dense=dense, groups=tuple(parsed),
                   autodis_channels=channels if dense == "autodis" else None, exclude=tuple(exclude))

    def describe(self) -> str:
        """The dense columns' form in words, e.g. `AutoDis, 3 channels, 8 wide`."""
        form = {"autodis": f"AutoDis, {self.autodis_channels} channels", "raw": "raw values",
                "bins": "quantile bucket ids"}[self.dense]
        return f"{form}; embeddings {self.embedding_dim} wide"


def merge_selections(layers: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """`features:` blocks from the root of a base chain to its leaf: later keys win; groups merge by name."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if key == "groups" and isinstance(value, Mapping) and isinstance(merged.get("groups"), Mapping):
                merged["groups"] = {**merged["groups"], **value}
            else:
                merged[key] = value
    return merged


@dataclass(frozen=True)
class FeatureSet:
    """What a selection makes of the contract: feature configs (protobuf text of each FeatureConfig, in
    the export's column order) and the members of each feature group."""

    feature_configs: tuple[str, ...]
    groups: tuple[tuple[str, tuple[str, ...]], ...]
    counts: tuple[tuple[str, int], ...]  # selected columns per kind (sequence: its columns)

    def summary(self, selection: FeatureSelection) -> str:
        """e.g. `3 id, 141 dense, 47 bin (dense: AutoDis, 3 channels; embeddings 8 wide)`."""
        counts = ", ".join(f"{count} {kind}" for kind, count in self.counts if count)
        return f"{counts} ({selection.describe()})"


def _is_glob(selector: str) -> bool:
    return any(ch in selector for ch in "*?[")


def build_features(selection: FeatureSelection, columns: Sequence[Column], sequence_length: int,
                   where: str, left_out: Collection[str] = ()) -> FeatureSet:
    """The feature configs and group members a selection makes of the contract's columns. Columns of `left_out`
    (the candidate features while the training export holds no retrieved candidate: runner/candidates.py) are
    selected by nothing, as if the contract lacked them; `exclude` may still name them."""
    features = [column for column in columns if column.kind in FEATURE_KINDS]
    by_name = {column.name: column for column in features}
    position = {column.name: index for index, column in enumerate(features)}

    excluded: set[str] = set()
    for pattern in selection.exclude:
        matched = [name for name in by_name if fnmatch.fnmatchcase(name, pattern)]
        if not matched:
            raise FeatureError(f"{where}: features: exclude: {pattern!r} matches no column of the export contract "
                               "(models_sql/exports/_exports__models.yml): remove it or fix the name")
        excluded.update(matched)
    # an excluded dense column takes its bucket id along
    excluded.update(f"{name}{BIN_SUFFIX}" for name in list(excluded) if by_name[name].kind == "dense")
    left_out = set(left_out) & set(by_name)
    if left_out:
        features = [column for column in features if column.name not in left_out]
        by_name = {column.name: column for column in features}

    def as_input(name: str) -> str:
        """The column a selected column is read from: in `dense: bins`, a dense column's bucket id."""
        if selection.dense == "bins" and by_name[name].kind == "dense":
            if f"{name}{BIN_SUFFIX}" not in by_name:
                raise FeatureError(f"{where}: features: dense: bins, but the contract has no {name}{BIN_SUFFIX}")
            return f"{name}{BIN_SUFFIX}"
        return name

    def expand(group: str, selector: str) -> list[str]:
        if selector in FEATURE_KINDS:
            names = [c.name for c in features if c.kind == selector and c.name not in excluded]
        elif _is_glob(selector):
            matched = [name for name in by_name if fnmatch.fnmatchcase(name, selector)]
            if not matched:
                raise FeatureError(f"{where}: features: groups: {group}: {selector!r} matches no column of the "
                                   "export contract")
            names = [name for name in matched if name not in excluded]
        elif selector in by_name:
            names = [selector]
        elif selector in left_out:
            raise FeatureError(f"{where}: features: groups: {group}: {selector!r} is a candidate feature, left out "
                               "while the training export holds no retrieved candidate (runner/candidates.py): "
                               "select it by kind or glob, or build the exports with retrieval candidates on")
        else:
            raise FeatureError(f"{where}: features: groups: {group}: {selector!r} is neither a kind "
                               f"({', '.join(FEATURE_KINDS)}) nor a feature column of the export contract")
        return [as_input(name) for name in names]

    groups = []
    for group, selectors in selection.groups:
        members = {name for selector in selectors for name in expand(group, selector)}
        groups.append((group, tuple(sorted(members, key=position.__getitem__))))
    selected = sorted({name for _, members in groups for name in members}, key=position.__getitem__)

    shared = {column.sub_feature for column in features if column.kind == "sequence"}
    configs: list[str] = []
    done_sequences: set[str] = set()
    for name in selected:
        column = by_name[name]
        if column.kind == "sequence":
            if column.sequence_name not in done_sequences:
                done_sequences.add(column.sequence_name)
                subs = [by_name[n] for n in selected if by_name[n].kind == "sequence"
                        and by_name[n].sequence_name == column.sequence_name]
                configs.append(_sequence_feature(column.sequence_name, subs, selection, sequence_length, where))
        elif column.kind in ("id", "bin"):
            configs.append(_id_feature(column.name, column.side, selection.embedding_dim,
                                       shared=column.name in shared))
        else:
            configs.append(_raw_feature(column, selection))
    counts = tuple((kind, sum(1 for n in selected if by_name[n].kind == kind)) for kind in FEATURE_KINDS)
    return FeatureSet(feature_configs=tuple(configs), groups=tuple(groups), counts=counts)


def _id_feature(name: str, side: str, dim: int, shared: bool) -> str:
    embedding_name = f' embedding_name: "{name}{EMBEDDING_NAME_SUFFIX}"' if shared else ""
    return (f'id_feature {{ feature_name: "{name}" expression: "{side}:{name}" embedding_dim: {dim} '
            f"num_buckets: 0{embedding_name} }}")


def _raw_feature(column: Column, selection: FeatureSelection) -> str:
    text = f'raw_feature {{ feature_name: "{column.name}" expression: "{column.side}:{column.name}"'
    if selection.dense == "autodis":
        text += f" embedding_dim: {selection.embedding_dim} autodis {{ num_channels: {selection.autodis_channels} }}"
    return text + " }"


def _sequence_feature(sequence: str, subs: Sequence[Column], selection: FeatureSelection, length: int,
                      where: str) -> str:
    parts = []
    for sub in subs:
        if not sub.sub_feature.endswith("_code"):
            raise FeatureError(f"{where}: sequence column {sub.name}: only id sub-features (<name>_code) are "
                               "supported")
        parts.append(f"features {{ {_id_feature(sub.sub_feature, sub.side, selection.embedding_dim, shared=True)} }}")
    return (f'sequence_feature {{ sequence_name: "{sequence}" sequence_length: {length} '
            f'sequence_delim: "{SEQUENCE_DELIM}" {" ".join(parts)} }}')
