{%- set location = var('processed_dir') ~ '/validation.parquet' -%}
{{ config(materialized='parquet_export', location=location, post_hook=assert_export_not_empty(location)) }}

{#- The validation users of the training cutoffs, every candidate (no sampling): for
    tuning without touching the eval day. -#}

-- depends_on: {{ ref('dense_feature_bins') }}

with

samples as (

    select * from {{ ref('samples') }}
    where dataset = 'validation'

),

final as (

    select
        {{ export_select_list(ref('samples'), with_label=true, with_weight=false, with_aux_label=true) }}

    from samples
    -- a defined order (by key), so that a build writes the same file every time
    order by samples.cutoff_date, samples.user_id, samples.item_id

)

select * from final
