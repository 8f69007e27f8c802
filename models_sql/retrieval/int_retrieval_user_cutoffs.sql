{{ config(enabled=var('retrieval_exports', false)) }}

{#- The (cutoff, user) pairs the retrieval exports need a user side of: every user seen (any
    behavior on any item) by each cutoff of the datasets in var retrieval_side_datasets (and every
    training cutoff with var retrieval_out_of_fold), and the user of every training positive at its
    cutoff. -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}
    where dataset in {{ string_list(retrieval_side_datasets()) }}

),

first_seen as (

    select
        user_id,
        min(event_date) as first_event_date

    from {{ ref('int_user_item_daily') }}
    group by 1

),

positives as (

    select * from {{ ref('int_retrieval_positives') }}

),

seen_by_cutoff as (

    select
        calendar.cutoff_date,
        first_seen.user_id

    from calendar
    inner join first_seen on calendar.cutoff_date >= first_seen.first_event_date

),

final as (

    select
        cutoff_date,
        user_id
    from seen_by_cutoff

    union

    select
        cutoff_date,
        user_id
    from positives

)

select * from final
