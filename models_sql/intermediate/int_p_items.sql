-- TEMPORARY development stub
select item_id, any_value(item_category) as item_category, count(item_geohash) as location_count
from {{ ref('stg_tianchi__items') }} group by item_id
