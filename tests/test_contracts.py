"""The exports' contract writer (runner/contracts.py): its yml reads back as the entries it was given, so a key
added to a column's entry (e.g. `meta`) lands in the yml as it is; descriptions go to doc blocks, once each."""

from __future__ import annotations

from typing import Any

import yaml

from runner.contracts import contract_column, describe, doc_name, yml_text


def test_a_column_entry_reads_back_as_written_whatever_it_holds() -> None:
    column: dict[str, Any] = contract_column("item_id", "bigint")
    column["meta"] = {"tzrec": {"feature": "id_feature", "buckets": 0, "note": "a: b # c", "empty": "",
                                "words": ["null", "true", "1", "x y"], "flag": False, "nothing": None}}
    entry = {"models": [{"name": "export_x", "description": "Text: with a colon, {braces} and 'quotes'.",
                         "columns": [column, contract_column("u_click_1d", "double")]}]}
    text = yml_text(entry)
    assert yaml.safe_load(text) == entry
    assert "        description: \"{{ doc('exports__item_id') }}\"\n" in text
    assert "          - relationships:\n              arguments: {to: ref('int_p_items'), field: item_id}\n" in text
    assert "        meta:\n          tzrec: {feature: id_feature, " in text  # block style down to a flat mapping


def test_a_columns_description_is_its_doc_block() -> None:
    column = contract_column("u_p_click_3d", "double")
    assert column["description"] == "{{ doc('" + doc_name("u_p_click_3d") + "') }}"
    assert describe("u_p_click_3d") == "ln(1 + click) of the user on P items over the 3 day(s) up to the cutoff."
