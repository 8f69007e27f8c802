{#- The ranking's candidates of each cutoff and where each comes from: the pairs the user touched in the
    candidate_lookback_days days up to the cutoff (int_pair_candidates) and, with retrieval candidates on
    (vars retrieval_candidate_runs and retrieval_candidate_top_n = N > 0), the user's top N retrieved P items
    (int_pair_retrieved_candidates), one row per pair:
      candidate_source  touched (touched only), retrieved (retrieved only) or both
      recall_score      the retrieval's score; a touched-only pair, outside the user's top N, takes the user's
                        N-th score (the most it can score); 0 with retrieval off
      recall_rank       the retrieval's rank (1 = the most similar); N + 1 for a touched-only pair; 0 with
                        retrieval off
    Off (the default), every candidate is touched and the two features are constants no model reads. -#}

{%- set top_n = retrieval_candidate_top_n() %}

with

touched as (

    select * from {{ ref('int_pair_candidates') }}

),

-- nothing with retrieval candidates off (N = 0)
retrieved as (

    select * from {{ ref('int_pair_retrieved_candidates') }}
    where recall_rank <= {{ top_n }}

),

user_lowest_scores as (

    select
        cutoff_date,
        user_id,
        min(recall_score) as lowest_recall_score

    from retrieved
    group by 1, 2

),

-- a pair found by both sources is one candidate
joined as (

    select
        coalesce(touched.cutoff_date, retrieved.cutoff_date) as cutoff_date,
        coalesce(touched.user_id, retrieved.user_id) as user_id,
        coalesce(touched.item_id, retrieved.item_id) as item_id,
        coalesce(touched.item_category, retrieved.item_category) as item_category,
        case
            when retrieved.user_id is null then 'touched'
            when touched.user_id is null then 'retrieved'
            else 'both'
        end as candidate_source,
        retrieved.recall_score,
        retrieved.recall_rank

    from touched
    full outer join retrieved
        on
            touched.cutoff_date = retrieved.cutoff_date
            and touched.user_id = retrieved.user_id
            and touched.item_id = retrieved.item_id

),

final as (

    select
        joined.cutoff_date,
        joined.user_id,
        joined.item_id,
        joined.item_category,
        joined.candidate_source,
        -- off: 0 and 0; on, a touched-only pair: its user's N-th score (null, a failed test, for a user the run
        -- did not retrieve for) and rank N + 1
        coalesce(joined.recall_score, user_lowest_scores.lowest_recall_score{{ ', 0' if top_n == 0 }}) as recall_score,
        coalesce(joined.recall_rank, {{ top_n + 1 if top_n > 0 else 0 }}) as recall_rank

    from joined
    left join user_lowest_scores
        on
            joined.cutoff_date = user_lowest_scores.cutoff_date
            and joined.user_id = user_lowest_scores.user_id

)

select * from final
