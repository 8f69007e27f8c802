"""Experiment configs without tzrec: the contract's kinds, feature selections, experiment files, names,
production, the index and `configs list`. Rendering through tzrec: tests/tzrec/test_experiment_render.py."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from runner.experiment_configs.contract import EXPORTS_YML, Column, classify, contract_columns
from runner.experiment_configs.experiment import (
    EXPERIMENTS_DIR,
    ExperimentError,
    experiments,
    missing_config_message,
    production_experiment,
    read_experiment,
    render_spec,
    resolve_config,
)
from runner.experiment_configs.features import FeatureError, FeatureSelection, build_features
from runner.experiment_configs.index import INDEX_MD, entries, index_markdown, list_text
from runner.main_job import default_production_config
from runner.study import Study
from runner.tzrec.config import ConfigError, train_export_of
from runner.tzrec.steps import RunOptions

ROOT = Path(__file__).resolve().parent.parent
INTEREST_AGE = ("ui_days_since_first_event", "ui_active_days_per_elapsed_day", "ui_clicks_per_active_day")


def test_every_contract_column_has_a_kind_and_a_side() -> None:
    columns = contract_columns()
    kinds = {kind: [c.name for c in columns if c.kind == kind] for kind in {c.kind for c in columns}}
    assert kinds["key"] == ["cutoff_date", "user_id", "item_id"]
    assert kinds["label"] == ["label", "label_touched"] and kinds["weight"] == ["sample_weight"]
    assert kinds["id"] == ["user_code", "item_code", "category_code", "candidate_source_code", "label_weekday_code",
                           "last_cart_hour_code"]
    assert kinds["sequence"] == ["hist__item_code", "hist__category_code"]
    # the 141 features and the candidates' recall score and rank (read only with retrieved candidates)
    assert len(kinds["dense"]) == 143 and set(INTEREST_AGE) | {"recall_score", "recall_rank"} <= set(kinds["dense"])
    assert kinds["bin"] == [f"{name}_bin" for name in kinds["dense"]]  # every dense feature has its bucket id
    sides = {c.name: c.side for c in columns}
    assert (sides["u_p_clicks_1d"], sides["user_geo_unknown"], sides["i_category_rank"], sides["c_items_all"],
            sides["ui_recency_rank"], sides["uc_items_all_bin"], sides["is_sale_label_day"],
            sides["candidate_source_code"], sides["recall_score"]) == \
        ("user", "user", "item", "item", "context", "context", "context", "context", "context")
    assert classify("hist__item_code") == Column("hist__item_code", "sequence", "item")


COLUMNS = [classify(name) for name in (
    "cutoff_date", "label", "user_code", "item_code", "category_code", "hist__item_code", "u_clicks_1d",
    "ui_carts_3d", "ui_days_since_first_event", "u_clicks_1d_bin", "ui_carts_3d_bin", "ui_days_since_first_event_bin",
)]


def _selection(**changes: object) -> FeatureSelection:
    data = {"embedding_dim": 8, "dense": "autodis", "autodis_channels": 3, "exclude": ["user_code", "item_code"],
            "groups": {"all": ["id", "dense"]}}
    return FeatureSelection.from_mapping({**data, **changes}, "test.yml")


def test_a_selection_makes_feature_configs_and_groups_in_the_exports_order() -> None:
    features = build_features(_selection(), COLUMNS, 20, "test.yml")
    assert dict(features.groups) == {"all": ("category_code", "u_clicks_1d", "ui_carts_3d",
                                             "ui_days_since_first_event")}
    assert features.feature_configs[0] == ('id_feature { feature_name: "category_code" expression: '
                                           '"item:category_code" embedding_dim: 8 num_buckets: 0 }')
    assert features.feature_configs[1] == ('raw_feature { feature_name: "u_clicks_1d" expression: "user:u_clicks_1d" '
                                           'embedding_dim: 8 autodis { num_channels: 3 } }')
    # an excluded dense column takes its bucket id along; a column named exactly is selected anyway
    features = build_features(_selection(exclude=["user_code", "item_code", "ui_days_*"], groups={
        "wide": ["id", "ui_*_bin"], "seq": ["item_code", "sequence"]}), COLUMNS, 20, "test.yml")
    assert dict(features.groups) == {"wide": ("category_code", "ui_carts_3d_bin"),
                                     "seq": ("item_code", "hist__item_code")}
    # the item id shares its table with the sequence of items; the sequence is the export's length
    assert 'feature_name: "item_code" expression: "item:item_code" embedding_dim: 8 num_buckets: 0 ' \
           'embedding_name: "item_code_emb"' in features.feature_configs[0]
    assert features.feature_configs[2].startswith('sequence_feature { sequence_name: "hist" sequence_length: 20 '
                                                  'sequence_delim: ";" features { id_feature { feature_name: '
                                                  '"item_code"')
    # dense: bins reads every dense column as its bucket id; raw reads the number itself
    bins = build_features(_selection(dense="bins"), COLUMNS, 20, "test.yml")
    assert dict(bins.groups)["all"][1:] == ("u_clicks_1d_bin", "ui_carts_3d_bin", "ui_days_since_first_event_bin")
    raw = build_features(_selection(dense="raw", embedding_dim=16), COLUMNS, 20, "test.yml")
    assert 'raw_feature { feature_name: "ui_carts_3d" expression: "context:ui_carts_3d" }' in raw.feature_configs
    assert raw.summary(_selection(dense="raw", embedding_dim=16)) == \
        "1 id, 3 dense (raw values; embeddings 16 wide)"


@pytest.mark.parametrize(("changes", "message"), [
    ({"dense": "embed"}, "dense is 'embed': write one of autodis, raw, bins"),
    ({"autodis_channels": None}, "dense: autodis needs autodis_channels"),
    ({"embedding_dim": 0}, "embedding_dim is 0"),
    ({"groups": {"all": "id"}}, "groups: all is a list of selectors"),
    ({"channels": 3}, "unknown key(s) channels"),
])
def test_a_bad_selection_is_refused_with_the_fix(changes: dict, message: str) -> None:
    with pytest.raises(FeatureError, match=re.escape(message)):
        _selection(**changes)


@pytest.mark.parametrize(("changes", "message"), [
    ({"exclude": ["user_cod"]}, "exclude: 'user_cod' matches no column of the export contract"),
    ({"groups": {"all": ["id", "dens"]}}, "groups: all: 'dens' is neither a kind"),
    ({"groups": {"all": ["x_*"]}}, "groups: all: 'x_*' matches no column"),
])
def test_a_selection_naming_no_column_is_refused(changes: dict, message: str) -> None:
    with pytest.raises(FeatureError, match=re.escape(message)):
        build_features(_selection(**changes), COLUMNS, 20, "test.yml")


def test_the_judged_experiments_keep_the_features_they_ran_with() -> None:
    """stage2 v1-v10 ran before the three interest-age features existed (138 dense); v11 and later read 141."""
    known = experiments()
    dense = {name: dict(render_spec(e.path, known=known).feature_groups) for name, e in known.items()}
    v1 = dense["stage2_dcn_v2_v1"]["all"]
    assert len(v1) == 141 and not set(INTEREST_AGE) & set(v1)
    assert set(INTEREST_AGE) <= set(dense["stage2_dcn_v2_v11"]["all"]) and len(dense["stage2_dcn_v2_v11"]["all"]) == 144
    assert len(dense["stage2_dcn_v2_v12"]["all"]) == 144 + 47
    assert dense["stage2_dcn_v2_v4"]["all"][3:] == tuple(f"{n}_bin" for n in v1[3:])
    assert len(dense["stage2_xdeepfm_v1"]["wide"]) == 3 + 47


def _contract_with_a_new_column(tmp_path: Path, column: str) -> Path:
    contract = yaml.safe_load(EXPORTS_YML.read_text())
    train = next(model for model in contract["models"] if model["name"] == "export_train")
    train["columns"].append({"name": column, "data_type": "double"})
    path = tmp_path / "_exports__models.yml"
    path.write_text(yaml.safe_dump(contract, sort_keys=False))
    return path


def test_one_new_export_column_reaches_every_experiment_that_selects_its_kind(tmp_path: Path) -> None:
    contract = _contract_with_a_new_column(tmp_path, "ui_clicks_14d")
    path = EXPERIMENTS_DIR / "stage2_dcn_v2_v11.yml"
    before, after = render_spec(path), render_spec(path, contract)
    assert len(after.feature_configs) == len(before.feature_configs) + 1
    assert after.feature_configs[-1] == ('raw_feature { feature_name: "ui_clicks_14d" expression: '
                                         '"context:ui_clicks_14d" embedding_dim: 8 autodis { num_channels: 3 } }')
    assert dict(after.feature_groups)["all"] == (*dict(before.feature_groups)["all"], "ui_clicks_14d")
    # a bucket id is a kind of its own: an experiment reading the dense columns as they are does not take it
    assert render_spec(path, _contract_with_a_new_column(tmp_path, "ui_clicks_14d_bin")).feature_configs == \
        before.feature_configs


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("name", "text", "message"), [
    ("stage2_x", "description: d\nbase: dcn_v2\n", "is not <stage>_<model>_<version>"),
    ("stage2_x_v1", "description: d\nbase: dcn_v2\nchange: {}\n", "unknown key(s) change"),
    ("stage2_x_v1", "base: dcn_v2\n", "`description` is missing"),
    ("stage2_x_v1", "description: d\nbase: dcn_v2\nchanges: {train_config: {num_epochs: 2}}\n",
     "changes: train_config: a value is a scalar"),
    ("stage2_x_v1", "description: d\nbase: dcn_v2\nretired: true\n", "marks a production_* experiment"),
    ("stage2_x_v1", "- a list\n", "an experiment is a mapping"),
])
def test_a_bad_experiment_file_is_refused_with_the_file_and_the_fix(tmp_path: Path, name: str, text: str,
                                                                     message: str) -> None:
    with pytest.raises(ExperimentError, match=re.escape(message)) as error:
        read_experiment(_write(tmp_path, name, text))
    assert f"{name}.yml" in str(error.value)


def test_a_base_chain_ends_at_a_family_base(tmp_path: Path) -> None:
    _write(tmp_path, "stage2_a_v1", "description: d\nbase: stage2_b_v1\n")
    _write(tmp_path, "stage2_b_v1", "description: d\nbase: stage2_a_v1\n")
    with pytest.raises(ExperimentError, match="its base chain loops: stage2_a_v1 <- stage2_b_v1 <- stage2_a_v1"):
        render_spec(tmp_path / "stage2_a_v1.yml")
    _write(tmp_path, "stage2_c_v1", "description: d\nbase: dcn\n")
    with pytest.raises(ExperimentError, match=r"base 'dcn' is neither an experiment .* \(dbmtl, dcn_v2, deepfm"):
        render_spec(tmp_path / "stage2_c_v1.yml")
    _write(tmp_path, "stage2_d_v1", "description: d\nbase: dcn_v2\n")
    with pytest.raises(ExperimentError, match="gives `features:`"):
        render_spec(tmp_path / "stage2_d_v1.yml")


def test_production_is_the_one_production_experiment_not_retired(tmp_path: Path) -> None:
    assert production_experiment() == default_production_config() == EXPERIMENTS_DIR / "production_dcn_v2_v4.yml"
    assert read_experiment(EXPERIMENTS_DIR / "production_dcn_v2_v3.yml").retired
    _write(tmp_path, "production_a_v1", "description: d\nbase: dcn_v2\n")
    _write(tmp_path, "production_a_v2", "description: d\nbase: dcn_v2\n")
    with pytest.raises(FileNotFoundError, match="found production_a_v1, production_a_v2"):
        production_experiment(tmp_path)
    _write(tmp_path, "production_a_v1", "description: d\nbase: dcn_v2\nretired: true\n")
    assert production_experiment(tmp_path) == tmp_path / "production_a_v2.yml"


def test_an_experiment_is_named_by_its_name_or_its_file(tmp_path: Path) -> None:
    v11 = EXPERIMENTS_DIR / "stage2_dcn_v2_v11.yml"
    assert resolve_config("stage2_dcn_v2_v11") == v11 and resolve_config(v11) == v11
    options = RunOptions(config=Path("stage2_dcn_v2_v11"))
    assert options.config == v11 and options.train_path.name == "train_all_negatives.parquet"
    assert RunOptions.from_exports(Path("stage2_dcn_v2_v1"), tmp_path).train_path == tmp_path / "train.parquet"
    # a stale path to a removed .config names the experiment to use instead
    message = missing_config_message("configs/staging/stage2_dcn_v2_v11.config")
    assert "pass --config stage2_dcn_v2_v11" in message and "configs list" in message
    with pytest.raises(FileNotFoundError, match="stage2_nothing_v1 does not exist"):
        _ = RunOptions(config=Path("stage2_nothing_v1")).train_path


def test_an_experiment_trains_on_the_export_its_base_chain_names(tmp_path: Path) -> None:
    assert train_export_of(EXPERIMENTS_DIR / "stage2_dcn_v2_v1.yml") == "train.parquet"
    # v11 inherits production_dcn_v2_v3's train_input_path; DIN v3 changes its own
    assert train_export_of(Path("stage2_dcn_v2_v11")) == "train_all_negatives.parquet"
    assert train_export_of(Path("stage2_din_v3")) == "train_all_negatives.parquet"
    bad = _write(tmp_path, "stage2_x_v1",
                 "description: d\nbase: dcn_v2\nchanges: {train_input_path: /data/t.parquet}\n")
    with pytest.raises(ConfigError, match=r"stage2_x_v1.yml: changes: train_input_path: train_input_path "
                       r"'/data/t.parquet' is not a training export"):
        train_export_of(bad)


def test_study_files_name_experiments_by_file_or_name(tmp_path: Path) -> None:
    for path in sorted((ROOT / "configs" / "studies").glob("*.yml")):
        assert all(config.is_file() and config.parent == EXPERIMENTS_DIR for config in Study.read(path).tzrec), path
    study = tmp_path / "study.yml"
    study.write_text("generator_seeds: [1]\ntzrec: [stage2_dcn_v2_v1, configs/experiments/stage2_din_v3.yml]\n")
    assert Study.read(study).train_exports == ("train.parquet", "train_all_negatives.parquet")


def test_the_index_is_current() -> None:
    assert INDEX_MD.read_text() == index_markdown(entries()), \
        "configs/INDEX.md is stale: run `python -m runner configs index` and commit it"


def _decision_record_anchors() -> set[str]:
    """The #anchors of docs/decisions.md's headings, as GitHub makes them."""
    headings = re.findall(r"^#{1,6} (.+)$", (ROOT / "docs" / "decisions.md").read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_a_decision_links_an_entry_of_the_decision_record_and_the_index_links_it() -> None:
    anchors = _decision_record_anchors()
    assert "xdeepfm-or-dlrm" in anchors and "does-the-interests-age-help" in anchors  # the slugs as GitHub's
    index = INDEX_MD.read_text()
    linked = 0
    for name, experiment in experiments().items():
        for anchor in re.findall(r"docs/decisions\.md#([\w-]+)", experiment.decision):
            assert anchor in anchors, f"{experiment.path.name}: no entry docs/decisions.md#{anchor}"
            assert f"[decision record](../docs/decisions.md#{anchor})" in index, name
            linked += 1
    assert linked >= len(experiments()) // 2  # the record's experiments link their entry


def test_the_index_takes_each_months_last_row_of_the_log(tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    studies.mkdir()
    (studies / "screen.yml").write_text("generator_seeds: [1, 2]\nmodel_seeds: [1]\ntzrec: [stage2_dcn_v2_v5]\n")
    (studies / "full.yml").write_text("variant: v\ndbt_vars: {}\ngenerator_seeds: [1, 2]\nmodel_seeds: [1, 2]\n"
                                      "tzrec: [stage2_dcn_v2_v5]\n")
    log = tmp_path / "experiments.csv"
    log.write_text("run,f1\n"
                   "outputs/study/seed_1/m1/stage2_dcn_v2_v5,0.1000\n"
                   "outputs/study/seed_2/m1/stage2_dcn_v2_v5,0.2000\n"
                   "outputs/study/seed_1/m1/stage2_dcn_v2_v5,0.3000\n"  # scored again: the last row counts
                   "outputs/study_variants/v/seed_1/mean/stage2_dcn_v2_v5,0.5000\n")
    entry = next(e for e in entries(studies_dir=studies, log=log) if e.experiment.name == "stage2_dcn_v2_v5")
    assert [r.text() for r in entry.results] == ["full (1 of 2 months logged)", "screen 0.2500"]
    assert entry.chain == ("stage2_dcn_v2_v1", "dcn_v2")
    assert entry.own_changes == ["train_config.dense_optimizer.adam_optimizer.lr: 0.003"]


def test_configs_list_from_the_project_root() -> None:
    result = subprocess.run([sys.executable, "-m", "runner", "configs", "list"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == list_text(entries()) + "\n"
    for name in experiments():
        assert f"\n{name}" in f"\n{result.stdout}"
    assert ("production_dcn_v2_v4  <- stage2_dcn_v2_v11 <- production_dcn_v2_v3 <- stage2_dcn_v2_v1 <- dcn_v2\n"
            "    stage2_dcn_v2_v11, promoted") in result.stdout
    assert "production_dcn_v2_v3 (retired)  <- stage2_dcn_v2_v1 <- dcn_v2" in result.stdout
