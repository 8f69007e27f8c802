{{ config(enabled=var('retrieval_exports', false)) }}

{#- The (cutoff, P item) pairs the retrieval exports need an item side of: every P item, touched or
    not, at each cutoff of the datasets in var retrieval_side_datasets (and every training cutoff with
    var retrieval_out_of_fold), and the item of every training positive at its cutoff. -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}
    where dataset in {{ string_list(retrieval_side_datasets()) }}

),

p_items as (

    select * from {{ ref('int_p_items') }}

),

positives as (

    select * from {{ ref('int_retrieval_positives') }}

),

every_item as (

    select
        calendar.cutoff_date,
        p_items.item_id
    from calendar
    cross join p_items

),

positive_items as (

    select
        cutoff_date,
        item_id
    from positives

),

keys as (

    select * from every_item
    union
    select * from positive_items

),

final as (

    select
        keys.cutoff_date,
        keys.item_id,
        p_items.item_category

    from keys
    inner join p_items on keys.item_id = p_items.item_id

)

select * from final
