"""Which export columns the GBDT reference trains on."""

from __future__ import annotations

import pyarrow as pa

from runner.baselines.gbdt import feature_columns


def test_gbdt_reads_the_dense_features_not_their_bucket_ids_keys_labels_or_ids() -> None:
    schema = pa.schema([
        ("cutoff_date", pa.string()), ("user_id", pa.int64()), ("item_id", pa.int64()),
        ("label", pa.int32()), ("label_touched", pa.int32()), ("sample_weight", pa.float64()),
        ("user_code", pa.int64()), ("item_code", pa.int64()), ("category_code", pa.int64()),
        ("label_weekday_code", pa.int64()), ("hist__item_code", pa.string()),
        ("u_clicks_1d", pa.float64()), ("u_clicks_1d_bin", pa.int64()),
        ("ui_carted_not_bought", pa.float64()), ("ui_carted_not_bought_bin", pa.int64()),
    ])
    assert feature_columns(schema) == ["label_weekday_code", "u_clicks_1d", "ui_carted_not_bought"]
