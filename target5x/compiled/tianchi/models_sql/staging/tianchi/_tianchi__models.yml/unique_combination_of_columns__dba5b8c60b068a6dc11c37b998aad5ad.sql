

with

key_counts as (

    select
        file_kind, source_file,
        count(*) as row_count
    from "tianchi"."main"."stg_tianchi__raw_files"
    group by file_kind, source_file

),

final as (

    select * from key_counts
    where row_count > 1

)

select * from final

