{{ config(enabled=var('retrieval_runs', []) | length > 0) }}

{#- candidate_recall_by_source's rows of the retrieved pairs (int_pair_retrieved), per run, label day
    and top-N of var recall_top_ns: the retrieved top-N alone, and joined with the pairs touched within
    candidate_lookback_days (the ranking's own candidates). Only the label days whose cutoff was
    retrieved. Built only when var retrieval_runs names a run. -#}

{%- set union_lookback = var('candidate_lookback_days') %}

with

true_pairs as (

    select * from {{ ref('int_recall_true_pairs') }}

),

touched as (

    select * from {{ ref('int_recall_touched_pairs') }}
    where lookback_days = {{ union_lookback }}

),

top_ns as (

    {{ scan_grid(var('recall_top_ns'), 'top_n', 'integer') }}

),

truth_counts as (

    select
        label_date,
        cutoff_date,
        dataset,
        count(*) as true_pairs,
        count(case when days_since_touch < {{ union_lookback }} then 1 end) as touched_hits

    from true_pairs
    group by 1, 2, 3

),

touched_counts as (

    select
        cutoff_date,
        count(*) as candidate_pairs

    from touched
    group by 1

),

-- every run's pairs down to the largest top-N, flagged when the ranking's lookback touched them too
retrieved as (

    select
        retrieved_pairs.retriever,
        retrieved_pairs.cutoff_date,
        retrieved_pairs.user_id,
        retrieved_pairs.item_id,
        retrieved_pairs.recall_rank,
        case when touched.user_id is null then 0 else 1 end as is_touched

    from {{ ref('int_pair_retrieved') }} as retrieved_pairs
    left join touched
        on
            retrieved_pairs.cutoff_date = touched.cutoff_date
            and retrieved_pairs.user_id = touched.user_id
            and retrieved_pairs.item_id = touched.item_id
    where retrieved_pairs.recall_rank <= {{ var('recall_top_ns') | max }}

),

retrieved_counts as (

    select
        retrieved.retriever,
        retrieved.cutoff_date,
        top_ns.top_n,
        count(*) as retrieved_pairs,
        cast(sum(retrieved.is_touched) as bigint) as retrieved_touched_pairs

    from retrieved
    inner join top_ns on retrieved.recall_rank <= top_ns.top_n
    group by 1, 2, 3

),

retrieved_hits as (

    select
        retrieved.retriever,
        retrieved.cutoff_date,
        top_ns.top_n,
        count(*) as hits,
        count(case when retrieved.is_touched = 0 then 1 end) as untouched_hits

    from true_pairs
    inner join retrieved
        on
            true_pairs.cutoff_date = retrieved.cutoff_date
            and true_pairs.user_id = retrieved.user_id
            and true_pairs.item_id = retrieved.item_id
    inner join top_ns on retrieved.recall_rank <= top_ns.top_n
    group by 1, 2, 3

),

counted as (

    select
        truth_counts.label_date,
        truth_counts.dataset,
        retrieved_counts.retriever,
        retrieved_counts.top_n,
        retrieved_counts.retrieved_pairs,
        retrieved_counts.retrieved_touched_pairs,
        coalesce(retrieved_hits.hits, 0) as hits,
        coalesce(retrieved_hits.untouched_hits, 0) as untouched_hits,
        truth_counts.true_pairs,
        truth_counts.touched_hits,
        touched_counts.candidate_pairs as touched_pairs

    from retrieved_counts
    inner join truth_counts on retrieved_counts.cutoff_date = truth_counts.cutoff_date
    inner join touched_counts on retrieved_counts.cutoff_date = touched_counts.cutoff_date
    left join retrieved_hits
        on
            retrieved_counts.retriever = retrieved_hits.retriever
            and retrieved_counts.cutoff_date = retrieved_hits.cutoff_date
            and retrieved_counts.top_n = retrieved_hits.top_n

),

final as (

    select
        label_date,
        dataset,
        'retrieved ' || retriever || ' top ' || cast(top_n as {{ string_type() }}) as candidate_set,
        'retrieved' as candidate_source,
        cast(null as integer) as lookback_days,
        retriever,
        top_n,
        retrieved_pairs as candidate_pairs,
        true_pairs,
        hits as true_pairs_in_candidates

    from counted

    union all

    select
        label_date,
        dataset,
        'touched {{ union_lookback }}d + retrieved ' || retriever || ' top '
        || cast(top_n as {{ string_type() }}) as candidate_set,
        'touched_or_retrieved' as candidate_source,
        {{ union_lookback }} as lookback_days,
        retriever,
        top_n,
        touched_pairs + retrieved_pairs - retrieved_touched_pairs as candidate_pairs,
        true_pairs,
        touched_hits + untouched_hits as true_pairs_in_candidates

    from counted

)

select * from final
