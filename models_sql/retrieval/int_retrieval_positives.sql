{{ config(enabled=var('retrieval_exports', false)) }}

{#- The two-tower models' training rows: (user, P item) pairs with a behavior of var
    retrieval_positives on a training label day (clicks, collects, carts, buys; [buys] by default),
    each at the cutoff before its label day, whose user and item sides it is trained with. The
    validation users' pairs (the ranking's split) are kept apart for the evaluation during training.
    Training label days only: nothing of the eval or predict day is ever a positive. -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}
    where dataset = 'train'

),

p_pair_days as (

    select * from {{ ref('int_user_item_daily') }}
    where is_p_item

),

final as (

    select
        calendar.cutoff_date,
        calendar.label_date,
        p_pair_days.user_id,
        p_pair_days.item_id,
        case
            when {{ is_validation_user('p_pair_days.user_id') }} then 'validation' else 'train'
        end as dataset

    from calendar
    inner join p_pair_days on calendar.label_date = p_pair_days.event_date
    where {{ retrieval_positive_condition('p_pair_days') }}

)

select * from final
