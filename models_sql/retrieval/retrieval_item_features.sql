{{ config(enabled=var('retrieval_exports', false)) }}

{#- The item side of the two-tower models, one row per (cutoff, P item) of int_retrieval_item_cutoffs:
    behaviour of all users on the item and on its category (every item of the category, inside and
    outside P) over the feature windows and the whole history, its audience and recency. Everything up
    to the end of the cutoff day, nothing after it; a P item nobody touched by the cutoff has counts 0,
    the hours since its last event never_hours() and its vocabulary code (0 when out of vocabulary). -#}

with

items as (

    select * from {{ ref('int_retrieval_item_cutoffs') }}

),

p_pair_days as (

    select * from {{ ref('int_user_item_daily') }}
    where is_p_item

),

category_days as (

    select
        event_date,
        item_category,
        sum(clicks) as clicks,
        sum(collects) as collects,
        sum(carts) as carts,
        sum(buys) as buys

    from {{ ref('int_user_item_daily') }}
    group by 1, 2

),

item_windows as (

    select
        items.cutoff_date,
        items.item_id,
        {{ windowed_sums('i', behavior_measures()) }}
        {{ windowed_distinct('i', 'users', 'p_pair_days.user_id') }}
        count(distinct p_pair_days.user_id) as i_users_all,
        min({{ hours_to_cutoff_end('p_pair_days.event_date', 'p_pair_days.last_event_hour') }})
            as i_hours_since_last_event

    from items
    inner join p_pair_days
        on
            items.item_id = p_pair_days.item_id
            and items.cutoff_date >= p_pair_days.event_date
    group by 1, 2

),

cutoff_categories as (

    select distinct
        cutoff_date,
        item_category

    from items

),

category_windows as (

    select
        cutoff_categories.cutoff_date,
        cutoff_categories.item_category,
        {{ windowed_sums('c', behavior_measures()) }}
        count(*) as days_seen

    from cutoff_categories
    inner join category_days
        on
            cutoff_categories.item_category = category_days.item_category
            and cutoff_categories.cutoff_date >= category_days.event_date
    group by 1, 2

),

vocabulary as (

    select * from {{ ref('int_id_vocabulary') }}

),

final as (

    select
        items.cutoff_date,
        items.item_id,
        items.item_category,
        coalesce(item_codes.code, 0) as item_code,
        coalesce(category_codes.code, 0) as category_code,
        {%- for column in retrieval_item_count_columns('i') %}
            coalesce(item_windows.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        coalesce(item_windows.i_hours_since_last_event, {{ never_hours() }}) as i_hours_since_last_event,
        {{ smoothed_ratio('coalesce(item_windows.i_buys_all, 0)', 'coalesce(item_windows.i_clicks_all, 0)') }}
            as i_buy_per_click_all,
        {%- for column in retrieval_item_count_columns('c') %}
            coalesce(category_windows.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        {{ smoothed_ratio('coalesce(category_windows.c_buys_all, 0)', 'coalesce(category_windows.c_clicks_all, 0)') }}
            as c_buy_per_click_all

    from items
    left join item_windows
        on
            items.cutoff_date = item_windows.cutoff_date
            and items.item_id = item_windows.item_id
    left join category_windows
        on
            items.cutoff_date = category_windows.cutoff_date
            and items.item_category = category_windows.item_category
    left join vocabulary as item_codes
        on item_codes.id_kind = 'item' and items.item_id = item_codes.raw_id
    left join vocabulary as category_codes
        on category_codes.id_kind = 'category' and items.item_category = category_codes.raw_id

)

select * from final
