with

behaviors as (

    select * from {{ ref('stg_tianchi__behaviors') }}

),

p_items as (

    select * from {{ ref('int_p_items') }}

),

daily as (

    select
        event_date,
        user_id,
        item_id,
        min(item_category) as item_category,
        count(case when behavior_type = 1 then 1 end) as clicks,
        count(case when behavior_type = 2 then 1 end) as collects,
        count(case when behavior_type = 3 then 1 end) as carts,
        count(case when behavior_type = 4 then 1 end) as buys,
        max(event_hour) as last_event_hour,
        min(case when behavior_type = 1 then event_hour end) as first_click_hour,
        max(case when behavior_type = 1 then event_hour end) as last_click_hour,
        min(case when behavior_type = 2 then event_hour end) as first_collect_hour,
        max(case when behavior_type = 2 then event_hour end) as last_collect_hour,
        min(case when behavior_type = 3 then event_hour end) as first_cart_hour,
        max(case when behavior_type = 3 then event_hour end) as last_cart_hour,
        min(case when behavior_type = 4 then event_hour end) as first_buy_hour,
        max(case when behavior_type = 4 then event_hour end) as last_buy_hour
    from behaviors
    group by
        event_date,
        user_id,
        item_id

),

final as (

    select
        daily.event_date,
        daily.user_id,
        daily.item_id,
        daily.item_category,
        p_items.item_id is not null as is_p_item,
        daily.clicks,
        daily.collects,
        daily.carts,
        daily.buys,
        daily.last_event_hour,
        daily.first_click_hour,
        daily.last_click_hour,
        daily.first_collect_hour,
        daily.last_collect_hour,
        daily.first_cart_hour,
        daily.last_cart_hour,
        daily.first_buy_hour,
        daily.last_buy_hour
    from daily
    left join p_items
        on daily.item_id = p_items.item_id

)

select * from final
