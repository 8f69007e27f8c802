{{ config(materialized='table') }}

{#- Candidate recall by source, per label day: how many (user, P item) candidates each way of finding
    them proposes at the cutoff before the day, and how many of the day's true purchases they hold.
    Sources: the pairs touched within each lookback of var recall_lookback_days and over the whole
    history; and, for each run of var retrieval_runs, its retrieved top-N (var recall_top_ns) alone
    and joined with the touched pairs of the ranking's own lookback (var candidate_lookback_days).
    Retrieved rows exist for the label days whose cutoff was retrieved. True purchases come from the
    logs, and from the answer file (where one exists) for the predict day. -#}

{%- set lookbacks = var('recall_lookback_days') | list %}
{%- set union_lookback = var('candidate_lookback_days') %}
{%- set touched_lookbacks = (lookbacks + [union_lookback]) | unique | sort %}
{%- set top_ns = var('recall_top_ns') | list %}
{%- set with_retrieved = var('retrieval_runs', []) | length > 0 %}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}

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

    select
        calendar.label_date,
        calendar.cutoff_date,
        calendar.dataset,
        all_truth.user_id,
        all_truth.item_id

    from (
        select * from logged_truth
        union all
        select * from answer_truth
    ) as all_truth
    inner join calendar on all_truth.label_date = calendar.label_date

),

p_pair_days as (

    select
        event_date,
        user_id,
        item_id

    from {{ ref('int_user_item_daily') }}
    where is_p_item

),

-- each true pair's last touch by its cutoff (null: never touched before)
truth_touches as (

    select
        truth.label_date,
        truth.cutoff_date,
        truth.dataset,
        truth.user_id,
        truth.item_id,
        max(p_pair_days.event_date) as last_touch_date

    from truth
    left join p_pair_days
        on
            truth.user_id = p_pair_days.user_id
            and truth.item_id = p_pair_days.item_id
            and truth.cutoff_date >= p_pair_days.event_date
    group by 1, 2, 3, 4, 5

),

truth_counts as (

    select
        label_date,
        cutoff_date,
        dataset,
        count(*) as true_pairs,
        count(last_touch_date) as touched_ever
        {%- for days in touched_lookbacks %},
        count(
            case when {{ in_window('last_touch_date', 'cutoff_date', days) }} then 1 end
        ) as touched_{{ days }}d
        {%- endfor %}

    from truth_touches
    group by 1, 2, 3

),

{%- for days in touched_lookbacks %}

touched_{{ days }}d as (

    select distinct
        calendar.cutoff_date,
        p_pair_days.user_id,
        p_pair_days.item_id

    from calendar
    inner join p_pair_days
        on
            calendar.cutoff_date >= p_pair_days.event_date
            and {{ in_window('p_pair_days.event_date', 'calendar.cutoff_date', days) }}

),
{%- endfor %}

first_touches as (

    select
        user_id,
        item_id,
        min(event_date) as first_touch_date

    from p_pair_days
    group by 1, 2

),

touched_counts as (

    {%- for days in lookbacks %}
    select
        cutoff_date,
        {{ days }} as lookback_days,
        count(*) as candidate_pairs
    from touched_{{ days }}d
    group by 1, 2
    union all
    {%- endfor %}
    select
        calendar.cutoff_date,
        cast(null as integer) as lookback_days,
        count(*) as candidate_pairs
    from calendar
    inner join first_touches on calendar.cutoff_date >= first_touches.first_touch_date
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
        'touched' as source,
        touched_counts.lookback_days,
        cast(null as {{ string_type() }}) as retriever,
        cast(null as integer) as top_n,
        touched_counts.candidate_pairs,
        truth_counts.true_pairs,
        case
            {%- for days in lookbacks %}
            when touched_counts.lookback_days = {{ days }} then truth_counts.touched_{{ days }}d
            {%- endfor %}
            else truth_counts.touched_ever
        end as true_pairs_in_candidates

    from truth_counts
    inner join touched_counts on truth_counts.cutoff_date = touched_counts.cutoff_date

),

{%- if with_retrieved %}

