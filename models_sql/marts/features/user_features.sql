{#- User features for each (cutoff, user) that has candidates: behaviour on all items and on
    P items over the feature windows, activity, breadth, conversion and recency.
    Built one cutoff at a time on DuckDB with var build_by_partition (the online scale): the distinct
    counts of every cutoff at once spilled more than the disk held. -#}

{{ config(build_partition_by='cutoff_date', build_partitions_from='int_pair_sample_keys') }}

with

candidate_users as (

    select distinct
        cutoff_date,
        user_id

    from {{ ref('int_pair_sample_keys') }}
    where {{ partition_filter('cutoff_date') }}

),

pair_days as (

    select * from {{ ref('int_user_item_daily') }}

),

user_days as (

    select * from {{ ref('int_user_daily') }}

),

windowed_counts as (

    select
        candidate_users.cutoff_date,
        candidate_users.user_id,
        {{ windowed_sums('u', behavior_measures() + ['active_days']) }}
        {{ windowed_sums('u', ['p_clicks', 'p_carts', 'p_buys']) }}
        min({{ hours_to_cutoff_end('user_days.event_date', 'user_days.last_event_hour') }})
            as u_hours_since_last_event

    from candidate_users
    inner join user_days
        on
            candidate_users.user_id = user_days.user_id
            and candidate_users.cutoff_date >= user_days.event_date
    group by 1, 2

),

recent_pair_days as (

    select
        candidate_users.cutoff_date,
        pair_days.*

    from candidate_users
    inner join pair_days
        on
            candidate_users.user_id = pair_days.user_id
            and candidate_users.cutoff_date >= pair_days.event_date
            and {{ in_window('pair_days.event_date', 'candidate_users.cutoff_date', var('feature_windows') | max) }}

),

-- breadth in two steps (each item's or category's last day, then how many per window): one
-- grouping of the user's items and one of their categories in place of a distinct count per window
user_items as (

    select
        cutoff_date,
        user_id,
        item_id,
        max(event_date) as last_event_date

    from recent_pair_days
    group by 1, 2, 3

),

user_categories as (

    select
        cutoff_date,
        user_id,
        item_category,
        max(event_date) as last_event_date

    from recent_pair_days
    where item_category is not null
    group by 1, 2, 3

),

item_breadth as (

    select
        cutoff_date,
        user_id,
        {{ windowed_key_counts('u', 'items', 'last_event_date', with_all=false) }}

    from user_items
    group by 1, 2

),

category_breadth as (

    select
        cutoff_date,
        user_id,
        {{ windowed_key_counts('u', 'categories', 'last_event_date', with_all=false) }}

    from user_categories
    group by 1, 2

),

final as (

    select
        windowed_counts.*,
        {%- for window in var('feature_windows') %}
            coalesce(item_breadth.u_items_{{ window }}d, 0) as u_items_{{ window }}d,
            coalesce(category_breadth.u_categories_{{ window }}d, 0) as u_categories_{{ window }}d,
        {%- endfor %}
        {{ smoothed_ratio('windowed_counts.u_buys_all', 'windowed_counts.u_clicks_all') }} as u_buy_per_click_all,
        {{ smoothed_ratio('windowed_counts.u_buys_all', 'windowed_counts.u_carts_all') }} as u_buy_per_cart_all,
        {{ smoothed_ratio('windowed_counts.u_p_buys_all', 'windowed_counts.u_p_clicks_all') }}
            as u_p_buy_per_click_all

    -- a user idle over the longest window (a retrieved candidate's) has no breadth row: breadth 0
    from windowed_counts
    left join item_breadth
        on
            windowed_counts.cutoff_date = item_breadth.cutoff_date
            and windowed_counts.user_id = item_breadth.user_id
    left join category_breadth
        on
            windowed_counts.cutoff_date = category_breadth.cutoff_date
            and windowed_counts.user_id = category_breadth.user_id

)

select * from final
