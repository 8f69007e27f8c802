{%- set location = var('processed_dir') ~ '/retrieval_user_eval.parquet' -%}
{{ config(
    materialized='parquet_export',
    location=location,
    post_hook=assert_retrieval_export_not_empty(location, 'user_id'),
    contract={'enforced': var('enforce_export_contracts', true)},
    enabled=var('retrieval_exports', false),
) }}

{#- The user side at the eval day's cutoff: every user seen by then, with the user tower's inputs. -#}

{{ retrieval_side_export('user', 'eval') }}
