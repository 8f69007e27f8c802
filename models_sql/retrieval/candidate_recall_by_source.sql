{{ config(enabled=var('recall_by_source', true)) }}

{#- Candidate recall by source, per label day: how many (user, P item) candidates each way of finding
    them proposes at the cutoff before the day, and how many of the day's true purchases they hold.
    Here the touched pairs, within each lookback of int_recall_touched_pairs and over the whole
    history; with var retrieval_runs, also each run's retrieved top-N alone and with the touched pairs
    of candidate_lookback_days (recall_retrieved_by_source). -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

true_pairs as (

    select * from {{ ref('int_recall_true_pairs') }}

),

touched_pairs as (

    select * from {{ ref('int_recall_touched_pairs') }}

),

lookbacks as (

    select distinct lookback_days from touched_pairs

),

first_touches as (

    select
        user_id,
        item_id,
        min(event_date) as first_touch_date

    from {{ ref('int_user_item_daily') }}
    where is_p_item
    group by 1, 2

),

truth_counts as (

    select
        label_date,
        cutoff_date,
        dataset,
        count(*) as true_pairs,
        count(days_since_touch) as touched_ever

    from true_pairs
    group by 1, 2, 3

),

touched_counts as (

    select
        cutoff_date,
        lookback_days,
        count(*) as candidate_pairs

    from touched_pairs
    group by 1, 2

    union all

    select
        calendar.cutoff_date,
        cast(null as integer) as lookback_days,
        count(*) as candidate_pairs

    from calendar
    inner join first_touches on calendar.cutoff_date >= first_touches.first_touch_date
    group by 1, 2

),

touched_hits as (

    select
        true_pairs.cutoff_date,
        lookbacks.lookback_days,
        count(case when true_pairs.days_since_touch < lookbacks.lookback_days then 1 end) as hits

    from true_pairs
    cross join lookbacks
    group by 1, 2

),

touched_rows as (

    select
        truth_counts.label_date,
        truth_counts.dataset,
        case
            when touched_counts.lookback_days is null then 'touched, whole history'
            else 'touched ' || cast(touched_counts.lookback_days as {{ string_type() }}) || 'd'
        end as candidate_set,
        'touched' as candidate_source,
        touched_counts.lookback_days,
        cast(null as {{ string_type() }}) as retriever,
        cast(null as integer) as top_n,
        touched_counts.candidate_pairs,
        truth_counts.true_pairs,
        coalesce(touched_hits.hits, truth_counts.touched_ever) as true_pairs_in_candidates

    from truth_counts
    inner join touched_counts on truth_counts.cutoff_date = touched_counts.cutoff_date
    left join touched_hits
        on
            touched_counts.cutoff_date = touched_hits.cutoff_date
            and touched_counts.lookback_days = touched_hits.lookback_days

),

by_source as (

    select * from touched_rows
    {%- if var('retrieval_runs', []) | length > 0 %}
        union all
        select * from {{ ref('recall_retrieved_by_source') }}
    {%- endif %}

),

final as (

    select
        *,
        cast(true_pairs_in_candidates as double) / true_pairs as candidate_recall

    from by_source

)

select * from final
