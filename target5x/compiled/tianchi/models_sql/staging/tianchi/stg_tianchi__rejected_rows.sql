

-- depends_on: "tianchi"."main"."stg_tianchi__raw_files"

with

rejected_behavior_lines as (

    
    select
        'behavior' as file_kind,
        source_file,
        cast(null as bigint) as source_line,
        reject_reason as reason,
        raw_line
    from "tianchi"."main"."base_tianchi__behavior_lines"
    where false


),

rejected_item_lines as (

    
    select
        'item' as file_kind,
        source_file,
        cast(null as bigint) as source_line,
        reject_reason as reason,
        raw_line
    from "tianchi"."main"."base_tianchi__item_lines"
    where false


),

final as (

    select * from rejected_behavior_lines
    union all
    select * from rejected_item_lines

)

select * from final