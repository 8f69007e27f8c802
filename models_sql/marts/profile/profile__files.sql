with

raw_files as (

    select * from {{ ref('stg_tianchi__raw_files') }}

),

behaviors as (

    select * from {{ ref('stg_tianchi__behaviors') }}

),

items as (

    select * from {{ ref('stg_tianchi__items') }}

),

rejected_rows as (

    select * from {{ ref('stg_tianchi__rejected_rows') }}

),

behavior_file_rows as (

    select
        source_file,
        count(*) as valid_rows,
        count(case when user_geohash is null and not user_geohash_was_malformed then 1 end)
            as empty_geohash_rows,
        count(case when user_geohash_was_malformed then 1 end) as malformed_geohash_rows
    from behaviors
    group by source_file

),

item_file_rows as (

    select
        source_file,
        count(*) as valid_rows,
        count(case when item_geohash is null and not item_geohash_was_malformed then 1 end)
            as empty_geohash_rows,
        count(case when item_geohash_was_malformed then 1 end) as malformed_geohash_rows
    from items
    group by source_file

),

file_rows as (

    select * from behavior_file_rows
    union all
    select * from item_file_rows

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
        coalesce(file_rows.valid_rows, 0) as valid_rows,
        coalesce(file_rejects.rejected_rows, 0) as rejected_rows,
        cast(coalesce(file_rejects.rejected_rows, 0) as double)
        / nullif(raw_files.lines_read, 0) as rejected_share,
        coalesce(file_rows.empty_geohash_rows, 0) as empty_geohash_rows,
        cast(file_rows.empty_geohash_rows as double)
        / nullif(file_rows.valid_rows, 0) as empty_geohash_share,
        coalesce(file_rows.malformed_geohash_rows, 0) as malformed_geohash_rows
    from raw_files
    left join file_rows
        on raw_files.source_file = file_rows.source_file
    left join file_rejects
        on raw_files.source_file = file_rejects.source_file

)

select * from final
