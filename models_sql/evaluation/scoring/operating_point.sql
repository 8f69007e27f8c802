{#- The operating point: chosen on the eval day only (the best F1 of each scan in f1_scan) and
    carried to the predict day by var operating_point_rule, so that a different number of
    candidates on the predict day is handled:
      top_k_share  the best top-K's pairs as a share of the eval day's scored pairs, times the
                   predict day's scored pairs (at least 1): ranks only, so any monotone change in
                   the model's calibration leaves it unchanged;
      threshold    the best threshold, applied to the predict day's probabilities as it is;
      top_k_share_smoothed  as top_k_share, from the top-K with the best smoothed F1
                   (f1_scan.is_best_smoothed) instead of the best raw F1.
    One row. The predict day contributes only its count of scored pairs. -#}

with

scan as (

    select * from {{ ref('f1_scan') }}

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

    select * from scan
    where
        scan = 'top_k'
        and {{ 'is_best_smoothed' if operating_point_rule() == 'top_k_share_smoothed' else 'is_best' }}

),

predict_count as (

    select count(*) as predict_scored_pairs
    from predict_pairs

),

carried as (

    select
        {{ tianchi_string_literal(operating_point_rule()) }} as operating_point_rule,
        best_threshold.threshold,
        best_threshold.f1 as eval_f1_at_threshold,
        best_top_k.top_k as eval_top_k,
        best_top_k.predicted_pairs as eval_top_k_pairs,
        best_top_k.f1 as eval_f1_at_top_k,
        best_top_k.scored_pairs as eval_scored_pairs,
        best_top_k.share_of_scored_pairs as top_k_share,
        predict_count.predict_scored_pairs,
        greatest(
            1, cast(round(best_top_k.share_of_scored_pairs * predict_count.predict_scored_pairs) as bigint)
        ) as predict_top_k

    from best_threshold
    cross join best_top_k
    cross join predict_count

),

chosen as (

    select
        carried.*,
        scan.predicted_pairs as eval_predicted_pairs,
        scan.hits as eval_hits,
        scan.true_pairs as eval_true_pairs,
        scan.precision as eval_precision,
        scan.recall as eval_recall,
        scan.f1 as eval_f1

    from carried
    inner join scan
        on
            case
                when carried.operating_point_rule = 'threshold' then scan.scan = 'threshold' and scan.is_best
                when carried.operating_point_rule = 'top_k_share_smoothed'
                    then scan.scan = 'top_k' and scan.is_best_smoothed
                else scan.scan = 'top_k' and scan.is_best
            end

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
        {{ var('score_max_pairs_per_user') if var('score_max_pairs_per_user') is not none else 'cast(null as bigint)' }}
            as max_pairs_per_user,
        {{ tianchi_string_literal(var('predictions_dir')) }} as predictions_dir

    from chosen

)

select * from final
