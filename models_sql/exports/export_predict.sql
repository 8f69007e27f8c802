{%- set location = var('processed_dir') ~ '/predict.parquet' -%}
{{ config(materialized='parquet_export', location=location, post_hook=assert_export_not_empty(location)) }}

{#- The day to predict: cutoff predict_label_date - 1 (the last logged day) with every
    candidate; no label exists. -#}

-- depends_on: {{ ref('dense_feature_bins') }}

with

samples as (

    select * from {{ ref('samples') }}
    where dataset = 'predict'

),

final as (

    select
        {{ export_select_list(ref('samples'), with_label=false, with_weight=false) }}

    from samples
    -- a defined order (by key), so that a build writes the same file every time
    order by samples.user_id, samples.item_id

)

select * from final
