{{ config(materialized=(view_materialization() if target.type == 'duckdb' else 'table')) }}

{%- set delimiter = delimiter_sql('item') %}
{%- set id_pattern = '[0-9]{1,18}' %}

with

source as (

    select * from {{ source('tianchi', 'item_lines') }}

),

lines as (

    select
        filename as source_file,
        {{ line_position_columns() }}
        {{ strip_cr('raw_line') }} as raw_line
    from source

),

split_lines as (

    select
        source_file,
        {{ line_position_columns() }}
        raw_line,
        {{ split_string('raw_line', delimiter) }} as field_list
    from lines

),

parsed_fields as (

    select
        source_file,
        {{ line_position_columns() }}
        raw_line,
        {{ list_length('field_list') }} as field_count,
        {{ list_element('field_list', 1) }} as item_id_text,
        {{ list_element('field_list', 2) }} as item_geohash_text,
        {{ list_element('field_list', 3) }} as item_category_text
    from split_lines

),

checked as (

    select
        *,
        {{ full_match('item_id_text', id_pattern) }} as is_item_id_valid,
        {{ full_match('item_category_text', id_pattern) }} as is_item_category_valid,
        {{ full_match('item_geohash_text', var('geohash_regex')) }} as is_item_geohash_valid
    from parsed_fields

),

judged as (

    select
        *,
        case
            when {{ is_blank_line('raw_line') }} then 'empty_line'
            when field_count != 3 then 'wrong_column_count'
            when not is_item_id_valid then 'bad_item_id'
            when not is_item_category_valid then 'bad_item_category'
        end as reject_reason
    from checked

),

final as (

    select
        source_file,
        {{ line_position_columns() }}
        case when is_item_id_valid then cast(item_id_text as bigint) end as item_id,
        case when is_item_geohash_valid then item_geohash_text end as item_geohash,
        item_geohash_text != '' and not is_item_geohash_valid as item_geohash_was_malformed,
        case when is_item_category_valid then cast(item_category_text as bigint) end as item_category,
        reject_reason,
        -- the text is kept for rejected lines only: the valid ones are all in the typed columns
        case when reject_reason is not null then raw_line end as raw_line
    from judged

)

select * from final
