with

raw_files as (

    select * from "tianchi"."main"."stg_tianchi__raw_files"

),

rejected_rows as (

    select * from "tianchi"."main"."stg_tianchi__rejected_rows"

),

file_rejects as (

    select
        source_file,
        count(*) as rejected_rows
    from rejected_rows
    group by source_file

),

final as (

    select
        raw_files.file_kind,
        raw_files.source_file,
        raw_files.line_count,
        raw_files.header_line_count,
        raw_files.lines_read,
        raw_files.valid_rows,
        coalesce(file_rejects.rejected_rows, 0) as rejected_rows,
        cast(coalesce(file_rejects.rejected_rows, 0) as double)
        / nullif(raw_files.lines_read, 0) as rejected_share,
        raw_files.empty_geohash_rows,
        cast(raw_files.empty_geohash_rows as double)
        / nullif(raw_files.valid_rows, 0) as empty_geohash_share,
        raw_files.malformed_geohash_rows
    from raw_files
    left join file_rejects
        on raw_files.source_file = file_rejects.source_file

)

select * from final