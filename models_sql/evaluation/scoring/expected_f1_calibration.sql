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
      platt_slope, platt_intercept  for operating_point_rule expected_f1_platt: Platt scaling,
                   sigmoid(slope * logit + intercept), the logistic regression of the eval day's
                   labels on the logit fitted by maximum likelihood (Newton's method, from slope 1
                   and the shift above). The shift only moves every probability by the same
                   factor in odds; a slope also corrects a model whose scores are too flat or too
                   steep, which a shift cannot (the tail of DCN v2's shifted probabilities kept
                   expecting hits that did not come:
                   docs/decisions.md#a-platt-fit-for-the-expected-f1-cut-expected_f1_platt). At the
                   optimum the expected hits equal the observed ones too (the intercept's score
                   equation).
    slope and intercept are the pair the active rule applies (1 and the shift under expected_f1).
    One row; null calibration and ratio when the eval day has no hit among the scored pairs. -#}

{#- Newton steps of the Platt fit: the log-likelihood is concave and the start (slope 1, the
    moment-matching shift) is close, so a handful converges; the data test on
    platt_expected_hits checks it did. -#}
{%- set platt_newton_steps = 8 -%}
{%- set applies_platt = operating_point_rule() == 'expected_f1_platt' -%}

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
        {{ logit('eval_pairs.prob') }} as logit,
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
            sum({{ sigmoid('eval_logits.logit + coarse_grid.shift') }}) - any_value(counts.eval_scored_hits)
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
        sum({{ sigmoid('eval_logits.logit + fine_grid.shift') }}) as expected_hits

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

platt_step_0 as (

    select
        cast(1.0 as double) as slope,
        fine_best.shift as intercept

    from fine_best

),
{% for step in range(1, platt_newton_steps + 1) %}
    platt_fit_{{ step }} as (

        select
            eval_logits.logit,
            cast(eval_logits.is_hit as double) as hit,
            {{ sigmoid('previous.slope * eval_logits.logit + previous.intercept') }} as prob

        from eval_logits
        cross join platt_step_{{ step - 1 }} as previous

    ),

    platt_moments_{{ step }} as (

        -- the log-likelihood's gradient g (sums of (hit - prob) * (logit, 1)) and its negated
        -- Hessian H (sums of prob (1 - prob) * (logit^2, logit, 1)) at the previous step, and H's determinant
        select
            sum((hit - prob) * logit) as residual_logit,
            sum(hit - prob) as residual_sum,
            sum(prob * (1 - prob) * logit * logit) as curvature_logit2,
            sum(prob * (1 - prob) * logit) as curvature_logit,
            sum(prob * (1 - prob)) as curvature_sum,
            sum(prob * (1 - prob) * logit * logit) * sum(prob * (1 - prob)) - sum(prob * (1 - prob) * logit) ^ 2
                as determinant

        from platt_fit_{{ step }}

    ),

    platt_step_{{ step }} as (

        -- one Newton step: (slope, intercept) += H^-1 g (none when H is singular)
        select
            previous.slope + coalesce(
                (moments.curvature_sum * moments.residual_logit - moments.curvature_logit * moments.residual_sum)
                / nullif(greatest(moments.determinant, 0), 0), 0
            ) as slope,
            previous.intercept + coalesce(
                (moments.curvature_logit2 * moments.residual_sum - moments.curvature_logit * moments.residual_logit)
                / nullif(greatest(moments.determinant, 0), 0), 0
            ) as intercept

        from platt_step_{{ step - 1 }} as previous
        cross join platt_moments_{{ step }} as moments

    ),
{% endfor %}
platt as (

    select
        platt_step_{{ platt_newton_steps }}.slope,
        platt_step_{{ platt_newton_steps }}.intercept,
        sum({{ sigmoid('platt_step_' ~ platt_newton_steps ~ '.slope * eval_logits.logit + platt_step_' ~ platt_newton_steps ~ '.intercept') }})
            as expected_hits

    from platt_step_{{ platt_newton_steps }}
    cross join eval_logits
    group by platt_step_{{ platt_newton_steps }}.slope, platt_step_{{ platt_newton_steps }}.intercept

),

final as (

    select
        case when counts.eval_scored_hits > 0 then round(fine_best.shift, 3) end as logit_shift,
        case when counts.eval_scored_hits > 0 then fine_best.expected_hits end as eval_expected_hits,
        case when counts.eval_scored_hits > 0 then round(platt.slope, 4) end as platt_slope,
        case when counts.eval_scored_hits > 0 then round(platt.intercept, 4) end as platt_intercept,
        case when counts.eval_scored_hits > 0 then platt.expected_hits end as platt_expected_hits,
        -- the pair the active rule applies in expected_f1_cut
        case when counts.eval_scored_hits > 0 then {{ 'round(platt.slope, 4)' if applies_platt else '1.0' }} end as slope,
        case
            when counts.eval_scored_hits > 0
                then {{ 'round(platt.intercept, 4)' if applies_platt else 'round(fine_best.shift, 3)' }}
        end as intercept,
        counts.eval_scored_hits,
        counts.eval_true_pairs,
        case when counts.eval_scored_hits > 0 then counts.eval_true_pairs / counts.eval_scored_hits end
            as true_pairs_per_scored_hit

    from counts
    left join fine_best on true
    left join platt on true

)

select * from final
