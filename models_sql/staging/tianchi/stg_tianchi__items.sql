with

item_lines as (

    {{ numbered_lines(ref('base_tianchi__item_lines'), 'item') }}

),

valid_rows as (

    select * from item_lines
    where reject_reason is null and not is_header_line

),

final as (

    select
        item_id,
        item_geohash,
        item_geohash_was_malformed,
        item_category,
        source_file,
        source_line
    from valid_rows

)

select * from final
