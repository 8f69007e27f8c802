"""Reads, fills and writes a tzrec pipeline config with tzrec's own protobuf (runs in the tzrec interpreter).

    python -m tzrec_runner_config < request.json > summary.json

The request (JSON on stdin):
    {"src": "configs/x.config",             # the config to read (for an experiment: its file, named in errors)
     "experiment": {...},                   # instead of reading src: build the experiment's config
                                            # (tzrec_experiment_config.py; its header goes above the text)
     "dst": "outputs/x/pipeline.config",    # where to write the rendered copy (null: only describe)
     "header": "# comment lines ...",       # written above the rendered text
     "num_buckets": {"user_idx": 1234},     # fills every `num_buckets: 0` of an id feature
     "set": {"train_input_path": "...", "eval_input_path": "...", "model_dir": "..."}}

The answer (JSON on stdout) describes the config as rendered: labels, every feature with the column it
reads, its kind and its bucket count, `unfilled` (id features left at `num_buckets: 0`) and
`missing_required` (proto2 required fields left out, which tzrec tolerates). Nothing is
written when `unfilled` is not empty or the config is invalid (`"error"` then says why; exit status 2).

Only `tzrec.protos` is loaded, not the `tzrec` package (whose __init__ imports torch and every model:
seconds, where this takes a tenth of one); the package's own files are read from its install.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tzrec_experiment_config import BuildError, build_pipeline, load_protos


def _fail(message: str) -> int:
    json.dump({"error": message}, sys.stdout)
    return 2


def _bucket_keys(sequence_name: str | None, feature_name: str) -> list[str]:
    """Where a feature's bucket count is looked up in id_buckets, most specific first."""
    if sequence_name:
        return [f"{sequence_name}__{feature_name}", feature_name]
    return [feature_name]


def _describe_id(config: Any, column: str, sequence: dict[str, Any] | None, buckets: dict[str, int],
                 unfilled: list[dict[str, Any]]) -> dict[str, Any]:
    sequence_name = sequence["sequence_name"] if sequence else None
    filled_from = None
    if config.HasField("num_buckets") and config.num_buckets == 0:
        keys = _bucket_keys(sequence_name, config.feature_name)
        for key in keys:
            if key in buckets:
                config.num_buckets = int(buckets[key])
                filled_from = key
                break
        else:
            unfilled.append({"feature": column, "looked_up": keys})
    # The same order as tzrec's IdFeature.num_embeddings. zch / dynamicemb map any int64 id themselves.
    size: int | None = None
    if config.HasField("zch") or config.HasField("dynamicemb"):
        size = None
    elif config.HasField("hash_bucket_size"):
        size = int(config.hash_bucket_size)  # FG_NONE does not hash: ids must already be below it
    elif config.HasField("num_buckets"):
        size = int(config.num_buckets)
    elif len(config.vocab_list):
        size = len(config.vocab_list)
    return {"column": column, "kind": "sequence_id" if sequence else "id", "num_buckets": size,
            "filled_from": filled_from, "uses_vocab_or_fg": bool(config.vocab_file), **(sequence or {})}


def _describe_raw(config: Any, column: str, sequence: dict[str, Any] | None) -> dict[str, Any]:
    bucketized = len(config.boundaries) > 0
    kind = ("sequence_" if sequence else "") + ("raw_bucketized" if bucketized else "raw")
    return {"column": column, "kind": kind, "num_buckets": len(config.boundaries) + 1 if bucketized else None,
            "value_dim": int(config.value_dim) if config.HasField("value_dim") else 1, **(sequence or {})}


def _enum_name(message: Any, field: str) -> str:
    return message.DESCRIPTOR.fields_by_name[field].enum_type.values_by_number[getattr(message, field)].name


def _dag_inputs(message: Any, path: str) -> list[str]:
    """String inputs such as `expression: "feature:x"`: tzrec then builds a pyfg DAG, even under FG_NONE."""
    found = []
    for descriptor, value in message.ListFields():
        name = f"{path}.{descriptor.name}"
        if descriptor.type == descriptor.TYPE_MESSAGE:
            values = value if descriptor.label == descriptor.LABEL_REPEATED else [value]
            for item in values:
                found += _dag_inputs(item, name)
        elif descriptor.type == descriptor.TYPE_STRING:
            values = value if descriptor.label == descriptor.LABEL_REPEATED else [value]
            found += [f"{name}: {item!r}" for item in values if item.startswith("feature:")]
    return found


