{#- The candidates the exports hold, the rows every feature is built for, with where each comes from
    (int_pair_candidate_sources): each candidate of the eval, predict and validation rows, and of the
    training rows every positive and the negatives some export keeps (all of them while
    export_train_all_negatives is built; else the share negative_keep_rate that export_train keeps,
    with the same seeded hash: at the online scale the features are not built for the nine in ten
    training negatives no export holds). -#}

{%- set keep_rate = exported_negative_rate() %}

with

candidates as (

    select * from {{ ref('int_pair_candidate_sources') }}

),

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

labels as (

    select * from {{ ref('int_pair_labels') }}

),

classified as (

    select
        candidates.cutoff_date,
        candidates.user_id,
        candidates.item_id,
        candidates.item_category,
        candidates.candidate_source,
        candidates.recall_score,
        candidates.recall_rank,
        calendar.dataset = 'train' and not {{ is_validation_user('candidates.user_id') }} as is_training_row,
        labels.user_id is not null as is_positive
    from candidates
    inner join calendar on candidates.cutoff_date = calendar.cutoff_date
    left join labels
        on
            candidates.cutoff_date = labels.cutoff_date
            and candidates.user_id = labels.user_id
            and candidates.item_id = labels.item_id

),

final as (

    select
        cutoff_date,
        user_id,
        item_id,
        item_category,
        candidate_source,
        recall_score,
        recall_rank
    from classified
    {%- if keep_rate < 1 %}
    where
        not is_training_row
        or is_positive
        or {{ is_kept_negative(sample_key('cutoff_date', 'user_id', 'item_id'), keep_rate) }}
    {%- endif %}

)

select * from final
