{#- The eval day's true pairs: every (user, P item) bought on the eval label day, candidate or
    not. The one definition of "bought on the eval day" that f1_scan (hits and true pairs) and
    eval_ranking_auc (positives) both score against. -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}
    where dataset = 'eval'

),

labels as (

    select * from {{ ref('int_pair_labels') }}

),

final as (

    select
        labels.label_date,
        labels.user_id,
        labels.item_id

    from labels
    inner join calendar on labels.label_date = calendar.label_date

)

select * from final
