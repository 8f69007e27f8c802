{{ config(materialized=view_materialization()) }}

{#- The pair_day grain of int_behavior_rollup: a view, so the month's largest table is written
    once. -#}

with

rollup as (

    select * from {{ ref('int_behavior_rollup') }}
    where grain = 'pair_day'

),

final as (

    select
        event_date,
        user_id,
        item_id,
        item_category,
        is_p_item,
        clicks,
        collects,
        carts,
        buys,
        last_event_hour,
        last_click_hour,
        last_collect_hour,
        last_cart_hour,
        last_buy_hour
    from rollup

)

select * from final
