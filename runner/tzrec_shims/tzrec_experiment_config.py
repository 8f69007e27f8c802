"""Builds whole pipeline configs from experiments with tzrec's own protobuf and edit_config (tzrec interpreter).

    python -m tzrec_experiment_config < request.json > answer.json

The request: {"layout": "readable" | "standard", "experiments": [spec, ...]}, each spec as the runner writes it
(runner/experiment_configs/experiment.py, RenderSpec.as_request):
    {"name": ..., "source": "configs/experiments/x.yml", "base": "/.../configs/base/dcn_v2.config",
     "feature_configs": ["raw_feature { ... }", ...], "feature_groups": {"all": ["category_code", ...]},
     "changes": [{"source": ..., "path": "train_config.num_epochs", "value": 2}, ...], "header": "# ...\n"}

The answer: {"rendered": {name: text}} or {"error": "..."} (exit status 2). Building one experiment:
parse the family base; append the feature configs; fill each feature group's feature_names (every group
of the base, no other); then apply each change in order with tzrec.utils.config_util.edit_config (the
`--edit_config_json` syntax); a null value clears the field. A change that changes nothing is an error
(a path that selects nothing, or a value the base chain already has).

The readable layout prints one line per feature config (the rest as protobuf's text format); the
standard layout is protobuf's text format throughout (what the runner writes into a run folder).
Both parse to the same message. Only tzrec.protos and tzrec.utils.config_util are loaded, not torch.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import types
from typing import Any


class BuildError(ValueError):
    pass


def load_protos() -> tuple[Any, Any]:
    """tzrec's pipeline_pb2 and protobuf's text_format, without tzrec/__init__ (which imports torch)."""
    spec = importlib.util.find_spec("tzrec")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(f"tzrec is not installed in this interpreter ({sys.executable})")
    if "tzrec" not in sys.modules:
        package = types.ModuleType("tzrec")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["tzrec"] = package
    from google.protobuf import text_format
    from tzrec.protos import pipeline_pb2

    return pipeline_pb2, text_format


def _value_text(value: Any) -> str:
    """A change's value as edit_config takes it (it converts the string to the field's type)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(item) if isinstance(item, str) else _value_text(item) for item in value) + "]"
    return str(value)


_SEGMENT = re.compile(r"^(\w+)(?:\[(\d+)\])?$")


def _clear(pipeline: Any, path: str) -> None:
    """Clear the field a plain path (names and [index] only) leads to."""
    target = pipeline
    segments = path.split(".")
    for segment in segments[:-1]:
        match = _SEGMENT.match(segment)
        if not match:
            raise BuildError(f"null clears a field named by a plain path (names and [index]), not {segment!r}")
        if match[2] is None:
            if not target.HasField(match[1]):  # reading an unset message would not set it; clearing in it would
                raise BuildError(f"changes nothing ({segment} is not set): fix the path or drop the change")
            target = getattr(target, match[1])
        else:
            items = getattr(target, match[1])
            if int(match[2]) >= len(items):
                raise BuildError(f"{segment}: there are {len(items)} {match[1]}")
            target = items[int(match[2])]
    if not re.fullmatch(r"\w+", segments[-1]):
        raise BuildError("null clears a whole field: end the path with its name")
    target.ClearField(segments[-1])


def build_pipeline(spec: dict[str, Any], pipeline_pb2: Any, text_format: Any) -> Any:
    from tzrec.utils.config_util import edit_config

    pipeline = pipeline_pb2.EasyRecConfig()
    try:
        with open(spec["base"], encoding="utf-8") as handle:
            text_format.Merge(handle.read(), pipeline)
    except (OSError, text_format.ParseError) as error:
        raise BuildError(f"{spec['source']}: its family base {spec['base']} cannot be read: {error}") from error
    if len(pipeline.feature_configs):
        raise BuildError(f"{spec['base']}: a family base holds no feature_configs (the experiments' `features:` "
                         "generate them from the export contract)")
    for text in spec["feature_configs"]:
        text_format.Merge(text, pipeline.feature_configs.add())
    groups = dict(spec["feature_groups"])
    declared = [group.group_name for group in pipeline.model_config.feature_groups]
    for group in pipeline.model_config.feature_groups:
        if group.group_name not in groups:
            raise BuildError(f"{spec['source']}: the base {spec['base']} has the feature group "
                             f"{group.group_name!r}: fill it in features: groups")
        if len(group.feature_names):
            raise BuildError(f"{spec['base']}: feature group {group.group_name!r} lists feature_names: a family "
                             "base leaves them to the experiments' `features: groups`")
        group.feature_names.extend(groups.pop(group.group_name))
    if groups:
        raise BuildError(f"{spec['source']}: features: groups names {', '.join(sorted(groups))}, which the base "
                         f"{spec['base']} does not declare (it has {', '.join(declared) or 'none'})")
    for change in spec["changes"]:
        where = f"{change['source']}: changes: {change['path']}"
        before = pipeline.SerializeToString(deterministic=True)
        try:
            if change["value"] is None:
                _clear(pipeline, change["path"])
            else:
                edit_config(pipeline, {change["path"]: _value_text(change["value"])})
        except BuildError as error:
            raise BuildError(f"{where}: {error}") from error
        except Exception as error:  # edit_config raises AttributeError, ValueError, ParseError, AssertionError
            raise BuildError(f"{where}: tzrec's edit_config failed: {type(error).__name__}: {error}") from error
        if pipeline.SerializeToString(deterministic=True) == before:
            raise BuildError(f"{where}: changes nothing (the path selects nothing, or the base chain already has "
                             "this value): fix the path or drop the change")
    return pipeline


def readable_text(pipeline: Any, pipeline_pb2: Any, text_format: Any) -> str:
    """The pipeline as protobuf text, one line per feature config."""
    lines = []
    for descriptor, value in pipeline.ListFields():
        if descriptor.name == "feature_configs":
            lines += [f"feature_configs {{ {text_format.MessageToString(item, as_one_line=True)} }}" for item in value]
            continue
        single = pipeline_pb2.EasyRecConfig()
        if descriptor.label == descriptor.LABEL_REPEATED:
            getattr(single, descriptor.name).extend(value)
        elif descriptor.message_type is not None:
            getattr(single, descriptor.name).CopyFrom(value)
        else:
            setattr(single, descriptor.name, value)
        lines.append(text_format.MessageToString(single).rstrip("\n"))
    return "\n".join(lines) + "\n"


def main() -> int:
    request = json.load(sys.stdin)
    try:
        pipeline_pb2, text_format = load_protos()
        rendered = {}
        for spec in request["experiments"]:
            pipeline = build_pipeline(spec, pipeline_pb2, text_format)
            text = (readable_text(pipeline, pipeline_pb2, text_format) if request.get("layout") == "readable"
                    else text_format.MessageToString(pipeline))
            rendered[spec["name"]] = spec.get("header", "") + text
    except BuildError as error:
        json.dump({"error": str(error)}, sys.stdout)
        return 2
    json.dump({"rendered": rendered}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
