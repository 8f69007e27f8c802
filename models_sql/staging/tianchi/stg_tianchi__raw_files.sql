{{ config(materialized=table_materialization()) }}

{#- One row per raw file: its lines, and what became of them (valid rows, rejected lines,
    geohash quality): the one pass over the raw files that counts them, so that no model or
    test reads the behaviour files again to count. With var stage_behavior_lines the behaviour
    lines are counted in their staged Parquet, which holds every line (dbt_project/macros/staged_lines.sql). -#}
{%- set behavior_lines = ref('base_tianchi__staged_behavior_lines') if staged_behavior_lines()
    else ref('base_tianchi__behavior_lines') -%}

with

behavior_lines as (

    {{ numbered_lines(behavior_lines, 'behavior') }}

),

item_lines as (

    {{ numbered_lines(ref('base_tianchi__item_lines'), 'item') }}

),

behavior_files as (

    select
        'behavior' as file_kind,
        source_file,
        {{ line_count_columns('behavior') }}
        count(case when reject_reason is null then 1 end) as valid_rows,
        count(case when reject_reason is not null and not is_header_line then 1 end) as rejected_lines,
        count(case when reject_reason = 'empty_line' and not is_header_line then 1 end) as blank_lines,
        count(case when reject_reason is null and user_geohash is null and not user_geohash_was_malformed then 1 end)
            as empty_geohash_rows,
        count(case when reject_reason is null and user_geohash_was_malformed then 1 end) as malformed_geohash_rows
    from behavior_lines
    group by source_file

),

item_files as (

    select
        'item' as file_kind,
        source_file,
        {{ line_count_columns('item') }}
        count(case when reject_reason is null then 1 end) as valid_rows,
        count(case when reject_reason is not null and not is_header_line then 1 end) as rejected_lines,
        count(case when reject_reason = 'empty_line' and not is_header_line then 1 end) as blank_lines,
        count(case when reject_reason is null and item_geohash is null and not item_geohash_was_malformed then 1 end)
            as empty_geohash_rows,
        count(case when reject_reason is null and item_geohash_was_malformed then 1 end) as malformed_geohash_rows
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
        last_source_line,
        valid_rows,
        rejected_lines,
        blank_lines,
        empty_geohash_rows,
        malformed_geohash_rows
    from files

)

select * from final
