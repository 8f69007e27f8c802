{%- set location = var('processed_dir') ~ '/eval.parquet' -%}
{{ config(materialized='parquet_export', location=location, post_hook=assert_export_not_empty(location)) }}

{#- The eval day: cutoff eval_label_date - 1 with every candidate (no sampling),
    labelled with the purchases of eval_label_date. -#}

-- depends_on: {{ ref('dense_feature_bins') }}

with

samples as (

    select * from {{ ref('samples') }}
    where dataset = 'eval'

),

final as (

    select
        {{ export_select_list(ref('samples'), with_label=true, with_weight=false) }}

    from samples
    -- a defined order (by key), so that a build writes the same file every time
    order by samples.user_id, samples.item_id

)

select * from final