def describe(pipeline: Any, buckets: dict[str, int]) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    unfilled: list[dict[str, Any]] = []
    dag_inputs: list[str] = []
    for feature_config in pipeline.feature_configs:
        kind = feature_config.WhichOneof("feature")
        config = getattr(feature_config, kind)
        name = config.sequence_name if kind == "sequence_feature" else config.feature_name
        dag_inputs += _dag_inputs(config, f"{kind}[{name}]")
        if kind == "sequence_feature":
            sequence = {"sequence_name": config.sequence_name, "sequence_delim": config.sequence_delim,
                        "sequence_length": int(config.sequence_length)}
            for sub in config.features:
                sub_kind = sub.WhichOneof("feature")
                sub_config = getattr(sub, sub_kind)
                column = f"{config.sequence_name}__{sub_config.feature_name}"
                if sub_kind == "id_feature":
                    features.append(_describe_id(sub_config, column, sequence, buckets, unfilled))
                elif sub_kind == "raw_feature":
                    features.append(_describe_raw(sub_config, column, sequence))
                else:
                    features.append({"column": column, "kind": "other", "type": sub_kind, **sequence})
        elif kind in ("id_feature", "sequence_id_feature"):
            sequence = None
            if kind == "sequence_id_feature":  # a standalone sequence: its column is its own name
                sequence = {"sequence_name": None, "sequence_delim": config.sequence_delim,
                            "sequence_length": int(config.sequence_length)}
            features.append(_describe_id(config, config.feature_name, sequence, buckets, unfilled))
        elif kind in ("raw_feature", "sequence_raw_feature"):
            sequence = None
            if kind == "sequence_raw_feature":
                sequence = {"sequence_name": None, "sequence_delim": config.sequence_delim,
                            "sequence_length": int(config.sequence_length)}
            features.append(_describe_raw(config, config.feature_name, sequence))
        else:
            features.append({"column": config.feature_name, "kind": "other", "type": kind})
    data = pipeline.data_config
    group_features = sorted({name for group in pipeline.model_config.feature_groups for name in group.feature_names})
    model = pipeline.model_config.WhichOneof("model")
    return {
        "model": model,
        "task_towers": _task_towers(getattr(pipeline.model_config, model) if model else None, data.label_fields),
        "fg_mode": _enum_name(data, "fg_mode"),
        "dataset_type": _enum_name(data, "dataset_type"),
        "sampler": data.WhichOneof("sampler"),
        "label_fields": list(data.label_fields),
        "sample_weight_fields": list(data.sample_weight_fields),
        "multival_sep": data.fg_encoded_multival_sep,
        "batch_size": int(data.batch_size),
        "features": features,
        "group_features": group_features,
        "unfilled": unfilled,
        "dag_inputs": dag_inputs,
        "best_checkpoint": _best_checkpoint(pipeline),
    }


def _best_checkpoint(pipeline: Any) -> dict[str, Any] | None:
    """The metric that picks the exported checkpoint when export_config asks for the best one (else None)."""
    if not pipeline.HasField("export_config") or pipeline.export_config.exporter_type != "best":
        return None
    export = pipeline.export_config
    return {"metric": export.best_exporter_metric, "larger_is_better": bool(export.metric_larger_is_better)}


def _task_towers(model: Any, label_fields: Any) -> list[dict[str, str]]:
    """A multi-task model's towers and the label each learns (a tower without label_name takes the
    label field of its position, as tzrec does); [] for a single-task model."""
    if model is None or "task_towers" not in model.DESCRIPTOR.fields_by_name:
        return []
    towers = []
    for position, tower in enumerate(model.task_towers):
        label = tower.label_name or (label_fields[position] if position < len(label_fields) else "")
        towers.append({"tower_name": tower.tower_name, "label_name": label})
    return towers


def main() -> int:
    request = json.load(sys.stdin)
    try:
        pipeline_pb2, text_format = load_protos()
        experiment = request.get("experiment")
        pipeline = build_pipeline(experiment, pipeline_pb2, text_format) if experiment else None
    except BuildError as error:
        return _fail(str(error))
    if pipeline is None:
        pipeline = pipeline_pb2.EasyRecConfig()
        try:
            with open(request["src"], encoding="utf-8") as handle:
                text_format.Merge(handle.read(), pipeline)
        except OSError as error:
            return _fail(f"cannot read {request['src']}: {error}")
        except text_format.ParseError as error:
            return _fail(f"{request['src']} is not a valid tzrec pipeline config: {error}")
    for field, value in (request.get("set") or {}).items():
        setattr(pipeline, field, value)
    summary = describe(pipeline, request.get("num_buckets") or {})
    # tzrec itself runs without some proto2 `required` fields (e.g. `expression` under FG_NONE): warn only.
    summary["missing_required"] = pipeline.FindInitializationErrors()
    if request.get("dst") and not summary["unfilled"]:
        with open(request["dst"], "w", encoding="utf-8") as handle:
            handle.write(request.get("header") or "")
            handle.write((experiment or {}).get("header") or "")
            handle.write(text_format.MessageToString(pipeline))
    json.dump(summary, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
