{#- The submission scored against the held-out answers of the predict day
    (stg_tianchi__answers: generated data only), beside the cart rule on the same day and the
    F1 the operating point had on the eval day. One row; without answers (real competition
    data) has_answers is false and the scores are null. -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}
    where dataset = 'predict'

),

submission as (

    select * from {{ ref('submission') }}

),

answers as (

    select * from {{ ref('stg_tianchi__answers') }}

),

operating_point as (

    select * from {{ ref('operating_point') }}

),

cart_rule as (

    select * from {{ ref('rule_cart_baseline') }}
    where dataset = 'predict'

),

answer_count as (

    select count(*) as true_pairs
    from answers

),

matched as (

    select
        count(*) as submitted_pairs,
        count(answers.user_id) as hits

    from submission
    left join answers
        on
            submission.user_id = answers.user_id
            and submission.item_id = answers.item_id

),

final as (

    select
        calendar.label_date,
        answer_count.true_pairs > 0 as has_answers,
        matched.submitted_pairs,
        case when answer_count.true_pairs > 0 then answer_count.true_pairs end as true_pairs,
        case when answer_count.true_pairs > 0 then matched.hits end as hits,
        case when answer_count.true_pairs > 0 then cast(matched.hits as double) / nullif(matched.submitted_pairs, 0) end
            as precision,
        cast(matched.hits as double) / nullif(answer_count.true_pairs, 0) as recall,
        case
            when answer_count.true_pairs > 0 then 2.0 * matched.hits / (matched.submitted_pairs + answer_count.true_pairs)
        end as f1,
        operating_point.operating_point_rule,
        operating_point.eval_f1,
        cart_rule.predicted_pairs as cart_rule_pairs,
        cart_rule.f1 as cart_rule_f1

    from calendar
    cross join answer_count
    cross join matched
    cross join operating_point
    left join cart_rule on calendar.label_date = cart_rule.label_date

)

select * from final
