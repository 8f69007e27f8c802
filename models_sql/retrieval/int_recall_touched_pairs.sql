{{ config(enabled=var('recall_by_source', true)) }}

{#- The (user, P item) pairs touched within each lookback of var recall_lookback_days (and of
    candidate_lookback_days, the ranking's own) at every cutoff: any behavior on the days
    cutoff - lookback_days + 1 .. cutoff. -#}

{%- set lookbacks = (var('recall_lookback_days') | list + [var('candidate_lookback_days')]) | unique | list %}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

lookbacks as (

    {{ scan_grid(lookbacks, 'lookback_days', 'integer') }}

),

p_pair_days as (

    select
        event_date,
        user_id,
        item_id

    from {{ ref('int_user_item_daily') }}
    where is_p_item

),

final as (

    select distinct
        lookbacks.lookback_days,
        calendar.cutoff_date,
        p_pair_days.user_id,
        p_pair_days.item_id

    from calendar
    cross join lookbacks
    inner join p_pair_days
        on
            calendar.cutoff_date >= p_pair_days.event_date
            and lookbacks.lookback_days
            > {{ days_between('p_pair_days.event_date', 'calendar.cutoff_date') }}

)

select * from final
