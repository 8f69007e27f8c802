{%- set location = var('processed_dir') ~ '/retrieval_item_eval.parquet' -%}
{{ config(
    materialized='parquet_export',
    location=location,
    post_hook=assert_retrieval_export_not_empty(location, 'item_id'),
    contract={'enforced': var('enforce_export_contracts', true)},
    enabled=var('retrieval_exports', false),
) }}

{#- The item side at the eval day's cutoff: every P item, touched or not, with the item tower's inputs. -#}

{{ retrieval_side_export('item', 'eval') }}
