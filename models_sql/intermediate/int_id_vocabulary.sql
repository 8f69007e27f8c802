{#- Dense integer codes for users, items and categories, as tzrec's id features need
    (integers in [0, num_buckets)). Built from the training range only (events up to the last
    training cutoff) so that eval and predict see the same mapping; ids seen fewer than
    vocabulary_min_rows times there, or never, share the out-of-vocabulary code 0. -#}

with

training_range as (

    select * from {{ ref('int_user_item_daily') }}
    where event_date < {{ date_var('train_label_end_date') }}

),

rows_per_id as (

    select
        'item' as id_kind,
        item_id as raw_id,
        sum(clicks + collects + carts + buys) as row_count
    from training_range
    group by 1, 2

    union all

    select
        'user' as id_kind,
        user_id as raw_id,
        sum(clicks + collects + carts + buys) as row_count
    from training_range
    group by 1, 2

    union all

    select
        'category' as id_kind,
        item_category as raw_id,
        sum(clicks + collects + carts + buys) as row_count
    from training_range
    group by 1, 2

),

final as (

    select
        id_kind,
        raw_id,
        row_number() over (partition by id_kind order by raw_id) as code

    from rows_per_id
    where row_count >= {{ var('vocabulary_min_rows') }}

)

select * from final
