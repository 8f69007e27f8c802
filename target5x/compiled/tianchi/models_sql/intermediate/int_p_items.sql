with

items as (

    select * from "tianchi"."main"."stg_tianchi__items"

),

final as (

    select
        item_id,
        min(item_category) as item_category,
        count(distinct item_category) as category_count,
        count(*) as location_count,
        count(distinct item_geohash) as known_geohash_count
    from items
    group by item_id

)

select * from final