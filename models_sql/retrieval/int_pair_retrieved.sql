{#- fingerprint_files: a retrieval run retrieved again writes new files under the same name; the build must see them -#}
{{ config(
    enabled=var('retrieval_runs', []) | length > 0,
    fingerprint_files=retrieval_run_files(var('retrieval_runs', [])),
) }}

{#- The retrieved (user, P item) pairs of the runs in var retrieval_runs: for each user of a
    retrieved cutoff, a two-tower model's top items by similarity (`python -m runner retrieve`),
    with their score and rank (1 = the most similar). Built only when retrieval_runs names a run. -#}

with

retrieved as (

    select * from {{ retrieved_relation() }}

),

final as (

    select
        retriever,
        cast(cutoff_date as date) as cutoff_date,
        user_id,
        item_id,
        cast(recall_score as double) as recall_score,
        cast(recall_rank as integer) as recall_rank

    from retrieved

)

select * from final
