{#- The query of a training export (export_train, export_train_all_negatives): every training
    cutoff, the users outside the validation split, all positives and a seeded-hash share
    negative_keep_rate of the negatives. sample_weight is 1 / (the row's keep rate), so weighted
    statistics and calibrated scores are unbiased. One query for both exports, so that at a keep
    rate of 1.0 export_train is row for row export_train_all_negatives (same hash, same order):
    the negative_keep_1 study's runs are what the all-negatives export trains. -#}
{% macro train_export_query(negative_keep_rate) -%}

with

samples as (

    select
        *,
        -- the key the seeded sampling and shuffling hash
        {{ sample_key('cutoff_date', 'user_id', 'item_id') }} as sample_key

    from {{ ref('samples') }}
    where dataset = 'train'

),

sampled as (

    select
        *,
        cast(case when label = 1 then 1.0 else 1.0 / {{ negative_keep_rate }} end as double) as sample_weight

    from samples
    where
        label = 1
        or {{ is_kept_negative('sample_key', negative_keep_rate) }}

),

final as (

    select
        {{ export_select_list(ref('samples'), with_label=true, with_weight=true, with_aux_label=true) }}

    from sampled
    -- a seeded shuffle: tzrec reads the file in order, and days in order would bias each batch;
    -- the key breaks ties of the 32-bit hash, so every engine writes the same order
    order by {{ hash_fraction('sampled.sample_key', var('sampling_seed') + 1) }}, sampled.sample_key

)

select * from final

{%- endmacro %}


{#- The key a training sample's seeded sampling and shuffle hash: 'cutoff:user:item'. -#}
{% macro sample_key(cutoff_date, user_id, item_id) -%}
    cast({{ cutoff_date }} as {{ string_type() }}) || ':' || cast({{ user_id }} as {{ string_type() }})
    || ':' || cast({{ item_id }} as {{ string_type() }})
{%- endmacro %}

{#- Whether a training negative with this sample key is kept at this keep rate: a seeded hash, so
    the negatives kept at a rate are the same in every model that samples them. -#}
{% macro is_kept_negative(key, keep_rate) -%}
    {{ hash_fraction(key, var('sampling_seed')) }} < {{ keep_rate }}
{%- endmacro %}

{#- The share of training negatives any export keeps: every one while export_train_all_negatives is
    built, else negative_keep_rate (int_pair_sample_keys builds features for no other). -#}
{% macro exported_negative_rate() -%}
    {{ return(1.0 if var('build_all_negatives_export', true) else var('negative_keep_rate')) }}
{%- endmacro %}
