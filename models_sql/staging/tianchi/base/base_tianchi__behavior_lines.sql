{{ config(materialized=(view_materialization() if target.type == 'duckdb' else 'table')) }}

{%- set delimiter = delimiter_sql('behavior') %}
{%- set id_pattern = '[0-9]{1,18}' %}

with

source as (

    select * from {{ source('tianchi', 'behavior_lines') }}

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
        {{ list_element('field_list', 1) }} as user_id_text,
        {{ list_element('field_list', 2) }} as item_id_text,
        {{ list_element('field_list', 3) }} as behavior_type_text,
        {{ list_element('field_list', 4) }} as user_geohash_text,
        {{ list_element('field_list', 5) }} as item_category_text,
        {{ list_element('field_list', 6) }} as time_text
    from split_lines

),

checked as (

    select
        *,
        {{ full_match('user_id_text', id_pattern) }} as is_user_id_valid,
        {{ full_match('item_id_text', id_pattern) }} as is_item_id_valid,
        behavior_type_text in ('1', '2', '3', '4') as is_behavior_type_valid,
        {{ full_match('item_category_text', id_pattern) }} as is_item_category_valid,
        {{ full_match('user_geohash_text', var('geohash_regex')) }} as is_user_geohash_valid,
        case
            when time_text like '____-__-__ __'
                then {{ parse_hour('time_text') }}
        end as event_at
    from parsed_fields

),

judged as (

    select
        *,
        case
            when {{ is_blank_line('raw_line') }} then 'empty_line'
            when field_count != 6 then 'wrong_column_count'
            when not is_user_id_valid then 'bad_user_id'
            when not is_item_id_valid then 'bad_item_id'
            when not is_behavior_type_valid then 'bad_behavior_type'
            when not is_item_category_valid then 'bad_item_category'
            when event_at is null then 'bad_time'
            when
                cast(event_at as date) < {{ date_var('log_start_date') }}
                or cast(event_at as date) > {{ date_var('log_end_date') }}
                then 'date_outside_log_window'
        end as reject_reason
    from checked

),

final as (

    select
        source_file,
        {{ line_position_columns() }}
        case when is_user_id_valid then cast(user_id_text as bigint) end as user_id,
        case when is_item_id_valid then cast(item_id_text as bigint) end as item_id,
        case when is_behavior_type_valid then cast(behavior_type_text as integer) end as behavior_type,
        case when is_user_geohash_valid then user_geohash_text end as user_geohash,
        user_geohash_text != '' and not is_user_geohash_valid as user_geohash_was_malformed,
        case when is_item_category_valid then cast(item_category_text as bigint) end as item_category,
        event_at,
        reject_reason,
        -- the text is kept for rejected lines only: the valid ones are all in the typed columns
        case when reject_reason is not null then raw_line end as raw_line
    from judged

)

select * from final
