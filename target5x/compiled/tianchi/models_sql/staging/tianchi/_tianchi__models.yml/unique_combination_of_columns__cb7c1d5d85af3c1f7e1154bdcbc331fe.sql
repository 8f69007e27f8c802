

with

key_counts as (

    select
        source_file, source_line,
        count(*) as row_count
    from "tianchi"."main"."stg_tianchi__rejected_rows"
    group by source_file, source_line

),

final as (

    select * from key_counts
    where row_count > 1

)

select * from final

