{%- set location = var('processed_dir') ~ '/retrieval_train.parquet' -%}
{{ config(
    materialized='parquet_export',
    location=location,
    post_hook=assert_retrieval_export_not_empty(location, 'user_id'),
    contract={'enforced': var('enforce_export_contracts', true)},
    enabled=var('retrieval_exports', false),
) }}

{#- The two-tower models' training rows: the positives of the training users (int_retrieval_positives),
    each with its user and item sides as of the cutoff before its label day, shuffled by a seeded hash
    (macros/retrieval.sql). -#}

{{ retrieval_training_export('train') }}
