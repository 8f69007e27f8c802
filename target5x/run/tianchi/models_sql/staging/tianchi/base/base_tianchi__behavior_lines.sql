
  
  create view "tianchi"."main"."base_tianchi__behavior_lines__dbt_tmp" as (
    

with

source as (

    select * from read_csv(['data/bench/5x/raw/tianchi_fresh_comp_train_user_online_partA.txt', 'data/bench/5x/raw/tianchi_fresh_comp_train_user_online_partB.txt'], columns={'raw_line': 'VARCHAR'}, delim=chr(31)||chr(30)||chr(29)||chr(28), quote='', escape='', auto_detect=false, filename=true, header=false, strict_mode=false, encoding='latin-1')

),

lines as (

    select
        filename as source_file,
        

        case when suffix(raw_line, chr(13)) then left(raw_line, length(raw_line) - 1) else raw_line end as raw_line
    from source

),

split_lines as (

    select
        source_file,
        

        raw_line,
        string_split(raw_line, chr(9)) as field_list
    from lines

),

parsed_fields as (

    select
        source_file,
        

        raw_line,
        len(field_list) as field_count,
        field_list[1] as user_id_text,
        field_list[2] as item_id_text,
        field_list[3] as behavior_type_text,
        field_list[4] as user_geohash_text,
        field_list[5] as item_category_text,
        field_list[6] as time_text
    from split_lines

),

checked as (

    select
        *,
        regexp_full_match(user_id_text, '[0-9]{1,18}') as is_user_id_valid,
        regexp_full_match(item_id_text, '[0-9]{1,18}') as is_item_id_valid,
        behavior_type_text in ('1', '2', '3', '4') as is_behavior_type_valid,
        regexp_full_match(item_category_text, '[0-9]{1,18}') as is_item_category_valid,
        regexp_full_match(user_geohash_text, '[0-9a-z]{7}') as is_user_geohash_valid,
        case
            when time_text like '____-__-__ __'
                then try_strptime(time_text, '%Y-%m-%d %H')
        end as event_at
    from parsed_fields

),

judged as (

    select
        *,
        case
            when raw_line is null or trim(raw_line) = '' then 'empty_line'
            when field_count != 6 then 'wrong_column_count'
            when not is_user_id_valid then 'bad_user_id'
            when not is_item_id_valid then 'bad_item_id'
            when not is_behavior_type_valid then 'bad_behavior_type'
            when not is_item_category_valid then 'bad_item_category'
            when event_at is null then 'bad_time'
            when
                cast(event_at as date) < cast('2014-11-18' as date)
                or cast(event_at as date) > cast('2014-12-18' as date)
                then 'date_outside_log_window'
        end as reject_reason
    from checked

),

final as (

    select
        source_file,
        

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
  );
