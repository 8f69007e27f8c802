{%- set location = var('processed_dir') ~ '/retrieval_item_train.parquet' -%}
{{ config(
    materialized='parquet_export',
    location=location,
    post_hook=assert_retrieval_export_not_empty(location, 'item_id'),
    contract={'enforced': var('enforce_export_contracts', true)},
    enabled=var('retrieval_exports', false) and var('retrieval_out_of_fold', false),
) }}

{#- The item side at every training cutoff: every P item, touched or not, with the item tower's inputs, for the
    out-of-fold retrieval of the training cutoffs' candidates. -#}

{{ retrieval_side_export('item', 'train') }}
