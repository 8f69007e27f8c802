{#- The eval day's calibration of the model's probabilities, for operating_point_rule expected_f1.
    Two numbers learnt from the eval day's labels and nothing else:
      logit_shift  the shift b added to every logit so that the eval day's expected hits
                   (the sum of sigmoid(logit + b) over its scored pairs within the per-user cap)
                   equal its observed hits there. A model trained on sampled negatives, on the
                   sale day's inflated rate or with another loss is miscalibrated by roughly a
                   constant in logit space; b takes that constant out. Found on a grid in two
                   passes (steps of 0.1 over [-10, 10], then 0.001 around the best).
      true_pairs_per_scored_hit  the eval day's true pairs over its hits among the scored pairs:
                   every purchase outside the candidates counts in F1's denominator too.
    One row; null shift and ratio when the eval day has no hit among the scored pairs. -#}

with

eval_pairs as (

    select * from {{ ref('scored_pairs') }}
    where dataset = 'eval' and is_within_user_cap

),

truth as (

    select * from {{ ref('eval_purchases') }}

),

eval_logits as (

    select
        eval_pairs.user_id,
        eval_pairs.item_id,
        {{ tianchi_logit('eval_pairs.prob') }} as logit,
        truth.user_id is not null as is_hit

    from eval_pairs
    left join truth
        on eval_pairs.user_id = truth.user_id and eval_pairs.item_id = truth.item_id

),

counts as (

    select
        (select count(*) from truth) as eval_true_pairs,
        count(*) filter (where is_hit) as eval_scored_hits

    from eval_logits

),

coarse_grid as (

    select cast(steps.step as double) / 10 as shift
    from range(-100, 101) as steps (step)

),

coarse_fit as (

    select
        coarse_grid.shift,
        abs(
            sum({{ tianchi_sigmoid('eval_logits.logit + coarse_grid.shift') }}) - any_value(counts.eval_scored_hits)
        ) as gap

    from coarse_grid
    cross join eval_logits
    cross join counts
    group by coarse_grid.shift

),

coarse_best as (

    select shift
    from coarse_fit
    order by gap asc, shift asc
    limit 1

),

fine_grid as (

    select coarse_best.shift + cast(steps.step as double) / 1000 as shift
    from coarse_best
    cross join range(-100, 101) as steps (step)

),

fine_fit as (

    select
        fine_grid.shift,
        sum({{ tianchi_sigmoid('eval_logits.logit + fine_grid.shift') }}) as expected_hits

    from fine_grid
    cross join eval_logits
    group by fine_grid.shift

),

fine_best as (

    select
        fine_fit.shift,
        fine_fit.expected_hits

    from fine_fit
    cross join counts
    order by abs(fine_fit.expected_hits - counts.eval_scored_hits) asc, fine_fit.shift asc
    limit 1

),

final as (

    select
        case when counts.eval_scored_hits > 0 then round(fine_best.shift, 3) end as logit_shift,
        case when counts.eval_scored_hits > 0 then fine_best.expected_hits end as eval_expected_hits,
        counts.eval_scored_hits,
        counts.eval_true_pairs,
        case when counts.eval_scored_hits > 0 then counts.eval_true_pairs / counts.eval_scored_hits end
            as true_pairs_per_scored_hit

    from counts
    left join fine_best on true

)

select * from final
