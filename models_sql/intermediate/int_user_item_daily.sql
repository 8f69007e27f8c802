-- TEMPORARY development stub
with b as (select * from {{ ref('stg_tianchi__behaviors') }}),
p as (select distinct item_id from {{ ref('stg_tianchi__items') }})
select event_date, user_id, b.item_id, any_value(item_category) as item_category,
 b.item_id in (select item_id from p) as is_p_item,
 count(*) filter (where behavior_type = 1) as clicks,
 count(*) filter (where behavior_type = 2) as collects,
 count(*) filter (where behavior_type = 3) as carts,
 count(*) filter (where behavior_type = 4) as buys,
 min(event_hour) as first_event_hour, max(event_hour) as last_event_hour,
 max(event_hour) filter (where behavior_type = 1) as last_click_hour,
 max(event_hour) filter (where behavior_type = 2) as last_collect_hour,
 max(event_hour) filter (where behavior_type = 3) as last_cart_hour,
 max(event_hour) filter (where behavior_type = 4) as last_buy_hour
from b group by all
