
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  -- Nothing is lost: in every raw file, the lines read that are not blank = valid rows + the
-- rejected rows that are not blank, where the rejected rows are the numbered ones of
-- stg_tianchi__rejected_rows (a pass of its own over the files); and the blank lines it numbered
-- are at most the blank lines counted (DuckDB's parallel reader adds one after each \r\n line of
-- a \n file, which the numbered pass reads exactly). Returns one row per file and account where
-- they disagree. (assert_daily_rows_are_the_valid_rows checks the daily table against the same
-- counts.)

with

raw_files as (

    select * from "tianchi"."main"."stg_tianchi__raw_files"

),

rejected_rows as (

    select * from "tianchi"."main"."stg_tianchi__rejected_rows"

),

rejected_counts as (

    select
        file_kind,
        source_file,
        count(case when reason != 'empty_line' then 1 end) as row_count,
        count(case when reason = 'empty_line' then 1 end) as blank_count
    from rejected_rows
    group by
        file_kind,
        source_file

),

joined as (

    select
        coalesce(raw_files.source_file, rejected_counts.source_file) as source_file,
        coalesce(raw_files.lines_read, 0) - coalesce(raw_files.blank_lines, 0) as nonblank_lines,
        coalesce(raw_files.valid_rows, 0) + coalesce(rejected_counts.row_count, 0) as nonblank_rows,
        coalesce(raw_files.blank_lines, 0) as blank_lines,
        coalesce(rejected_counts.blank_count, 0) as numbered_blank_lines
    from raw_files
    full outer join rejected_counts
        on
            raw_files.file_kind = rejected_counts.file_kind
            and raw_files.source_file = rejected_counts.source_file

),

final as (

    select
        source_file,
        'lines read, not blank = valid rows + rejected rows, not blank' as rule_name,
        nonblank_lines as expected_rows,
        nonblank_rows as found_rows
    from joined
    where nonblank_lines != nonblank_rows
    union all
    select
        source_file,
        'blank lines numbered <= blank lines counted' as rule_name,
        blank_lines as expected_rows,
        numbered_blank_lines as found_rows
    from joined
    where numbered_blank_lines > blank_lines

)

select * from final
  
  
      
    ) dbt_internal_test