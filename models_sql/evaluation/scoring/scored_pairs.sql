{#- Every scored pair of the eval day and of the predict day, ranked: within its user (for the
    per-user cap) and within its day among the pairs the cap keeps (for top-K). Ties in
    probability are broken by user_id, item_id, so every rank is reproducible.
    Under operating_point_rule top_k_share_pooled, the validation users' pairs of every training
    label day too (dataset 'validation', one ranking per day): the run's predictions/validation/
    exist only for the runs that rule scores, so no other rule reads them. -#}

{%- set user_cap = var('score_max_pairs_per_user') %}
{%- set user_cap_sql = user_cap if user_cap is not none else 'null' %}
{%- set reads_validation = operating_point_rule() == 'top_k_share_pooled' %}

with

calendar as (

    select
        *,
        -- the validation users' rows belong to the training label days
        case when dataset = 'train' then 'validation' else dataset end as scored_dataset

    from {{ ref('int_label_calendar') }}
    where dataset in ('eval', 'predict'{{ ", 'train'" if reads_validation }})

),

eval_predictions as (

    select
        'eval' as dataset,
        cutoff_date,
        user_id,
        item_id,
        probs

    from {{ predictions_relation('eval') }}

),

predict_predictions as (

    select
        'predict' as dataset,
        cutoff_date,
        user_id,
        item_id,
        probs

    from {{ predictions_relation('predict') }}

),

{%- if reads_validation %}

validation_predictions as (

    select
        'validation' as dataset,
        cutoff_date,
        user_id,
        item_id,
        probs

    from {{ predictions_relation('validation') }}

),
{%- endif %}

predictions as (

    select * from eval_predictions
    union all
    select * from predict_predictions
    {%- if reads_validation %}
    union all
    select * from validation_predictions
    {%- endif %}

),

typed as (

    select
        dataset,
        cast(cutoff_date as date) as prediction_cutoff_date,
        cast(user_id as bigint) as user_id,
        cast(item_id as bigint) as item_id,
        cast(probs as double) as prob

    from predictions

),

ranked_within_user as (

    select
        *,
        row_number() over (
            partition by dataset, prediction_cutoff_date, user_id order by prob desc, item_id asc
        ) as user_rank

    from typed

),

capped as (

    select
        *,
        -- no cap (null) keeps every pair
        coalesce(user_rank <= {{ user_cap_sql }}, true) as is_within_user_cap

    from ranked_within_user

),

ranked as (

    select
        *,
        row_number() over (
            partition by dataset, prediction_cutoff_date, is_within_user_cap
            order by prob desc, user_id asc, item_id asc
        ) as rank_in_cap_group,
        count(*) over (partition by dataset, prediction_cutoff_date) as scored_pairs

    from capped

),

final as (

    select
        ranked.dataset,
        calendar.cutoff_date,
        calendar.label_date,
        ranked.prediction_cutoff_date,
        ranked.user_id,
        ranked.item_id,
        ranked.prob,
        ranked.user_rank,
        ranked.is_within_user_cap,
        case when ranked.is_within_user_cap then ranked.rank_in_cap_group end as score_rank,
        ranked.scored_pairs

    from ranked
    inner join calendar
        on
            ranked.dataset = calendar.scored_dataset
            -- the eval and predict sets hold one cutoff each; a validation pair joins its own day
            and (ranked.dataset <> 'validation' or ranked.prediction_cutoff_date = calendar.cutoff_date)

)

select * from final
