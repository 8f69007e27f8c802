
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  -- Fails with one row per kind of raw file (behavior, item) whose share of rejected lines is
-- above var max_rejected_share (default 0.001).

with

raw_files as (

    select * from "tianchi"."main"."stg_tianchi__raw_files"

),

rejected_rows as (

    select * from "tianchi"."main"."stg_tianchi__rejected_rows"

),

lines_by_kind as (

    select
        file_kind,
        sum(lines_read) as lines_read
    from raw_files
    group by file_kind

),

rejects_by_kind as (

    select
        file_kind,
        count(*) as rejected_rows
    from rejected_rows
    group by file_kind

),

shares as (

    select
        lines_by_kind.file_kind,
        lines_by_kind.lines_read,
        coalesce(rejects_by_kind.rejected_rows, 0) as rejected_rows,
        cast(coalesce(rejects_by_kind.rejected_rows, 0) as double)
        / nullif(lines_by_kind.lines_read, 0) as rejected_share,
        0.001 as max_rejected_share
    from lines_by_kind
    left join rejects_by_kind
        on lines_by_kind.file_kind = rejects_by_kind.file_kind

),

final as (

    select * from shares
    where rejected_share > max_rejected_share

)

select * from final
  
  
      
    ) dbt_internal_test