{{ config(fingerprint_files=[answers_path()]) }}

{#- The true (user, P item) purchases of predict_label_date, where an answer file exists
    (generated data); empty otherwise. Only evaluation models read it. -#}

with

answers as (

    select * from {{ answers_relation() }}

),

final as (

    select distinct
        {{ date_var('predict_label_date') }} as label_date,
        user_id,
        item_id

    from answers

)

select * from final
