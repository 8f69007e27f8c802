{{ config(materialized='external', location=var('processed_dir') ~ '/validation.parquet') }}

{#- The validation users of the training cutoffs, every candidate (no sampling): for tuning without touching the eval day. -#}

with

samples as (

    select * from {{ ref('samples') }}
    where dataset = 'validation'

),

final as (

    select
        {{ export_select_list(ref('samples'), with_label=true, with_weight=false) }}

    from samples

)

select * from final
