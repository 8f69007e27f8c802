{%- set start_date = date_var('log_start_date') %}
{%- set end_date = date_var('log_end_date') %}
{%- set sale_dates = date_list_var('sale_dates') %}

with

days as (

    {{ day_spine(start_date, end_date) }}

),

dated as (

    select date_day as calendar_date
    from days

),

flagged as (

    select
        calendar_date,
        {{ days_between(start_date, 'calendar_date') }} as day_index,
        calendar_date in {{ sale_dates }} as is_sale_day,
        {{ add_days('calendar_date', -1) }} in {{ sale_dates }} as follows_sale_day
    from dated

),

final as (

    select
        calendar_date,
        day_index,
        is_sale_day,
        not is_sale_day as is_normal_day,
        day_index >= {{ var('calibration_history_days') }}
        and not is_sale_day
        and not follows_sale_day as is_calibration_label_day
    from flagged

)

select * from final
