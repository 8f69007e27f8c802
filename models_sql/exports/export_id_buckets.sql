{{ config(materialized='parquet_export', location=var('processed_dir') ~ '/id_buckets.parquet') }}

{#- num_buckets of every id feature of the exports (largest code + 1; code 0 is the
    out-of-vocabulary id), read by the runner to fill tzrec configs. The dense features' bucket
    ids (<feature>_bin) count their buckets + 1 (id 0: below every training value). -#}

with

vocabulary_sizes as (

    select
        id_kind,
        max(code) + 1 as num_buckets

    from {{ ref('int_id_vocabulary') }}
    group by id_kind

),

dense_bin_sizes as (

    select
        feature_name || '_bin' as feature_name,
        max(bin) + 1 as num_buckets

    from {{ ref('dense_feature_bins') }}
    group by feature_name

),

final as (

    select
        feature_name,
        cast(num_buckets as bigint) as num_buckets

    from (
        select
            'user_code' as feature_name,
            num_buckets
        from vocabulary_sizes
        where id_kind = 'user'
        union all
        select
            'item_code' as feature_name,
            num_buckets
        from vocabulary_sizes
        where id_kind = 'item'
        union all
        select
            'category_code' as feature_name,
            num_buckets
        from vocabulary_sizes
        where id_kind = 'category'
        union all
        select
            'hist__item_code' as feature_name,
            num_buckets
        from vocabulary_sizes
        where id_kind = 'item'
        union all
        select
            'hist__category_code' as feature_name,
            num_buckets
        from vocabulary_sizes
        where id_kind = 'category'
        union all
        -- ISO weekday 1..7
        select
            'label_weekday_code' as feature_name,
            8 as num_buckets
        union all
        -- 0: never carted, 1..24: the hour 0..23 of the last cart
        select
            'last_cart_hour_code' as feature_name,
            25 as num_buckets
        union all
        -- 1: touched only, 2: retrieved only, 3: both (int_pair_candidate_sources)
        select
            'candidate_source_code' as feature_name,
            4 as num_buckets
        union all
        select
            feature_name,
            num_buckets
        from dense_bin_sizes
    ) as buckets
    -- a defined order, so that a build writes the same file every time
    order by feature_name

)

select * from final
