{#- The recall ceiling of every model: for each label day, the share of the day's true
    (user, P item) purchases that the candidate set of the cutoff before it contains (the touched
    pairs, with the retrieved ones where retrieval candidates are on: int_pair_candidate_sources). True
    purchases come from the logs for logged label days and from the answer file (where one
    exists) for the predict day. -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

candidates as (

    select * from {{ ref('int_pair_candidate_sources') }}

),

logged_truth as (

    select
        label_date,
        user_id,
        item_id

    from {{ ref('int_pair_labels') }}

),

answer_truth as (

    select
        label_date,
        user_id,
        item_id

    from {{ ref('stg_tianchi__answers') }}

),

truth as (

    select * from logged_truth
    union all
    select * from answer_truth

),

matched as (

    select
        calendar.label_date,
        calendar.dataset,
        count(*) as true_pairs,
        count(candidates.user_id) as true_pairs_in_candidates

    from truth
    inner join calendar on truth.label_date = calendar.label_date
    left join candidates
        on
            calendar.cutoff_date = candidates.cutoff_date
            and truth.user_id = candidates.user_id
            and truth.item_id = candidates.item_id
    group by 1, 2

),

candidate_counts as (

    select
        cutoff_date,
        count(*) as candidate_pairs

    from candidates
    group by 1

),

final as (

    select
        matched.label_date,
        matched.dataset,
        candidate_counts.candidate_pairs,
        matched.true_pairs,
        matched.true_pairs_in_candidates,
        cast(matched.true_pairs_in_candidates as double) / matched.true_pairs as candidate_recall

    from matched
    inner join calendar on matched.label_date = calendar.label_date
    left join candidate_counts on calendar.cutoff_date = candidate_counts.cutoff_date

)

select * from final
