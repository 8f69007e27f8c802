
  
  create view "tianchi"."main"."stg_tianchi__behaviors__dbt_tmp" as (
    with

behavior_lines as (

    select * from "tianchi"."main"."base_tianchi__behavior_lines"

),

valid_rows as (

    -- a header line (Spark reads it) never passes the checks
    select * from behavior_lines
    where reject_reason is null

),

final as (

    select
        user_id,
        item_id,
        behavior_type,
        case behavior_type
            when 1 then 'click'
            when 2 then 'collect'
            when 3 then 'cart'
            when 4 then 'buy'
        end as behavior,
        user_geohash,
        user_geohash_was_malformed,
        item_category,
        event_at,
        cast(event_at as date) as event_date,
        cast(extract(hour from event_at) as integer) as event_hour,
        source_file
    from valid_rows

)

select * from final
  );
