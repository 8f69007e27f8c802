{#- The operating point: chosen on the eval day only and carried to the predict day by var
    operating_point_rule (each rule in full: docs/guide/evaluation.md#the-operating-point):
      top_k_share_smoothed  the best smoothed top-K (f1_scan.is_best_smoothed), as a share
      top_k_share           the best raw top-K (f1_scan.is_best), as a share
      threshold             the best threshold, as it is
      expected_f1           each day's own K (expected_f1_cut), logit-shift calibration
      expected_f1_platt     the same with a Platt calibration
      top_k_share_pooled    the share with the best smoothed pooled F1 (pooled_share_scan)
    One row. The predict day contributes its count of scored pairs, and under the expected-F1
    rules its scores; never its labels. -#}

{%- set takes_expected_f1_cut = operating_point_rule() in ['expected_f1', 'expected_f1_platt'] -%}

with

scan as (

    select * from {{ ref('f1_scan') }}

),

pooled_best as (

    select * from {{ ref('pooled_share_scan') }}
    where is_best_smoothed

),

predict_pairs as (

    select * from {{ ref('scored_pairs') }}
    where dataset = 'predict'

),

best_threshold as (

    select * from scan
    where scan = 'threshold' and is_best

),

best_top_k as (

    select scan.*
    from scan
    left join pooled_best on scan.top_k = pooled_best.top_k
    where
        scan.scan = 'top_k'
        and case {{ sql_string(operating_point_rule()) }}
            -- the eval day's row of the share chosen on the pooled days
            when 'top_k_share_pooled' then pooled_best.top_k is not null
            when 'top_k_share_smoothed' then scan.is_best_smoothed
            else scan.is_best
        end

),

expected_f1_cut as (

    select * from {{ ref('expected_f1_cut') }}

),

eval_cut as (

    select * from expected_f1_cut
    where dataset = 'eval'

),

predict_cut as (

    select * from expected_f1_cut
    where dataset = 'predict'

),

predict_count as (

    select count(*) as predict_scored_pairs
    from predict_pairs

),

carried as (

    select
        {{ sql_string(operating_point_rule()) }} as operating_point_rule,
        {{ 'true' if takes_expected_f1_cut else 'false' }} as takes_expected_f1_cut,
        best_threshold.threshold,
        best_threshold.f1 as eval_f1_at_threshold,
        best_top_k.scored_pairs as eval_scored_pairs,
        predict_count.predict_scored_pairs,
        best_top_k.top_k as scan_top_k,
        best_top_k.predicted_pairs as scan_top_k_pairs,
        best_top_k.f1 as scan_f1_at_top_k,
        best_top_k.share_of_scored_pairs as scan_top_k_share,
        eval_cut.top_k as eval_cut_top_k,
        eval_cut.f1 as eval_cut_f1,
        eval_cut.calibration_slope,
        eval_cut.calibration_intercept,
        predict_cut.top_k as predict_cut_top_k

    from best_threshold
    cross join best_top_k
    cross join predict_count
    left join eval_cut on true
    left join predict_cut on true

),

carried_top_k as (

    select
        operating_point_rule,
        takes_expected_f1_cut,
        threshold,
        eval_f1_at_threshold,
        eval_scored_pairs,
        predict_scored_pairs,
        case when takes_expected_f1_cut then eval_cut_top_k else scan_top_k end as eval_top_k,
        case when takes_expected_f1_cut then eval_cut_top_k else scan_top_k_pairs end as eval_top_k_pairs,
        case when takes_expected_f1_cut then eval_cut_f1 else scan_f1_at_top_k end as eval_f1_at_top_k,
        case
            when takes_expected_f1_cut then eval_cut_top_k / eval_scored_pairs
            else scan_top_k_share
        end as top_k_share,
        case
            when not takes_expected_f1_cut
                then greatest(1, cast(round(scan_top_k_share * predict_scored_pairs) as bigint))
            when predict_cut_top_k is null
                then error(
                        'operating_point_rule ' || operating_point_rule || ' found no cut: the eval day has no hit '
                        || 'among the run''s scored pairs (nothing to calibrate on) or the predict day has no scored pair; score '
                        || 'this run with another rule, e.g. --var operating_point_rule=top_k_share_smoothed'
                    )
            else predict_cut_top_k
        end as predict_top_k,
        case when takes_expected_f1_cut then calibration_slope end as calibration_slope,
        case when takes_expected_f1_cut then calibration_intercept end as calibration_intercept

    from carried

),

chosen as (

    select
        carried_top_k.*,
        -- the eval day's result at the chosen setting: a scan's row, or the expected-F1 cut's
        coalesce(scan.predicted_pairs, eval_cut.top_k) as eval_predicted_pairs,
        coalesce(scan.hits, eval_cut.hits) as eval_hits,
        coalesce(scan.true_pairs, eval_cut.true_pairs) as eval_true_pairs,
        coalesce(scan.precision, eval_cut.hits / eval_cut.top_k) as eval_precision,
        coalesce(scan.recall, eval_cut.hits / eval_cut.true_pairs) as eval_recall,
        coalesce(scan.f1, eval_cut.f1) as eval_f1

    from carried_top_k
    left join scan
        on
            case
                when carried_top_k.operating_point_rule = 'top_k_share_pooled'
                    then scan.scan = 'top_k' and carried_top_k.eval_top_k = scan.top_k
                when carried_top_k.operating_point_rule = 'threshold' then scan.scan = 'threshold' and scan.is_best
                when carried_top_k.operating_point_rule = 'top_k_share_smoothed'
                    then scan.scan = 'top_k' and scan.is_best_smoothed
                when carried_top_k.operating_point_rule = 'top_k_share' then scan.scan = 'top_k' and scan.is_best
                else false
            end
    left join eval_cut
        on carried_top_k.takes_expected_f1_cut

),

final as (

    select
        operating_point_rule,
        threshold,
        eval_top_k,
        eval_top_k_pairs,
        eval_scored_pairs,
        top_k_share,
        predict_scored_pairs,
        predict_top_k,
        eval_f1_at_threshold,
        eval_f1_at_top_k,
        eval_predicted_pairs,
        eval_hits,
        eval_true_pairs,
        eval_precision,
        eval_recall,
        eval_f1,
        calibration_slope,
        calibration_intercept,
        {{ var('score_max_pairs_per_user') if var('score_max_pairs_per_user') is not none else 'cast(null as bigint)' }}
            as max_pairs_per_user,
        {{ sql_string(var('predictions_dir')) }} as predictions_dir

    from chosen

)

select * from final
