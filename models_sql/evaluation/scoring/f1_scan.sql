{#- The eval day's F1 for every setting of two scans over the model's probabilities: a
    probability threshold (submit the pairs with prob >= threshold) and a top-K (submit the K
    most probable pairs), both after the per-user cap. Scored against every purchase of the eval
    day (eval_purchases): a true pair outside the candidates is a miss, so this is the
    competition's F1 = 2 hits / (predicted + true). The seed plan's settings (score_threshold,
    score_top_k) are always in the grids.
    The top-K scan also carries f1_smoothed: the mean F1 of the top-K settings within a factor
    score_smoothing_ratio of K (both ways), where at least score_smoothing_min_settings are. The eval day's F1 is flat over a wide range of K and
    one hit moves it by ~0.0025, so the argmax of the raw curve is mostly noise; the smoothed
    curve's argmax (is_best_smoothed) sits inside the plateau. -#}

with

eval_pairs as (

    select * from {{ ref('scored_pairs') }}
    where dataset = 'eval'

),

truth as (

    select * from {{ ref('eval_purchases') }}

),

thresholds as (

    {{ scan_grid(var('score_thresholds') + [var('score_threshold')], 'threshold', 'double') }}

),

top_ks as (

    {{ scan_grid(var('score_top_ks') + [var('score_top_k')], 'top_k', 'bigint') }}

),

true_pair_count as (

    select count(*) as true_pairs
    from truth

),

candidate_count as (

    select count(*) as scored_pairs
    from eval_pairs

),

settings as (

    select
        'threshold' as scan,
        threshold,
        cast(null as bigint) as top_k

    from thresholds

    union all

    select
        'top_k' as scan,
        cast(null as double) as threshold,
        top_k

    from top_ks

),

selected_pairs as (

    select
        settings.scan,
        settings.threshold,
        settings.top_k,
        eval_pairs.user_id,
        eval_pairs.item_id

    from settings
    inner join eval_pairs
        on
            eval_pairs.is_within_user_cap
            and (
                (settings.scan = 'threshold' and settings.threshold <= eval_pairs.prob)
                or (settings.scan = 'top_k' and settings.top_k >= eval_pairs.score_rank)
            )

),

matched as (

    select
        selected_pairs.scan,
        selected_pairs.threshold,
        selected_pairs.top_k,
        count(*) as predicted_pairs,
        count(truth.user_id) as hits

    from selected_pairs
    left join truth
        on
            selected_pairs.user_id = truth.user_id
            and selected_pairs.item_id = truth.item_id
    group by 1, 2, 3

),

counted as (

    -- a setting that selects nothing (a threshold above every probability) keeps its row
    select
        settings.scan,
        settings.threshold,
        settings.top_k,
        coalesce(matched.predicted_pairs, 0) as predicted_pairs,
        coalesce(matched.hits, 0) as hits,
        true_pair_count.true_pairs,
        candidate_count.scored_pairs

    from settings
    cross join true_pair_count
    cross join candidate_count
    left join matched
        on
            settings.scan = matched.scan
            and (settings.threshold = matched.threshold or settings.top_k = matched.top_k)

),

scored as (

    select
        *,
        cast(hits as double) / nullif(predicted_pairs, 0) as precision,
        cast(hits as double) / nullif(true_pairs, 0) as recall,
        coalesce(2.0 * hits / nullif(predicted_pairs + true_pairs, 0), 0) as f1,
        cast(predicted_pairs as double) / nullif(scored_pairs, 0) as share_of_scored_pairs

    from counted

),

smoothed as (

    -- for each top-K setting: the mean F1 of the top-K settings within a factor of its K
    {{ smoothed_top_k_f1('scored') }}

),

with_smoothed as (

    select
        scored.*,
        smoothed.f1_smoothed

    from scored
    -- a threshold setting (null top_k) has no smoothed F1
    left join smoothed on scored.top_k = smoothed.top_k

),

final as (

    select
        scan,
        threshold,
        top_k,
        predicted_pairs,
        true_pairs,
        hits,
        precision,
        recall,
        f1,
        scored_pairs,
        share_of_scored_pairs,
        -- the best setting of each scan; ties go to the fewer pairs, then the higher threshold
        row_number() over (
            partition by scan order by f1 desc, predicted_pairs asc, threshold desc, top_k asc
        ) = 1 as is_best,
        f1_smoothed,
        -- the best top-K by smoothed F1 (ties to the fewer pairs); false on the threshold scan
        coalesce(
            f1_smoothed is not null
            and row_number() over (
                partition by scan order by f1_smoothed desc nulls last, predicted_pairs asc, top_k asc
            ) = 1,
            false
        ) as is_best_smoothed,
        coalesce(threshold = {{ var('score_threshold') }}, top_k = {{ var('score_top_k') }}) as is_seed_default

    from with_smoothed

)

select * from final
