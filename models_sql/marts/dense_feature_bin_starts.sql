{#- dense_feature_bins as one row: <feature>_bin_starts, the ascending lower bounds of the
    feature's buckets, which the exports cross join to turn each value into its bucket id, and
    bucket_count, the buckets of every feature together. -#}

{%- set dense_columns = export_dense_columns(ref('samples')) %}

with

bins as (

    select * from {{ ref('dense_feature_bins') }}

),

final as (

    select
        {{ dense_feature_bin_start_lists(dense_columns) }}

    from bins

)

select * from final
