
  
  create view "tianchi"."main"."base_tianchi__item_lines__dbt_tmp" as (
    

with

source as (

    select * from read_csv(['data/bench/5x/raw/tianchi_fresh_comp_train_item_online.txt'], columns={'raw_line': 'VARCHAR'}, delim=chr(31)||chr(30)||chr(29)||chr(28), quote='', escape='', auto_detect=false, filename=true, header=false, strict_mode=false, encoding='latin-1')

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
        field_list[1] as item_id_text,
        field_list[2] as item_geohash_text,
        field_list[3] as item_category_text
    from split_lines

),

checked as (

    select
        *,
        regexp_full_match(item_id_text, '[0-9]{1,18}') as is_item_id_valid,
        regexp_full_match(item_category_text, '[0-9]{1,18}') as is_item_category_valid,
        regexp_full_match(item_geohash_text, '[0-9a-z]{7}') as is_item_geohash_valid
    from parsed_fields

),

judged as (

    select
        *,
        case
            when raw_line is null or trim(raw_line) = '' then 'empty_line'
            when field_count != 3 then 'wrong_column_count'
            when not is_item_id_valid then 'bad_item_id'
            when not is_item_category_valid then 'bad_item_category'
        end as reject_reason
    from checked

),

final as (

    select
        source_file,
        

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
  );
