{#- The submission: the predict day's (user, P item) pairs at the operating point chosen on
    the eval day (operating_point), after the per-user cap. One row per pair; prob and
    score_rank say why it is in. `python -m runner submit` writes its two id columns to a TSV. -#}

with

predict_pairs as (

    select * from {{ ref('scored_pairs') }}
    where dataset = 'predict' and is_within_user_cap

),

operating_point as (

    select * from {{ ref('operating_point') }}

),

p_items as (

    select * from {{ ref('int_p_items') }}

),

selected as (

    select
        predict_pairs.user_id,
        predict_pairs.item_id,
        predict_pairs.prob,
        predict_pairs.score_rank

    from predict_pairs
    cross join operating_point
    where
        case
            when operating_point.operating_point_rule = 'threshold' then predict_pairs.prob >= operating_point.threshold
            else predict_pairs.score_rank <= operating_point.predict_top_k
        end

),

in_p as (

    select selected.*
    from selected
    inner join p_items on selected.item_id = p_items.item_id

),

final as (

    select distinct
        user_id,
        item_id,
        prob,
        score_rank

    from in_p

)

select * from final
