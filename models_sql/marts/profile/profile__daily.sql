with

calendar as (

    select * from {{ ref('int_log_calendar') }}

),

user_item_daily as (

    select * from {{ ref('int_user_item_daily') }}

),

day_totals as (

    select
        event_date,
        cast(sum(clicks + collects + carts + buys) as bigint) as behavior_rows,
        cast(sum(clicks) as bigint) as clicks,
        cast(sum(collects) as bigint) as collects,
        cast(sum(carts) as bigint) as carts,
        cast(sum(buys) as bigint) as buys,
        cast(sum(case when is_p_item then clicks + collects + carts + buys else 0 end) as bigint)
            as p_item_rows,
        cast(sum(case when is_p_item then buys else 0 end) as bigint) as p_item_buys,
        count(case when buys > 0 then 1 end) as pairs_bought,
        count(case when is_p_item and buys > 0 then 1 end) as p_pairs_bought,
        count(distinct user_id) as active_users,
        count(distinct item_id) as active_items
    from user_item_daily
    group by event_date

),

final as (

    select
        calendar.calendar_date as event_date,
        calendar.day_index,
        calendar.is_sale_day,
        calendar.is_normal_day,
        coalesce(day_totals.behavior_rows, 0) as behavior_rows,
        coalesce(day_totals.clicks, 0) as clicks,
        coalesce(day_totals.collects, 0) as collects,
        coalesce(day_totals.carts, 0) as carts,
        coalesce(day_totals.buys, 0) as buys,
        coalesce(day_totals.p_item_rows, 0) as p_item_rows,
        coalesce(day_totals.p_item_buys, 0) as p_item_buys,
        coalesce(day_totals.pairs_bought, 0) as pairs_bought,
        coalesce(day_totals.p_pairs_bought, 0) as p_pairs_bought,
        coalesce(day_totals.active_users, 0) as active_users,
        coalesce(day_totals.active_items, 0) as active_items
    from calendar
    left join day_totals
        on calendar.calendar_date = day_totals.event_date

)

select * from final
