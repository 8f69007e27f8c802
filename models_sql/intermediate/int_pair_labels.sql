{#- The label: (user, P item) pairs bought on each label day of the calendar (none for the
    predict day, whose purchases are what the competition asks for). -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

p_purchases as (

    select
        event_date,
        user_id,
        item_id

    from {{ ref('int_user_item_daily') }}
    where is_p_item and buys > 0

),

final as (

    select
        calendar.cutoff_date,
        calendar.label_date,
        p_purchases.user_id,
        p_purchases.item_id

    from calendar
    inner join p_purchases on calendar.label_date = p_purchases.event_date

)

select * from final
