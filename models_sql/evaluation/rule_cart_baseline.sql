{#- The classic rule, the floor every model must beat: submit the (user, P item) pairs carted
    on the cutoff day and not bought that day. Scored on the eval day against the logged
    purchases, and on the predict day against the answer file where one exists. F1 counts
    every true purchase, in the candidates or not (the competition's F1). -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}
    where dataset in ('eval', 'predict')

),

pair_days as (

    select * from {{ ref('int_user_item_daily') }}

),

rule_pairs as (

    select
        calendar.label_date,
        calendar.dataset,
        pair_days.user_id,
        pair_days.item_id

    from calendar
    inner join pair_days on calendar.cutoff_date = pair_days.event_date
    where pair_days.is_p_item and pair_days.carts > 0 and pair_days.buys = 0

),

truth as (

    select
        label_date,
        user_id,
        item_id

    from {{ ref('int_pair_labels') }}

    union all

    select
        label_date,
        user_id,
        item_id

    from {{ ref('stg_tianchi__answers') }}

),

truth_sizes as (

    select
        label_date,
        count(*) as true_pairs

    from truth
    group by 1

),

scored as (

    select
        rule_pairs.label_date,
        rule_pairs.dataset,
        count(*) as predicted_pairs,
        count(truth.user_id) as hits

    from rule_pairs
    left join truth
        on
            rule_pairs.label_date = truth.label_date
            and rule_pairs.user_id = truth.user_id
            and rule_pairs.item_id = truth.item_id
    group by 1, 2

),

final as (

    select
        scored.label_date,
        scored.dataset,
        scored.predicted_pairs,
        truth_sizes.true_pairs,
        scored.hits,
        cast(scored.hits as double) / scored.predicted_pairs as precision,
        cast(scored.hits as double) / truth_sizes.true_pairs as recall,
        2.0 * scored.hits / (scored.predicted_pairs + truth_sizes.true_pairs) as f1

    from scored
    -- a day without truth (the predict day of real data) cannot be scored
    inner join truth_sizes on scored.label_date = truth_sizes.label_date

)

select * from final
