"""The dbt project's layout and names, read from its files (no dbt run): every path dbt_project.yml names
exists, and the macros follow the naming rule of dbt_project/macros/README.md."""

from __future__ import annotations

import re
from pathlib import Path

import dbt.include
import yaml
from dbt_helpers import PROJECT_ROOT

MACROS = PROJECT_ROOT / "dbt_project" / "macros"
SQL_FOLDERS = (PROJECT_ROOT / "models_sql", PROJECT_ROOT / "dbt_project")
ADAPTERS = ("default", "duckdb", "spark")
DEFINITION = re.compile(r"\{%-?\s*(macro|test)\s+(\w+)\s*\(")
DISPATCH = re.compile(r"adapter\.dispatch\(([^)]*)\)")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
JINJA_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


def definitions(folder: Path) -> dict[str, tuple[str, Path]]:
    """Macro (or generic test) name -> (kind, file), for every definition under the folder."""
    found: dict[str, tuple[str, Path]] = {}
    for path in sorted(folder.rglob("*.sql")):
        for kind, name in DEFINITION.findall(path.read_text()):
            assert name not in found, f"{name} is defined twice: {found[name][1]} and {path}"
            found[name] = (kind, path)
    return found


def dbt_own_macros() -> set[str]:
    """The macro names of dbt itself and of its installed adapters, without the adapter prefix."""
    names: set[str] = set()
    for root in map(Path, dbt.include.__path__):
        for path in root.rglob("*.sql"):
            names.update(re.sub(r"^\w+?__", "", name) for _, name in DEFINITION.findall(path.read_text()))
    return names


def adapter_and_name(macro: str) -> tuple[str | None, str]:
    adapter, sep, name = macro.partition("__")
    return (adapter, name) if sep and adapter in ADAPTERS else (None, macro)


def test_every_path_the_project_names_exists() -> None:
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    settings = {key: value for key, value in project.items() if key.endswith("-paths")}
    assert {"model-paths", "macro-paths", "test-paths", "seed-paths"} <= set(settings)
    missing = [f"{key}: {folder}" for key, folders in settings.items() for folder in folders
               if not (PROJECT_ROOT / folder).is_dir()]
    assert missing == []


def test_project_macros_have_no_prefix_and_spell_behavior_as_the_raw_column() -> None:
    names = definitions(MACROS)
    assert len(names) > 50
    assert [name for name in names if name.startswith("tianchi")] == []
    assert [name for name in names if "behaviour" in name] == []
    # nor in a variable or a call inside the models' and macros' jinja (prose and comments may say behaviour)
    in_code = [f"{path.relative_to(PROJECT_ROOT)}: {code.strip()[:60]}"
               for folder in SQL_FOLDERS for path in sorted(folder.rglob("*.sql"))
               for code in JINJA_CODE.findall(JINJA_COMMENT.sub("", path.read_text())) if "behaviour" in code]
    assert in_code == []


def test_dispatched_macros_use_the_project_namespace_and_have_engine_versions() -> None:
    names = definitions(MACROS)
    dispatched = set()
    for path in sorted(MACROS.rglob("*.sql")):
        for arguments in DISPATCH.findall(path.read_text()):
            parts = [part.strip().strip("'\"") for part in arguments.split(",")]
            assert len(parts) == 2 and parts[1] == "tianchi", f"{path.name}: adapter.dispatch({arguments})"
            dispatched.add(parts[0])
    assert dispatched, "no adapter.dispatch call found"
    for name in sorted(dispatched):
        assert name in names, f"{name} is dispatched but not defined"
        assert any(f"{adapter}__{name}" in names for adapter in ADAPTERS), f"{name} has no <adapter>__{name}"
    # every engine version belongs to a dispatcher of the project, or replaces one of dbt's own macros
    own = dbt_own_macros()
    orphans = [macro for macro in names
               if adapter_and_name(macro)[0] and adapter_and_name(macro)[1] not in dispatched | own]
    assert orphans == []


def test_no_project_macro_takes_the_name_of_one_of_dbts_own() -> None:
    own = dbt_own_macros()
    assert {"date_spine", "string_literal", "safe_cast"} <= own  # the list is read, not empty
    plain = {name for name, (kind, _) in definitions(MACROS).items()
             if kind == "macro" and not adapter_and_name(name)[0]}
    assert sorted(plain & own) == []


DOC_REF = re.compile(r"\{\{\s*doc\(\s*['\"](\w+)['\"]\s*\)\s*\}\}")
DOC_BLOCK = re.compile(r"\{%-?\s*docs\s+(\w+)\s*-?%\}")


def descriptions(node: object) -> list[str]:
    """Every `description:` value in a parsed yml, nested anywhere."""
    if isinstance(node, dict):
        return [value for key, value in node.items() if key == "description" and isinstance(value, str)] + [
            text for key, value in node.items() if key != "description" for text in descriptions(value)]
    if isinstance(node, list):
        return [text for item in node for text in descriptions(item)]
    return []


def test_a_description_used_more_than_once_is_a_doc_block_and_every_block_is_used() -> None:
    ymls = [path for folder in SQL_FOLDERS for path in sorted(folder.rglob("*.yml"))]
    texts = [text for path in ymls for text in descriptions(yaml.safe_load(path.read_text()))]
    literal = [" ".join(text.split()) for text in texts if not DOC_REF.fullmatch(text.strip())]
    repeated = sorted({text for text in literal if literal.count(text) > 1})
    assert repeated == [], "write these once, as doc blocks"

    blocks = [name for folder in SQL_FOLDERS for path in sorted(folder.rglob("*.md"))
              for name in DOC_BLOCK.findall(path.read_text())]
    assert len(blocks) == len(set(blocks)) and len(blocks) > 300
    used = {name for text in texts for name in DOC_REF.findall(text)}
    assert sorted(used - set(blocks)) == [], "references to missing doc blocks"
    assert sorted(set(blocks) - used) == [], "doc blocks nothing references"
