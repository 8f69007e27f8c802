{{ config(
    build_partition_by='user_bucket',
    build_partition_type='integer',
    build_partitions=range(var('rollup_user_buckets')) | list,
) }}

{#- The one pass over the valid behaviour rows: the raw month is streamed once (staging is a
    view over the text) and rolled up into both grains the rest of the project reads, with
    grouping sets: `pair_day`, one row per (event_date, user_id, item_id) with any action that day
    (int_user_item_daily), and `user_location`, one row per (user_id, user_geohash) with the first
    day it was seen (int_user_locations). Two separate aggregations would read the text twice.
    With var build_by_partition (the online scale) it is built one user bucket at a time
    (user_id % rollup_user_buckets, each bucket a transaction), so that each aggregation holds a
    bucket's groups in memory instead of spilling the month's: a pass over the text per bucket, or
    with var stage_behavior_lines (the online scale) a read of the bucket's folder of the staged
    Parquet: a row's user_bucket is then staged_user_bucket, the folder it was read from (the same
    number), so that the partition's filter selects the folder (dbt_project/macros/staged_lines.sql). -#}
{%- set user_bucket = 'staged_user_bucket' if staged_behavior_lines() else 'user_id % ' ~ var('rollup_user_buckets') -%}

-- sqlfluff:ignore:parsing
-- (the duckdb dialect of sqlfluff does not parse `group by grouping sets`)

with

behaviors as (

    select * from {{ ref('stg_tianchi__behaviors') }}

),

bucketed as (

    select
        *,
        {{ user_bucket }} as user_bucket
    from behaviors

),

bucket_rows as (

    select * from bucketed
    where {{ partition_filter('user_bucket') }}

),

p_items as (

    select * from {{ ref('int_p_items') }}

),

rolled_up as (

    select
        case when grouping(item_id) = 0 then 'pair_day' else 'user_location' end as grain,
        user_bucket,
        event_date,
        user_id,
        item_id,
        user_geohash,
        min(item_category) as item_category,
        count(case when behavior_type = 1 then 1 end) as clicks,
        count(case when behavior_type = 2 then 1 end) as collects,
        count(case when behavior_type = 3 then 1 end) as carts,
        count(case when behavior_type = 4 then 1 end) as buys,
        max(event_hour) as last_event_hour,
        max(case when behavior_type = 1 then event_hour end) as last_click_hour,
        max(case when behavior_type = 2 then event_hour end) as last_collect_hour,
        max(case when behavior_type = 3 then event_hour end) as last_cart_hour,
        max(case when behavior_type = 4 then event_hour end) as last_buy_hour,
        min(event_date) as first_seen_date
    from bucket_rows
    group by grouping sets (
        (user_bucket, event_date, user_id, item_id),
        (user_bucket, user_id, user_geohash)
    )

),

final as (

    -- P is flagged after the roll-up (a join per daily row, not per raw row, and no join in the
    -- aggregation's memory)
    select
        rolled_up.*,
        case when rolled_up.grain = 'pair_day' then p_items.item_id is not null end as is_p_item
    from rolled_up
    left join p_items
        on
            rolled_up.grain = 'pair_day'
            and rolled_up.item_id = p_items.item_id
    -- a location row is a place the user was seen at: rows without a geohash say nothing
    where rolled_up.grain = 'pair_day' or rolled_up.user_geohash is not null

)

select * from final
