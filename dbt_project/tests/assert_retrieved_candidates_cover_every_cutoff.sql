{#- With retrieval candidates on, every cutoff of the label calendar has retrieved pairs, each user of it at
    least the top N of var retrieval_candidate_top_n (or every P item, where P has fewer): a run retrieved with
    a smaller --top-n, or without the training cutoffs (`retrieve --splits train`), would leave cutoffs with
    fewer retrieved candidates than the var says. Returns the cutoffs that fall short; nothing while retrieval
    candidates are off. -#}

{%- set top_n = retrieval_candidate_top_n() %}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

retrieved as (

    select * from {{ ref('int_pair_retrieved_candidates') }}
    where recall_rank <= {{ top_n }}

),

p_item_count as (

    select count(*) as p_items

    from {{ ref('int_p_items') }}

),

per_user as (

    select
        cutoff_date,
        user_id,
        count(*) as pairs

    from retrieved
    group by 1, 2

),

per_cutoff as (

    select
        cutoff_date,
        count(*) as retrieved_users,
        min(pairs) as fewest_pairs

    from per_user
    group by 1

),

final as (

    select
        calendar.cutoff_date,
        calendar.dataset,
        coalesce(per_cutoff.retrieved_users, 0) as retrieved_users,
        per_cutoff.fewest_pairs

    from calendar
    cross join p_item_count
    left join per_cutoff on calendar.cutoff_date = per_cutoff.cutoff_date
    where
        {{ top_n }} > 0
        and (
            per_cutoff.cutoff_date is null
            or per_cutoff.fewest_pairs < least({{ top_n }}, p_item_count.p_items)
        )

)

select * from final
