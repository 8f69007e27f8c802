"""The two-tower side of the runner without tzrec: two-tower experiments select their features from the retrieval
exports' contract, the towers' features and temperature read from a rendered config, the two-tower run folder,
the --benchmark table."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.experiment_configs.contract import EXPORTS_YML, RETRIEVAL_EXPORTS_YML, contract_columns, family_contract
from runner.experiment_configs.experiment import EXPERIMENTS_DIR, render_spec
from runner.retrieval.command import benchmark_table
from runner.retrieval.runfolder import TwoTowerRunFolder, step_parts
from runner.retrieval.session import temperature_of, tower_columns
from runner.tzrec.config import ConfigError


def test_a_two_tower_experiment_selects_from_the_retrieval_contract() -> None:
    spec = render_spec(EXPERIMENTS_DIR / "stage1_dssm_v1.yml")
    assert spec.contract == RETRIEVAL_EXPORTS_YML and "Features from models_sql/retrieval/" in spec.header
    groups = dict(spec.feature_groups)
    assert groups["user"][:2] == ("hist__category_code", "p_hist__category_code")
    assert all(name.startswith("u_") for name in groups["user"][2:]) and len(groups["user"]) > 30
    assert groups["item"][0] == "category_code"
    assert {name[:2] for name in groups["item"][1:]} == {"i_", "c_"}
    # the user's category sequences and the item's category share one embedding name (dssm_v2 shares the table)
    shared = [config for config in spec.feature_configs if 'embedding_name: "category_code_emb"' in config]
    assert len(shared) == 3
    mind = dict(render_spec(EXPERIMENTS_DIR / "stage1_mind_v1.yml").feature_groups)
    assert mind["hist"] == ("p_hist__category_code",) and "hist__category_code" in mind["user"]
    # a ranking experiment still reads the ranking exports' contract
    assert render_spec(EXPERIMENTS_DIR / "stage2_dcn_v2_v11.yml").contract == EXPORTS_YML


def test_the_family_decides_the_contract() -> None:
    assert family_contract("dssm") == (RETRIEVAL_EXPORTS_YML, "export_retrieval_train")
    assert family_contract("mind", Path("other.yml")) == (Path("other.yml"), "export_retrieval_train")
    assert family_contract("dcn_v2") == (EXPORTS_YML, "export_train")
    names = [column.name for column in contract_columns(RETRIEVAL_EXPORTS_YML, "export_retrieval_train")]
    assert names[:4] == ["cutoff_date", "user_id", "item_id", "label"] and "label_touched" not in names


RENDERED = """\
model_config {
  feature_groups {
    group_name: "user"
    feature_names: "u_clicks_1d"
    group_type: DEEP
  }
  feature_groups {
    group_name: "hist"
    feature_names: "p_hist__category_code"
    group_type: SEQUENCE
  }
  feature_groups {
    group_name: "item"
    feature_names: "category_code"
    feature_names: "i_clicks_1d"
    group_type: DEEP
  }
  mind {
    user_tower {
      input: "user"
      history_input: "hist"
      user_mlp {
        hidden_units: 8
      }
    }
    item_tower {
      input: "item"
      mlp {
        hidden_units: 8
      }
    }
    output_dim: 8
    temperature: 0.05
  }
}
"""


def test_the_towers_features_and_temperature_come_from_the_rendered_config() -> None:
    assert tower_columns(RENDERED) == {"user": {"u_clicks_1d", "p_hist__category_code"},
                                       "item": {"category_code", "i_clicks_1d"}}
    assert temperature_of(RENDERED) == 0.05
    assert temperature_of(RENDERED.replace("    temperature: 0.05\n", "")) == 1.0  # tzrec's default
    with pytest.raises(ConfigError, match="no item tower"):
        tower_columns(RENDERED.replace("item_tower", "other_tower"))


def test_the_two_tower_run_folder_knows_each_steps_outputs(tmp_path: Path) -> None:
    run = TwoTowerRunFolder(tmp_path / "stage1_dssm_v1")
    assert step_parts("embed_user_eval") == ("embed", "user", "eval")
    assert step_parts("retrieve_predict") == ("retrieve", None, "predict")
    assert step_parts("export") == ("export", None, None)
    assert not run.outputs_present("export")
    for side in ("user", "item"):
        (run.tower_dir(side)).mkdir(parents=True)
        for name in ("scripted_model.pt", "pipeline.config"):
            (run.tower_dir(side) / name).write_text("x")
    assert run.outputs_present("export")
    run.embeddings_dir("user", "eval").mkdir(parents=True)
    (run.embeddings_dir("user", "eval") / "part-0.parquet").write_text("x")
    run.retrieved_file("eval").parent.mkdir(parents=True)
    run.retrieved_file("eval").write_text("x")
    assert run.outputs_present("embed_user_eval") and not run.outputs_present("embed_item_eval")
    assert run.outputs_present("retrieve_eval") and not run.outputs_present("retrieve_predict")
    run.remove_outputs("retrieve_eval")
    run.remove_outputs("embed_user_eval")
    assert not run.outputs_present("retrieve_eval") and not run.outputs_present("embed_user_eval")
    assert run.outputs_present("export")


def test_the_benchmark_table_says_whether_each_retrieval_kept_to_the_budget() -> None:
    record = {"seconds": 37.0, "peak_rss_gb": 1.4,
              "retrieval": {"users": 20000, "items": 550016, "distinct_item_vectors": 213761, "interests": 1,
                            "top_n": 200, "seconds": 33.0}}
    slow = {**record, "seconds": 130.0}
    lines = benchmark_table({"retrieve_eval": record, "retrieve_predict": slow}).splitlines()
    assert "within 120 s and 4 GB" in lines[0]
    assert lines[1].split()[:3] == ["retrieve_eval", "20,000", "550,016"] and lines[1].endswith("yes")
    assert lines[2].endswith("NO")


def test_retrieve_builds_the_retrieval_exports_only_when_one_is_missing(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import runner.dbt
    from runner.retrieval.command import ensure_exports

    calls: list[tuple[list[str], dict]] = []
    monkeypatch.setattr(runner.dbt, "run_dbt", lambda args, dbt_vars: calls.append((list(args), dbt_vars)))
    names = ["retrieval_train", "retrieval_validation", "retrieval_user_eval", "retrieval_item_eval"]
    for name in names:
        (tmp_path / f"{name}.parquet").write_text("x")
    ensure_exports(tmp_path, ("eval",))
    assert calls == []
    ensure_exports(tmp_path, ("eval", "predict"))  # the predict day's sides are missing
    assert calls == [(["build", "--select", "path:models_sql/retrieval", "--exclude", "int_pair_retrieved_candidates"],
                      {"retrieval_exports": True, "processed_dir": str(tmp_path)})]
