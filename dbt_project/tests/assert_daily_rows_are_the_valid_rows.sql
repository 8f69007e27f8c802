-- The daily (user, item, day) table sums up every valid behaviour row, no more, no less: the
-- rows it counts (one pass over the raw files) equal the valid rows stg_tianchi__raw_files
-- counted (another pass). Returns a row when they differ.

with

raw_files as (

    select * from {{ ref('stg_tianchi__raw_files') }}

),

daily as (

    select * from {{ ref('int_user_item_daily') }}

),

counted as (

    select sum(valid_rows) as valid_rows
    from raw_files
    where file_kind = 'behavior'

),

summed as (

    select sum(clicks + collects + carts + buys) as daily_rows
    from daily

),

final as (

    select
        counted.valid_rows,
        summed.daily_rows
    from counted
    cross join summed
    where counted.valid_rows != summed.daily_rows

)

select * from final
