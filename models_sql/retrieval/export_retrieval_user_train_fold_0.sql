{%- set location = var('processed_dir') ~ '/retrieval_user_train_fold_0.parquet' -%}
{{ config(
    materialized='parquet_export',
    location=location,
    post_hook=assert_retrieval_export_not_empty(location, 'user_id'),
    contract={'enforced': var('enforce_export_contracts', true)},
    enabled=var('retrieval_exports', false) and var('retrieval_out_of_fold', false),
) }}

{#- The user side at every training cutoff, of the users of retrieval fold 0 (validation users among them): the
    users whose training-cutoff candidates the retriever trained on the other fold (export_retrieval_train_fold_1)
    retrieves. -#}

{{ retrieval_side_export('user', 'train', fold=0) }}
