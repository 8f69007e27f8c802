
    -- Build actual result given inputs
with dbt_internal_unit_test_actual as (
  select
    "cutoff_date","label_date","dataset", 'actual' as "actual_or_expected"
  from (
    with

label_days as (

    


    


    with rawdata as (

        
    select
        generate_series as generated_number
    from generate_series(1, 5)


    ),

    all_periods as (

        select (
            

    (cast('2014-12-15' as date) + cast(row_number() over (order by 1) - 1 as bigint) * interval 1 day)
        ) as date_day
        from rawdata

    ),

    filtered as (

        select *
        from all_periods
        where date_day <= cast(

    (cast('2014-12-19' as date) + cast(1 as bigint) * interval 1 day) as date)

    )

    select * from filtered



),

assigned as (

    select
        cast(date_day as date) as label_date,
        case
            when
                cast(date_day as date)
                between cast('2014-12-15' as date)
                and cast('2014-12-17' as date)
                -- coalesce: with no excluded day the list is (null), and `in (null)` is null
                and not coalesce(cast(date_day as date) in (cast('2014-12-16' as date)), false)
                then 'train'
            when cast(date_day as date) = cast('2014-12-18' as date) then 'eval'
            when cast(date_day as date) = cast('2014-12-19' as date) then 'predict'
        end as dataset

    from label_days

),

final as (

    select
        cast(

    (label_date + cast(-1 as bigint) * interval 1 day) as date) as cutoff_date,
        label_date,
        dataset,
        isodow(label_date) as label_weekday,
        label_date in (cast('2014-12-11' as date), cast('2014-12-12' as date)) as is_sale_label_day,
        cast(

    (label_date + cast(-1 as bigint) * interval 1 day) as date) in (cast('2014-12-11' as date), cast('2014-12-12' as date)) as is_sale_cutoff_day

    from assigned
    where dataset is not null

)

select * from final
  ) _dbt_internal_unit_test_actual
),
-- Build expected result
dbt_internal_unit_test_expected as (
  select
    "cutoff_date", "label_date", "dataset", 'expected' as "actual_or_expected"
  from (
    select try_cast('2014-12-14' as DATE) as "cutoff_date", try_cast('2014-12-15' as DATE) as "label_date", try_cast('train' as character varying) as "dataset"
union all
select try_cast('2014-12-16' as DATE) as "cutoff_date", try_cast('2014-12-17' as DATE) as "label_date", try_cast('train' as character varying) as "dataset"
union all
select try_cast('2014-12-17' as DATE) as "cutoff_date", try_cast('2014-12-18' as DATE) as "label_date", try_cast('eval' as character varying) as "dataset"
union all
select try_cast('2014-12-18' as DATE) as "cutoff_date", try_cast('2014-12-19' as DATE) as "label_date", try_cast('predict' as character varying) as "dataset"
  ) _dbt_internal_unit_test_expected
)
-- Union actual and expected results
select * from dbt_internal_unit_test_actual
union all
select * from dbt_internal_unit_test_expected