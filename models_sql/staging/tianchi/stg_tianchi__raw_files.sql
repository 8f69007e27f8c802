with

behavior_lines as (

    {{ numbered_lines(ref('base_tianchi__behavior_lines'), 'behavior') }}

),

item_lines as (

    {{ numbered_lines(ref('base_tianchi__item_lines'), 'item') }}

),

behavior_files as (

    select
        'behavior' as file_kind,
        source_file,
        count(*) as line_count,
        count(case when is_header_line then 1 end) as header_line_count,
        max(source_line) as last_source_line
    from behavior_lines
    group by source_file

),

item_files as (

    select
        'item' as file_kind,
        source_file,
        count(*) as line_count,
        count(case when is_header_line then 1 end) as header_line_count,
        max(source_line) as last_source_line
    from item_lines
    group by source_file

),

files as (

    select * from behavior_files
    union all
    select * from item_files

),

final as (

    select
        file_kind,
        source_file,
        line_count,
        header_line_count,
        line_count - header_line_count as lines_read,
        last_source_line
    from files

)

select * from final
