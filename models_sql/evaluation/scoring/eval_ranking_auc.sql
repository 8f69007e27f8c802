{#- The eval day's ROC AUC over every scored candidate pair (before the per-user cap), exact:
    the Mann-Whitney rank statistic with tied probabilities given their average rank. It is
    computed the same way for every model family from its predictions, unlike tzrec's own
    `auc` metric, which bins probabilities into 200 equal steps of [0, 1] and so reads low
    when nearly all probabilities are below 0.05, as they are here. A candidate is positive
    when it is bought on the eval day (eval_purchases); purchases that are no candidate cannot be ranked and
    are left out (candidate_recall counts them). -#}

with

eval_pairs as (

    select * from {{ ref('scored_pairs') }}
    where dataset = 'eval'

),

truth as (

    select * from {{ ref('eval_purchases') }}

),

labeled as (

    select
        eval_pairs.label_date,
        eval_pairs.prob,
        truth.user_id is not null as is_bought

    from eval_pairs
    left join truth
        on
            eval_pairs.user_id = truth.user_id
            and eval_pairs.item_id = truth.item_id

),

ranked as (

    select
        *,
        -- average rank of a run of equal probabilities: the first rank plus half the run
        rank() over (order by prob asc)
        + (count(*) over (partition by prob) - 1) / 2.0 as average_rank

    from labeled

),

counts as (

    select
        any_value(label_date) as label_date,
        count(*) as scored_pairs,
        count(*) filter (where is_bought) as bought_pairs,
        count(*) filter (where not is_bought) as not_bought_pairs,
        sum(average_rank) filter (where is_bought) as bought_rank_sum

    from ranked

),

final as (

    select
        label_date,
        scored_pairs,
        bought_pairs,
        not_bought_pairs,
        case
            when bought_pairs > 0 and not_bought_pairs > 0
                then
                    (bought_rank_sum - bought_pairs * (bought_pairs + 1) / 2.0)
                    / (bought_pairs * not_bought_pairs)
        end as auc

    from counts

)

select * from final
