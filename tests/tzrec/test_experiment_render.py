"""Rendering experiments with tzrec's protobuf and edit_config: every experiment renders and parses, production
is v11 promoted, one exported column is one edit, `configs render|diff` as documented, run folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tiny_data import write_buckets

import runner.tzrec.steps
from runner.experiment_configs.contract import EXPORTS_YML
from runner.experiment_configs.experiment import EXPERIMENTS_DIR, experiments, render_spec
from runner.experiment_configs.render import config_diff, render_experiments
from runner.tzrec.config import ConfigError, describe_config
from runner.tzrec.steps import RunOptions, Session

ROOT = Path(__file__).resolve().parents[2]
ALL = sorted(EXPERIMENTS_DIR.glob("*.yml"))


@pytest.fixture(scope="module")
def rendered(tzrec_python: Path) -> dict[str, str]:
    return render_experiments(tzrec_python, ALL)


def _body(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))


def test_every_experiment_renders_to_a_config_tzrec_reads(tzrec_python: Path, rendered: dict[str, str],
                                                         tmp_path: Path) -> None:
    assert set(rendered) == {path.stem for path in ALL}
    known = experiments()
    for name, text in rendered.items():
        spec = render_spec(known[name].path, known=known)
        assert text.startswith(f"# {name}: {known[name].description}\n# Base chain: {name} <- ")
        assert f"`python -m runner configs render {name}`" in text
        path = tmp_path / f"{name}.config"
        path.write_text(text)
        summary = describe_config(tzrec_python, path)  # the rendered file, read back by tzrec's protobuf
        members = {member for _, group in spec.feature_groups for member in group}
        assert {feature.column for feature in summary.features} == members, name
        assert set(summary.group_features) == members, name


def test_production_is_v11_promoted(rendered: dict[str, str]) -> None:
    production, v11 = rendered["production_dcn_v2_v4"], rendered["stage2_dcn_v2_v11"]
    assert production != v11 and _body(production) == _body(v11)


def test_diff_shows_exactly_what_v12_adds_to_v11(rendered: dict[str, str]) -> None:
    diff = config_diff(rendered["stage2_dcn_v2_v11"], rendered["stage2_dcn_v2_v12"], "v11", "v12").splitlines()
    added = [line for line in diff if line.startswith("+") and not line.startswith("+++")]
    removed = [line for line in diff if line.startswith("-") and not line.startswith("---")]
    assert removed == []
    bins = [line for line in added if line.startswith("+feature_configs { id_feature")]
    members = [line for line in added if line.strip().startswith('+    feature_names: "')]
    assert len(bins) == len(members) == 47 and len(added) == 94
    assert all('_bin" expression: "context:u' in line and "num_buckets: 0" in line for line in bins)


def test_one_new_export_column_is_one_edit(tzrec_python: Path, rendered: dict[str, str], tmp_path: Path) -> None:
    contract = yaml.safe_load(EXPORTS_YML.read_text())
    next(m for m in contract["models"] if m["name"] == "export_train")["columns"].append(
        {"name": "u_p_collects_7d", "data_type": "double"})
    edited = tmp_path / "_exports__models.yml"
    edited.write_text(yaml.safe_dump(contract, sort_keys=False))
    again = render_experiments(tzrec_python, [EXPERIMENTS_DIR / "stage2_deepfm_v3.yml"], contract=edited)
    diff = config_diff(rendered["stage2_deepfm_v3"], again["stage2_deepfm_v3"], "before", "after").splitlines()
    added = [line for line in diff if line.startswith("+") and not line.startswith("+++")]
    # one feature config, and a member of the two groups that select dense features (fm, deep; not wide)
    assert added == [
        '+feature_configs { raw_feature { feature_name: "u_p_collects_7d" expression: "user:u_p_collects_7d" '
        "embedding_dim: 8 autodis { num_channels: 3 } } }",
        '+    feature_names: "u_p_collects_7d"', '+    feature_names: "u_p_collects_7d"']
    assert not [line for line in diff if line.startswith("-") and not line.startswith("---")]


def _experiment(folder: Path, name: str, changes: str) -> Path:
    (folder / "stage2_base_v1.yml").write_text(
        "description: d\nbase: dcn_v2\nfeatures: {embedding_dim: 8, dense: raw, exclude: [user_code, item_code], "
        "groups: {all: [id, dense]}}\n")
    path = folder / f"{name}.yml"
    path.write_text(f"description: d\nbase: stage2_base_v1\nchanges:\n{changes}")
    return path


@pytest.mark.parametrize(("changes", "message"), [
    ("  train_config.num_epoch: 2\n", "stage2_x_v1.yml: changes: train_config.num_epoch: tzrec's edit_config failed"),
    ("  train_config.num_epochs: 1\n", "changes: train_config.num_epochs: changes nothing"),
    ("  model_config.feature_groups[group_name=deep].group_type: WIDE\n", "changes nothing (the path selects nothing"),
    ("  export_config.exporter_type: null\n", "changes: export_config.exporter_type: changes nothing"),
])
def test_a_change_that_fails_or_does_nothing_is_refused(tzrec_python: Path, tmp_path: Path, changes: str,
                                                        message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        render_experiments(tzrec_python, [_experiment(tmp_path, "stage2_x_v1", changes)])


def test_changes_apply_in_order_and_null_clears(tzrec_python: Path, tmp_path: Path) -> None:
    path = _experiment(tmp_path, "stage2_x_v1", "  train_config.save_checkpoints_steps: 50\n"
                       "  train_config.save_checkpoints_epochs: null\n  train_config.num_epochs: 2\n"
                       "  data_config.label_fields: [label, label_touched]\n")
    text = render_experiments(tzrec_python, [path])["stage2_x_v1"]
    assert "save_checkpoints_steps: 50" in text and "save_checkpoints_epochs" not in text
    assert "num_epochs: 2" in text and 'label_fields: "label_touched"' in text


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner", "configs", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False)


def test_configs_render_and_diff_as_documented(rendered: dict[str, str], tmp_path: Path) -> None:
    shown = _cli("render", "stage2_dcn_v2_v5")
    assert shown.returncode == 0 and shown.stdout == rendered["stage2_dcn_v2_v5"]
    out = tmp_path / "v5.config"
    assert _cli("render", "configs/experiments/stage2_dcn_v2_v5.yml", "--out", str(out)).returncode == 0
    assert out.read_text() == rendered["stage2_dcn_v2_v5"]
    diff = _cli("diff", "stage2_dcn_v2_v1", "stage2_dcn_v2_v5")
    assert diff.returncode == 0
    changed = [line for line in diff.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-      lr: 0.001", "+      lr: 0.003"]
    same = _cli("diff", "stage2_dcn_v2_v11", "production_dcn_v2_v4")
    assert same.stdout == "stage2_dcn_v2_v11 and production_dcn_v2_v4 render to the same config"
    missing = _cli("render", "stage2_dcn_v2_v99")
    assert missing.returncode == 1 and "stage2_dcn_v2_v99 is not an experiment" in missing.stderr


def test_the_runner_renders_an_experiment_into_its_run_folder(tzrec_python: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # the default training export, in a processed folder of the test's own: the project's data/processed/ may hold
    # a build with retrieved candidates, whose features the rendered config would then read
    monkeypatch.setattr(runner.tzrec.steps, "PROCESSED_DIR", tmp_path / "processed")
    spec = render_spec(EXPERIMENTS_DIR / "stage2_dcn_v2_v11.yml")
    ids = [m for _, members in spec.feature_groups for m in members if m.endswith("_code")]
    buckets = write_buckets(tmp_path / "id_buckets.parquet", dict.fromkeys(ids, 9))
    options = RunOptions(config=Path("stage2_dcn_v2_v11"), buckets=buckets, outputs_dir=tmp_path / "outputs",
                         tzrec_python=tzrec_python)
    session = Session(options)
    text = session.run.pipeline_config.read_text()
    assert session.run.root == tmp_path / "outputs" / "stage2_dcn_v2_v11"
    assert "# Rendered by the runner from configs/experiments/stage2_dcn_v2_v11.yml" in text
    assert "# stage2_dcn_v2_v11: " in text
    assert "num_buckets: 0" not in _body(text) and "num_buckets: 9" in text
    assert f'train_input_path: "{options.train_path.absolute()}"' in text
    assert options.train_path.name == "train_all_negatives.parquet"
    assert len(session.summary.features) == 144 and session.summary.model == "dcn_v2"
