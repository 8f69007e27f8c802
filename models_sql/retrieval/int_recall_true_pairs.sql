{{ config(enabled=var('recall_by_source', true)) }}

{#- Every true (user, P item) purchase of each label day with the days from its last touch by the
    cutoff to the cutoff (0: touched on the cutoff day; null: never touched before). True purchases
    come from the logs, and from the answer file (where one exists) for the predict day. -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

logged_truth as (

    select
        label_date,
        user_id,
        item_id

    from {{ ref('int_pair_labels') }}

),

answer_truth as (

    select
        label_date,
        user_id,
        item_id

    from {{ ref('stg_tianchi__answers') }}

),

all_truth as (

    select * from logged_truth
    union all
    select * from answer_truth

),

truth as (

    select
        calendar.label_date,
        calendar.cutoff_date,
        calendar.dataset,
        all_truth.user_id,
        all_truth.item_id

    from all_truth
    inner join calendar on all_truth.label_date = calendar.label_date

),

p_pair_days as (

    select
        event_date,
        user_id,
        item_id

    from {{ ref('int_user_item_daily') }}
    where is_p_item

),

-- each true pair's last touch by its cutoff
final as (

    select
        truth.label_date,
        truth.cutoff_date,
        truth.dataset,
        truth.user_id,
        truth.item_id,
        min({{ days_between('p_pair_days.event_date', 'truth.cutoff_date') }}) as days_since_touch

    from truth
    left join p_pair_days
        on
            truth.user_id = p_pair_days.user_id
            and truth.item_id = p_pair_days.item_id
            and truth.cutoff_date >= p_pair_days.event_date
    group by 1, 2, 3, 4, 5

)

select * from final
