{{ config(materialized='table') }}

with

behavior_lines as (

    {{ numbered_lines(ref('base_tianchi__behavior_lines'), 'behavior') }}

),

item_lines as (

    {{ numbered_lines(ref('base_tianchi__item_lines'), 'item') }}

),

rejected_behavior_lines as (

    select
        'behavior' as file_kind,
        source_file,
        source_line,
        reject_reason as reason,
        raw_line
    from behavior_lines
    where reject_reason is not null and not is_header_line

),

rejected_item_lines as (

    select
        'item' as file_kind,
        source_file,
        source_line,
        reject_reason as reason,
        raw_line
    from item_lines
    where reject_reason is not null and not is_header_line

),

final as (

    select * from rejected_behavior_lines
    union all
    select * from rejected_item_lines

)

select * from final
