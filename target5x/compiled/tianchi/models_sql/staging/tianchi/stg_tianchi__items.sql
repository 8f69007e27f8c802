with

item_lines as (

    select * from "tianchi"."main"."base_tianchi__item_lines"

),

valid_rows as (

    -- a header line (Spark reads it) never passes the checks
    select * from item_lines
    where reject_reason is null

),

final as (

    select
        item_id,
        item_geohash,
        item_geohash_was_malformed,
        item_category,
        source_file
    from valid_rows

)

select * from final