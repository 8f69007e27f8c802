{%- set location = var('processed_dir') ~ '/train.parquet' -%}
{{ config(materialized='external', location=location, post_hook=tianchi_assert_export_not_empty(location)) }}

{#- Training samples: every training cutoff, users outside the validation split, all
    positives and a seeded-hash share negative_keep_rate of the negatives. sample_weight is
    1 / (the row's keep rate), so weighted statistics and calibrated scores are unbiased. -#}

with

samples as (

    select
        *,
        -- the key the seeded sampling and shuffling hash
        cast(cutoff_date as {{ tianchi_string_type() }}) || ':' || cast(user_id as {{ tianchi_string_type() }})
        || ':' || cast(item_id as {{ tianchi_string_type() }})
            as sample_key

    from {{ ref('samples') }}
    where dataset = 'train'

),

sampled as (

    select
        *,
        cast(case when label = 1 then 1.0 else 1.0 / {{ var('negative_keep_rate') }} end as double) as sample_weight

    from samples
    where
        label = 1
        or {{ tianchi_hash_fraction('sample_key', var('sampling_seed')) }}
        < {{ var('negative_keep_rate') }}

),

bin_starts as (

    select * from {{ ref('dense_feature_bin_starts') }}

),

final as (

    select
        {{ export_select_list(ref('samples'), with_label=true, with_weight=true, with_aux_label=true) }}

    from sampled
    cross join bin_starts
    -- a seeded shuffle: tzrec reads the file in order, and days in order would bias each batch;
    -- the key breaks ties of the 32-bit hash, so every engine writes the same order
    order by {{ tianchi_hash_fraction('sampled.sample_key', var('sampling_seed') + 1) }}, sampled.sample_key

)

select * from final
