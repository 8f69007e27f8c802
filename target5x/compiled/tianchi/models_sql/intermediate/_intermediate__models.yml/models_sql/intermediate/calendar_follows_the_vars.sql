with

label_days as (

    


    


    with rawdata as (

        
    select
        generate_series as generated_number
    from generate_series(1, 4)


    ),

    all_periods as (

        select (
            

    (cast('2014-12-16' as date) + cast(row_number() over (order by 1) - 1 as bigint) * interval 1 day)
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
                between cast('2014-12-16' as date)
                and cast('2014-12-17' as date)
                -- coalesce: with no excluded day the list is (null), and `in (null)` is null
                and not coalesce(cast(date_day as date) in (cast(null as date)), false)
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
        label_date in (cast('2014-12-17' as date)) as is_sale_label_day,
        cast(

    (label_date + cast(-1 as bigint) * interval 1 day) as date) in (cast('2014-12-17' as date)) as is_sale_cutoff_day

    from assigned
    where dataset is not null

)

select * from final