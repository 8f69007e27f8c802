{#- Candidates of each cutoff: (user, P item) pairs the user touched (any behaviour) in the
    candidate_lookback_days days up to and including the cutoff day. Every behaviour is a
    feature later, none is a filter. -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

p_pair_days as (

    select
        event_date,
        user_id,
        item_id,
        item_category

    from {{ ref('int_user_item_daily') }}
    where is_p_item

),

touched_in_lookback as (

    select
        calendar.cutoff_date,
        p_pair_days.user_id,
        p_pair_days.item_id,
        max(p_pair_days.item_category) as item_category

    from calendar
    inner join p_pair_days
        on
            calendar.cutoff_date >= p_pair_days.event_date
            and p_pair_days.event_date
            > {{ add_days('calendar.cutoff_date', -var('candidate_lookback_days')) }}
    group by 1, 2, 3

),

final as (

    select * from touched_in_lookback

)

select * from final
