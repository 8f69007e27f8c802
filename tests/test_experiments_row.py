"""The experiments row says which label days the run's exports were built with: the scale's, where a scale
changed them."""

from __future__ import annotations

from runner.experiments import data_range
from runner.scales import Scale


def test_the_data_range_reads_the_scales_label_days() -> None:
    assert data_range().startswith("train labels 2014-11-25..2014-12-17 ")
    online = data_range(Scale.read("online").dbt_vars)
    assert online.startswith("train labels 2014-12-06..2014-12-17 ") and online.endswith("predict 2014-12-19")