top_ns as (

    {%- for n in top_ns %}
    select {{ n }} as top_n
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

retrieved as (

    select
        retrieved_pairs.retriever,
        retrieved_pairs.cutoff_date,
        retrieved_pairs.user_id,
        retrieved_pairs.item_id,
        retrieved_pairs.recall_rank,
        case when touched.user_id is null then 0 else 1 end as is_touched

    from {{ ref('int_pair_retrieved') }} as retrieved_pairs
    left join touched_{{ union_lookback }}d as touched
        on
            retrieved_pairs.cutoff_date = touched.cutoff_date
            and retrieved_pairs.user_id = touched.user_id
            and retrieved_pairs.item_id = touched.item_id
    where retrieved_pairs.recall_rank <= {{ top_ns | max }}

),

retrieved_counts as (

    select
        retrieved.retriever,
        retrieved.cutoff_date,
        top_ns.top_n,
        count(*) as retrieved_pairs,
        sum(retrieved.is_touched) as retrieved_touched_pairs

    from retrieved
    inner join top_ns on retrieved.recall_rank <= top_ns.top_n
    group by 1, 2, 3

),

truth_ranks as (

    select
        retrieved.retriever,
        truth_touches.cutoff_date,
        truth_touches.user_id,
        truth_touches.item_id,
        retrieved.recall_rank,
        {{ in_window('truth_touches.last_touch_date', 'truth_touches.cutoff_date', union_lookback) }}
            as is_touched

    from truth_touches
    inner join retrieved
        on
            truth_touches.cutoff_date = retrieved.cutoff_date
            and truth_touches.user_id = retrieved.user_id
            and truth_touches.item_id = retrieved.item_id

),

retrieved_hits as (

    select
        truth_ranks.retriever,
        truth_ranks.cutoff_date,
        top_ns.top_n,
        count(*) as hits,
        count(case when not coalesce(truth_ranks.is_touched, false) then 1 end) as untouched_hits

    from truth_ranks
    inner join top_ns on truth_ranks.recall_rank <= top_ns.top_n
    group by 1, 2, 3

),

retrieved_rows as (

    select
        truth_counts.label_date,
        truth_counts.dataset,
        'retrieved ' || retrieved_counts.retriever || ' top '
        || cast(retrieved_counts.top_n as {{ string_type() }}) as candidate_set,
        'retrieved' as source,
        cast(null as integer) as lookback_days,
        retrieved_counts.retriever,
        retrieved_counts.top_n,
        retrieved_counts.retrieved_pairs as candidate_pairs,
        truth_counts.true_pairs,
        coalesce(retrieved_hits.hits, 0) as true_pairs_in_candidates

    from retrieved_counts
    inner join truth_counts on retrieved_counts.cutoff_date = truth_counts.cutoff_date
    left join retrieved_hits
        on
            retrieved_counts.retriever = retrieved_hits.retriever
            and retrieved_counts.cutoff_date = retrieved_hits.cutoff_date
            and retrieved_counts.top_n = retrieved_hits.top_n

    union all

    select
        truth_counts.label_date,
        truth_counts.dataset,
        'touched {{ union_lookback }}d + retrieved ' || retrieved_counts.retriever || ' top '
        || cast(retrieved_counts.top_n as {{ string_type() }}) as candidate_set,
        'touched_or_retrieved' as source,
        {{ union_lookback }} as lookback_days,
        retrieved_counts.retriever,
        retrieved_counts.top_n,
        union_touched.candidate_pairs + retrieved_counts.retrieved_pairs - retrieved_counts.retrieved_touched_pairs
            as candidate_pairs,
        truth_counts.true_pairs,
        truth_counts.touched_{{ union_lookback }}d + coalesce(retrieved_hits.untouched_hits, 0)
            as true_pairs_in_candidates

    from retrieved_counts
    inner join truth_counts on retrieved_counts.cutoff_date = truth_counts.cutoff_date
    inner join (
        select
            cutoff_date,
            count(*) as candidate_pairs
        from touched_{{ union_lookback }}d
        group by 1
    ) as union_touched on retrieved_counts.cutoff_date = union_touched.cutoff_date
    left join retrieved_hits
        on
            retrieved_counts.retriever = retrieved_hits.retriever
            and retrieved_counts.cutoff_date = retrieved_hits.cutoff_date
            and retrieved_counts.top_n = retrieved_hits.top_n

),
{%- endif %}

final as (

    select
        *,
        cast(true_pairs_in_candidates as double) / true_pairs as candidate_recall

    from (
        select * from touched_rows
        {%- if with_retrieved %}
        union all
        select * from retrieved_rows
        {%- endif %}
    ) as rows_by_source

)

select * from final
