-- Nothing is lost: in every raw file, lines read = valid rows + rejected rows, where the
-- rejected rows are the numbered ones of stg_tianchi__rejected_rows (a pass of its own over the
-- files). Returns one row per file where the sides differ. (assert_daily_rows_are_the_valid_rows
-- checks the daily table against the same counts.)

with

raw_files as (

    select * from {{ ref('stg_tianchi__raw_files') }}

),

rejected_rows as (

    select * from {{ ref('stg_tianchi__rejected_rows') }}

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

file_accounting as (

    select
        'lines read = valid rows + rejected rows' as account,
        coalesce(raw_files.source_file, rejected_counts.source_file) as source_file,
        coalesce(raw_files.lines_read, 0) as expected_rows,
        coalesce(raw_files.valid_rows, 0) + coalesce(rejected_counts.row_count, 0) as found_rows
    from raw_files
    full outer join rejected_counts
        on
            raw_files.file_kind = rejected_counts.file_kind
            and raw_files.source_file = rejected_counts.source_file

),

final as (

    select * from file_accounting
    where expected_rows != found_rows

)

select * from final
