{%- set location = var('processed_dir') ~ '/train_all_negatives.parquet' -%}
{{ config(
    materialized='parquet_export',
    location=location,
    post_hook=assert_export_not_empty(location),
    enabled=var('build_all_negatives_export', true),
) }}

{#- Training samples with every negative kept, whatever negative_keep_rate says (weight 1 on every
    row; the query: macros/train_exports.sql). For the neural models, which rank better on it on the
    eval day (docs/decisions.md#sample-the-negatives-or-keep-them-all), while the GBDT keeps the
    sampled export_train: a tzrec config reads it with
    `train_input_path: "train_all_negatives.parquet"`. -#}

-- depends_on: {{ ref('dense_feature_bins') }}

{{ train_export_query(1.0) }}
