with

behavior_lines as (

    {{ numbered_lines(ref('base_tianchi__behavior_lines'), 'behavior') }}

),

valid_rows as (

    select * from behavior_lines
    where reject_reason is null and not is_header_line

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
        source_file,
        source_line
    from valid_rows

)

select * from final
