-- sqlfluff:ignore:parsing
-- (the duckdb dialect of sqlfluff does not parse `group by grouping sets`)

with

behaviors as (

    select * from "tianchi"."main"."stg_tianchi__behaviors"

),

p_items as (

    select * from "tianchi"."main"."int_p_items"

),

rolled_up as (

    select
        case when grouping(item_id) = 0 then 'pair_day' else 'user_location' end as grain,
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
        min(case when behavior_type = 1 then event_hour end) as first_click_hour,
        max(case when behavior_type = 1 then event_hour end) as last_click_hour,
        min(case when behavior_type = 2 then event_hour end) as first_collect_hour,
        max(case when behavior_type = 2 then event_hour end) as last_collect_hour,
        min(case when behavior_type = 3 then event_hour end) as first_cart_hour,
        max(case when behavior_type = 3 then event_hour end) as last_cart_hour,
        min(case when behavior_type = 4 then event_hour end) as first_buy_hour,
        max(case when behavior_type = 4 then event_hour end) as last_buy_hour,
        min(event_date) as first_seen_date
    from behaviors
    group by grouping sets (
        (event_date, user_id, item_id),
        (user_id, user_geohash)
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