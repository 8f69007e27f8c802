-- Nothing is lost: in every raw file, lines read = valid rows + rejected rows.
-- Returns one row per file where the two sides differ.

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

valid_rows as (

    select
        'behavior' as file_kind,
        source_file,
        count(*) as row_count
    from behaviors
    group by source_file
    union all
    select
        'item' as file_kind,
        source_file,
        count(*) as row_count
    from items
    group by source_file

),

rejected_counts as (

    select
        file_kind,
        source_file,
        count(*) as row_count
    from rejected_rows
    group by
        file_kind,
        source_file

),

accounting as (

    select
        coalesce(raw_files.file_kind, valid_rows.file_kind, rejected_counts.file_kind) as file_kind,
        coalesce(raw_files.source_file, valid_rows.source_file, rejected_counts.source_file)
            as source_file,
        coalesce(raw_files.lines_read, 0) as lines_read,
        coalesce(valid_rows.row_count, 0) as valid_rows,
        coalesce(rejected_counts.row_count, 0) as rejected_rows
    from raw_files
    full outer join valid_rows
        on
            raw_files.file_kind = valid_rows.file_kind
            and raw_files.source_file = valid_rows.source_file
    full outer join rejected_counts
        on
            coalesce(raw_files.file_kind, valid_rows.file_kind) = rejected_counts.file_kind
            and coalesce(raw_files.source_file, valid_rows.source_file) = rejected_counts.source_file

),

final as (

    select * from accounting
    where lines_read != valid_rows + rejected_rows

)

select * from final
