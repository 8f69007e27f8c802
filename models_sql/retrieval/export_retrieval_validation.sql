{%- set location = var('processed_dir') ~ '/retrieval_validation.parquet' -%}
{{ config(
    materialized='parquet_export',
    location=location,
    post_hook=assert_retrieval_export_not_empty(location, 'user_id'),
    contract={'enforced': var('enforce_export_contracts', true)},
    enabled=var('retrieval_exports', false),
) }}

{#- The validation users' positives, as export_retrieval_train's rows: what the two-tower models are
    evaluated on while they train (never the eval day). -#}

{{ retrieval_training_export('validation') }}
