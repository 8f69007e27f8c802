{#- The expected-F1 cut of each day, for operating_point_rule expected_f1 and expected_f1_platt:
    the number of top pairs K that maximises the F1 the model itself expects, 2 * S(K) / (K + N),
    where S(K) is the sum of the calibrated probabilities of the day's K best pairs (the hits it
    expects) and N the true pairs it expects on the day (its calibrated probabilities summed over
    every scored pair, times the eval day's true pairs per scored hit). The probabilities are the
    model's, calibrated by expected_f1_calibration (learnt on the eval day): sigmoid(slope * logit
    + intercept), with slope 1 and the moment-matching shift under expected_f1 and the Platt fit
    under expected_f1_platt. So the predict day's K follows how much purchase the model sees on
    that day, not only how many candidates there are; its labels are never read. The eval day's
    row also carries the hits and F1 its K really scores. One row per day (eval, predict); ties go
    to the fewer pairs. -#}

with

pairs as (

    select * from {{ ref('scored_pairs') }}
    where dataset in ('eval', 'predict') and is_within_user_cap

),

calibration as (

    select * from {{ ref('expected_f1_calibration') }}

),

truth as (

    select * from {{ ref('eval_purchases') }}

),

calibrated as (

    select
        pairs.dataset,
        pairs.score_rank,
        {{ sigmoid('calibration.slope * ' ~ logit('pairs.prob') ~ ' + calibration.intercept') }}
            as calibrated_prob,
        -- the predict day's labels are never joined: its hits stay unknown here
        pairs.dataset = 'eval' and truth.user_id is not null as is_hit

    from pairs
    cross join calibration
    left join truth
        on
            pairs.dataset = 'eval'
            and pairs.user_id = truth.user_id
            and pairs.item_id = truth.item_id

),

cumulative as (

    select
        dataset,
        score_rank as top_k,
        sum(calibrated_prob) over (partition by dataset order by score_rank) as expected_hits,
        sum(cast(is_hit as bigint)) over (partition by dataset order by score_rank) as hits,
        sum(calibrated_prob) over (partition by dataset) as expected_scored_hits

    from calibrated

),

expected as (

    select
        cumulative.*,
        cumulative.expected_scored_hits * calibration.true_pairs_per_scored_hit as expected_true_pairs,
        2 * cumulative.expected_hits
        / (cumulative.top_k + cumulative.expected_scored_hits * calibration.true_pairs_per_scored_hit) as expected_f1

    from cumulative
    cross join calibration

),

best as (

    select
        *,
        row_number() over (partition by dataset order by expected_f1 desc, top_k asc) as expected_f1_rank

    from expected
    where expected_f1 is not null

),

final as (

    select
        best.dataset,
        best.top_k,
        best.expected_hits,
        best.expected_true_pairs,
        best.expected_f1,
        case when best.dataset = 'eval' then best.hits end as hits,
        case when best.dataset = 'eval' then calibration.eval_true_pairs end as true_pairs,
        case when best.dataset = 'eval' then 2.0 * best.hits / (best.top_k + calibration.eval_true_pairs) end as f1,
        calibration.slope as calibration_slope,
        calibration.intercept as calibration_intercept

    from best
    cross join calibration
    where best.expected_f1_rank = 1

)

select * from final
