{#- The retrieved pairs that may join the ranking's candidates (int_pair_candidate_sources cuts them to the top
    var retrieval_candidate_top_n): every pair the run folder of var retrieval_candidate_runs retrieved at a cutoff
    of the label calendar, with its score, rank, the item's category and the folds.
    - The eval and predict cutoffs take the run's own retrieval (<run>/retrieved/<split>/), its retriever trained
      on the positives of every training user; none of them is a training row.
    - The training cutoffs (the train and validation rows) take the out-of-fold retrieval (<run>/folds/fold_<k>/
      retrieved/train/): the retriever trained on the positives of fold k's users only retrieves for the users of
      the other fold, so no retrieval score of a training row comes from a model that saw the row's label (the
      data test on training_fold and user_fold stops the build otherwise).
    Always built: with retrieval candidates off it holds no row (and reads no source). -#}

{#- fingerprint_files: a run retrieved again writes new files under the same names; the build must see them -#}
{{ config(fingerprint_files=retrieval_candidate_fingerprint_files()) }}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

p_items as (

    select * from {{ ref('int_p_items') }}

),

whole_run as (

    {{ retrieval_candidate_pairs('whole_run') }}

),

out_of_fold as (

    {{ retrieval_candidate_pairs('out_of_fold') }}

),

-- each cutoff from the retrieval its dataset is entitled to: the training cutoffs out of fold only
routed as (

    select
        whole_run.*,
        calendar.dataset
    from whole_run
    inner join calendar on whole_run.cutoff_date = calendar.cutoff_date
    where calendar.dataset <> 'train'

    union all

    select
        out_of_fold.*,
        calendar.dataset
    from out_of_fold
    inner join calendar on out_of_fold.cutoff_date = calendar.cutoff_date
    where calendar.dataset = 'train'

),

final as (

    select
        routed.cutoff_date,
        routed.dataset,
        routed.user_id,
        routed.item_id,
        p_items.item_category,
        routed.recall_score,
        routed.recall_rank,
        routed.retriever,
        routed.training_fold,
        {{ retrieval_fold('routed.user_id') }} as user_fold

    from routed
    left join p_items on routed.item_id = p_items.item_id

)

select * from final
