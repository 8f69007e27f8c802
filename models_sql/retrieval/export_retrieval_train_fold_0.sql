{%- set location = var('processed_dir') ~ '/retrieval_train_fold_0.parquet' -%}
{{ config(
    materialized='parquet_export',
    location=location,
    post_hook=assert_retrieval_export_not_empty(location, 'user_id'),
    contract={'enforced': var('enforce_export_contracts', true)},
    enabled=var('retrieval_exports', false) and var('retrieval_out_of_fold', false),
) }}

{#- The training rows of the out-of-fold retriever trained on retrieval fold 0: export_retrieval_train's rows of the
    users of fold 0 only (retrieval_fold). It retrieves the training cutoffs' candidates of the other fold's users
    (export_retrieval_user_train_fold_1), never of the users it trained on. -#}

{{ retrieval_training_export('train', fold=0) }}
