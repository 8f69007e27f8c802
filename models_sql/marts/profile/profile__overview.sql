with

files as (

    select * from {{ ref('profile__files') }}

),

user_item_daily as (

    select * from {{ ref('int_user_item_daily') }}

),

p_items as (

    select * from {{ ref('int_p_items') }}

),

file_totals as (

    select
        sum(case when file_kind = 'behavior' then 1 else 0 end) as behavior_files,
        sum(case when file_kind = 'behavior' then lines_read else 0 end) as behavior_lines_read,
        sum(case when file_kind = 'behavior' then valid_rows else 0 end) as behavior_rows,
        sum(case when file_kind = 'behavior' then rejected_rows else 0 end) as behavior_rejected_rows,
        sum(case when file_kind = 'behavior' then empty_geohash_rows else 0 end)
            as user_geohash_empty_rows,
        sum(case when file_kind = 'behavior' then malformed_geohash_rows else 0 end)
            as user_geohash_malformed_rows,
        sum(case when file_kind = 'item' then 1 else 0 end) as item_files,
        sum(case when file_kind = 'item' then lines_read else 0 end) as item_lines_read,
        sum(case when file_kind = 'item' then valid_rows else 0 end) as item_rows,
        sum(case when file_kind = 'item' then rejected_rows else 0 end) as item_rejected_rows,
        sum(case when file_kind = 'item' then empty_geohash_rows else 0 end)
            as item_geohash_empty_rows,
        sum(case when file_kind = 'item' then malformed_geohash_rows else 0 end)
            as item_geohash_malformed_rows
    from files

),

log_totals as (

    select
        count(distinct user_id) as user_count,
        count(distinct item_id) as item_count,
        count(distinct item_category) as category_count,
        count(distinct case when is_p_item then item_id end) as p_items_seen,
        sum(clicks + collects + carts + buys) as behavior_rows,
        sum(case when is_p_item then clicks + collects + carts + buys else 0 end) as p_item_rows,
        count(*) as user_item_days,
        min(event_date) as first_event_date,
        max(event_date) as last_event_date
    from user_item_daily

),

p_item_totals as (

    select
        count(*) as p_items,
        count(distinct item_category) as p_item_categories
    from p_items

),

final as (

    select
        cast(file_totals.behavior_files as bigint) as behavior_files,
        cast(file_totals.behavior_lines_read as bigint) as behavior_lines_read,
        cast(file_totals.behavior_rows as bigint) as behavior_rows,
        cast(file_totals.behavior_rejected_rows as bigint) as behavior_rejected_rows,
        cast(file_totals.item_files as bigint) as item_files,
        cast(file_totals.item_lines_read as bigint) as item_lines_read,
        cast(file_totals.item_rows as bigint) as item_rows,
        cast(file_totals.item_rejected_rows as bigint) as item_rejected_rows,
        log_totals.first_event_date,
        log_totals.last_event_date,
        log_totals.user_count,
        log_totals.item_count,
        log_totals.category_count,
        log_totals.user_item_days,
        p_item_totals.p_items,
        p_item_totals.p_item_categories,
        log_totals.p_items_seen,
        cast(log_totals.p_items_seen as double) / nullif(p_item_totals.p_items, 0)
            as p_item_seen_share,
        cast(log_totals.p_item_rows as bigint) as p_item_rows,
        cast(log_totals.p_item_rows as double) / nullif(log_totals.behavior_rows, 0)
            as p_item_row_share,
        cast(file_totals.user_geohash_empty_rows as double) / nullif(file_totals.behavior_rows, 0)
            as user_geohash_empty_share,
        cast(file_totals.user_geohash_malformed_rows as bigint) as user_geohash_malformed_rows,
        cast(file_totals.item_geohash_empty_rows as double) / nullif(file_totals.item_rows, 0)
            as item_geohash_empty_share,
        cast(file_totals.item_geohash_malformed_rows as bigint) as item_geohash_malformed_rows
    from file_totals
    cross join log_totals
    cross join p_item_totals

)

select * from final
