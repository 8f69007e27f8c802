{#- One row per (day, user) with any action that day: the user's counts over every item and over P
    items, from int_user_item_daily. user_features (at the online scale one cutoff at a time) and
    retrieval_user_features read it, so the month's (user, item, day) rows are summed by day once, here. -#}

with

pair_days as (

    select * from {{ ref('int_user_item_daily') }}

),

final as (

    select
        event_date,
        user_id,
        sum(clicks) as clicks,
        sum(collects) as collects,
        sum(carts) as carts,
        sum(buys) as buys,
        sum(case when is_p_item then clicks else 0 end) as p_clicks,
        sum(case when is_p_item then carts else 0 end) as p_carts,
        sum(case when is_p_item then buys else 0 end) as p_buys,
        1 as active_days,
        max(last_event_hour) as last_event_hour

    from pair_days
    group by 1, 2

)

select * from final
