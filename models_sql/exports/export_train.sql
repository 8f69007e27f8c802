{%- set location = var('processed_dir') ~ '/train.parquet' -%}
{{ config(materialized='parquet_export', location=location, post_hook=assert_export_not_empty(location)) }}

{#- Training samples: all positives and a seeded-hash share negative_keep_rate of the negatives,
    weighted by 1 / keep rate (the query: macros/train_exports.sql). The GBDT reference and the
    tzrec configs that leave train_input_path to the runner train on it. -#}

-- depends_on: {{ ref('dense_feature_bins') }}

{{ train_export_query(var('negative_keep_rate')) }}
