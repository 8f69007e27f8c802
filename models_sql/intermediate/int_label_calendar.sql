{#- One row per cutoff day the pipeline builds samples for: features see events up to the end
    of cutoff_date, the label is "bought on label_date = cutoff_date + 1". Training label days
    listed in train_excluded_label_dates have no row (no samples, train or validation). -#}

with

label_days as (

    {{ dbt.date_spine(
        datepart="day",
        start_date=date_var('train_label_start_date'),
        end_date=add_days(date_var('predict_label_date'), 1),
    ) }}

),

assigned as (

    select
        cast(date_day as date) as label_date,
        case
            when
                cast(date_day as date)
                between {{ date_var('train_label_start_date') }}
                and {{ date_var('train_label_end_date') }}
                -- coalesce: with no excluded day the list is (null), and `in (null)` is null
                and not coalesce(cast(date_day as date) in {{ date_list_var('train_excluded_label_dates') }}, false)
                then 'train'
            when cast(date_day as date) = {{ date_var('eval_label_date') }} then 'eval'
            when cast(date_day as date) = {{ date_var('predict_label_date') }} then 'predict'
        end as dataset

    from label_days

),

final as (

    select
        {{ add_days('label_date', -1) }} as cutoff_date,
        label_date,
        dataset,
        {{ iso_weekday('label_date') }} as label_weekday,
        label_date in {{ date_list_var('sale_dates') }} as is_sale_label_day,
        {{ add_days('label_date', -1) }} in {{ date_list_var('sale_dates') }} as is_sale_cutoff_day

    from assigned
    where dataset is not null

)

select * from final
