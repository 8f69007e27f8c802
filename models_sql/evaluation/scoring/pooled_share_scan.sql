{#- The top-K scan of f1_scan as shares of a day's scored pairs, scored on more days than the
    eval day: under operating_point_rule top_k_share_pooled, the eval day and every normal
    training label day of the validation users (a label day in sale_dates, or the day after one,
    is left out). Each setting is the eval day's top-K as its share of the eval day's scored pairs
    (f1_scan.share_of_scored_pairs); every day submits that share of its own scored pairs (at
    least 1), and the days' hits, submitted pairs and true pairs are summed into one F1, so a day
    weighs by its true pairs (the eval day has all users, a validation day a tenth of them).
    Smoothed as f1_scan smooths the top-K scan; the best smoothed share is the rule's choice.
    Under any other rule only the eval day is pooled, and each row's F1 is f1_scan's. -#}

{%- set pools_validation = operating_point_rule() == 'top_k_share_pooled' %}

with

eval_scan as (

    select * from {{ ref('f1_scan') }}
    where scan = 'top_k'

),

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

pairs as (

    select * from {{ ref('scored_pairs') }}
    where dataset in ('eval'{{ ", 'validation'" if pools_validation }})

),

eval_truth as (

    select * from {{ ref('eval_purchases') }}

),

validation_truth as (

    select * from {{ ref('validation_purchases') }}

),

pooled_days as (

    select
        'eval' as dataset,
        label_date

    from calendar
    where dataset = 'eval'
    {%- if pools_validation %}

    union all

    select
        'validation' as dataset,
        label_date

    from calendar
    where dataset = 'train' and not is_sale_label_day and not is_sale_cutoff_day
    {%- endif %}

),

truth as (

    select
        'eval' as dataset,
        label_date,
        user_id,
        item_id

    from eval_truth

    union all

    select
        'validation' as dataset,
        label_date,
        user_id,
        item_id

    from validation_truth

),

day_true_pairs as (

    select
        pooled_days.dataset,
        pooled_days.label_date,
        count(truth.user_id) as true_pairs

    from pooled_days
    left join truth
        on
            pooled_days.dataset = truth.dataset
            and pooled_days.label_date = truth.label_date
    group by 1, 2

),

hits_by_rank as (

    -- each day's capped ranking with its running count of hits
    select
        pairs.dataset,
        pairs.label_date,
        pairs.score_rank,
        pairs.scored_pairs,
        sum(case when truth.user_id is not null then 1 else 0 end) over (
            partition by pairs.dataset, pairs.label_date order by pairs.score_rank
        ) as hits_through_rank

    from pairs
    left join truth
        on
            pairs.dataset = truth.dataset
            and pairs.label_date = truth.label_date
            and pairs.user_id = truth.user_id
            and pairs.item_id = truth.item_id
    where pairs.is_within_user_cap

),

day_pairs as (

    select
        dataset,
        label_date,
        max(scored_pairs) as scored_pairs,
        max(score_rank) as capped_pairs

    from hits_by_rank
    group by 1, 2

),

days as (

    select
        day_true_pairs.dataset,
        day_true_pairs.label_date,
        day_true_pairs.true_pairs,
        coalesce(day_pairs.scored_pairs, 0) as scored_pairs,
        coalesce(day_pairs.capped_pairs, 0) as capped_pairs

    from day_true_pairs
    left join day_pairs
        on
            day_true_pairs.dataset = day_pairs.dataset
            and day_true_pairs.label_date = day_pairs.label_date

),

day_settings as (

    select
        eval_scan.top_k,
        eval_scan.share_of_scored_pairs,
        days.dataset,
        days.label_date,
        days.true_pairs,
        -- the share of this day's scored pairs, as operating_point carries it to the predict day
        least(
            days.capped_pairs,
            greatest(1, cast(round(eval_scan.share_of_scored_pairs * days.scored_pairs) as bigint))
        ) as predicted_pairs

    from eval_scan
    cross join days

),

day_scores as (

    select
        day_settings.*,
        coalesce(hits_by_rank.hits_through_rank, 0) as hits

    from day_settings
    left join hits_by_rank
        on
            day_settings.dataset = hits_by_rank.dataset
            and day_settings.label_date = hits_by_rank.label_date
            and day_settings.predicted_pairs = hits_by_rank.score_rank

),

pooled as (

    select
        top_k,
        share_of_scored_pairs,
        count(*) as pooled_days,
        sum(predicted_pairs) as predicted_pairs,
        sum(hits) as hits,
        sum(true_pairs) as true_pairs

    from day_scores
    group by 1, 2

),

scored as (

    select
        *,
        coalesce(2.0 * hits / nullif(predicted_pairs + true_pairs, 0), 0) as f1

    from pooled

),

smoothed as (

    -- as f1_scan: the mean F1 of the settings within a factor of K (both ways)
    {{ smoothed_top_k_f1('scored') }}

),

final as (

    select
        scored.top_k,
        scored.share_of_scored_pairs,
        scored.pooled_days,
        scored.predicted_pairs,
        scored.hits,
        scored.true_pairs,
        scored.f1,
        smoothed.f1_smoothed,
        -- the best share by smoothed F1 (ties to the fewer pairs), as f1_scan.is_best_smoothed
        coalesce(
            smoothed.f1_smoothed is not null
            and row_number() over (
                order by smoothed.f1_smoothed desc nulls last, scored.predicted_pairs asc, scored.top_k asc
            ) = 1,
            false
        ) as is_best_smoothed

    from scored
    inner join smoothed on scored.top_k = smoothed.top_k

)

select * from final
