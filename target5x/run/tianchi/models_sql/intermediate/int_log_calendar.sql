
    

    create  table
      "tianchi"."main"."int_log_calendar__dbt_tmp"
  
    
    as (
      

with

days as (

    select cast(date_day as date) as date_day
    from (
        


    


    with rawdata as (

        
    select
        generate_series as generated_number
    from generate_series(1, 31)


    ),

    all_periods as (

        select (
            

    (cast('2014-11-18' as date) + cast(row_number() over (order by 1) - 1 as bigint) * interval 1 day)
        ) as date_day
        from rawdata

    ),

    filtered as (

        select *
        from all_periods
        where date_day <= 

    (cast('2014-12-18' as date) + cast(1 as bigint) * interval 1 day)

    )

    select * from filtered


    ) as spine

),

dated as (

    select date_day as calendar_date
    from days

),

flagged as (

    select
        calendar_date,
        
        (date_diff('day', cast('2014-11-18' as date)::timestamp, calendar_date::timestamp ))
     as day_index,
        calendar_date in (cast('2014-12-11' as date), cast('2014-12-12' as date)) as is_sale_day,
        cast(

    (calendar_date + cast(-1 as bigint) * interval 1 day) as date) in (cast('2014-12-11' as date), cast('2014-12-12' as date)) as follows_sale_day
    from dated

),

final as (

    select
        calendar_date,
        day_index,
        is_sale_day,
        not is_sale_day as is_normal_day,
        day_index >= 7
        and not is_sale_day
        and not follows_sale_day as is_calibration_label_day
    from flagged

)

select * from final
    );
    
  