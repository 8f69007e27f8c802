{#- The auxiliary label of multi-task models: (user, P item) pairs the user touched (clicked,
    collected, carted or bought) on each training label day. About eight times as many pairs as
    the purchases, so a shared network sees far more positives of "comes back to the item".
    Training label days only: the eval and predict days never get one, so nothing of the eval
    day's behaviour can reach training through it. -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}
    where dataset = 'train'

),

p_touches as (

    select
        event_date,
        user_id,
        item_id

    from {{ ref('int_user_item_daily') }}
    -- a row of the daily table is a pair with at least one action that day
    where is_p_item

),

final as (

    select
        calendar.cutoff_date,
        calendar.label_date,
        p_touches.user_id,
        p_touches.item_id

    from calendar
    inner join p_touches on calendar.label_date = p_touches.event_date

)

select * from final
