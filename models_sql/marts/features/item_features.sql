{#- Item features for each (cutoff, P item) that is a candidate: behaviour of all users on
    the item over the feature windows, audience, conversion and trend. An item nobody touched by
    the cutoff (a retrieved candidate) has counts, audience, conversions and trend 0.
    Built one cutoff at a time on DuckDB with var build_by_partition (the online scale): the distinct
    counts of every cutoff at once spilled more than the disk held. -#}

{{ config(build_partition_by='cutoff_date', build_partitions_from='int_pair_sample_keys') }}

with

candidate_items as (

    select distinct
        cutoff_date,
        item_id

    from {{ ref('int_pair_sample_keys') }}
    where {{ partition_filter('cutoff_date') }}

),

pair_days as (

    select * from {{ ref('int_user_item_daily') }}

),

item_pair_days as (

    select
        candidate_items.cutoff_date,
        pair_days.*

    from candidate_items
    inner join pair_days
        on
            candidate_items.item_id = pair_days.item_id
            and candidate_items.cutoff_date >= pair_days.event_date

),

windowed as (

    select
        cutoff_date,
        item_id,
        {{ windowed_sums('i', behavior_measures(), trailing_comma=false) }}

    from item_pair_days
    group by 1, 2

),

-- the audience in two steps (each user's last day on the item, then users per window): one
-- grouping of the (item, user) pairs in place of a distinct count per window
item_users as (

    select
        cutoff_date,
        item_id,
        user_id,
        max(event_date) as last_event_date

    from item_pair_days
    group by 1, 2, 3

),

audience as (

    select
        cutoff_date,
        item_id,
        {{ windowed_key_counts('i', 'users', 'last_event_date') }}

    from item_users
    group by 1, 2

),

-- every candidate item gets a row, an untouched one zeros
filled as (

    select
        candidate_items.cutoff_date,
        candidate_items.item_id,
        {%- for window in var('feature_windows') %}
            {%- for measure in behavior_measures() %}
                coalesce(windowed.i_{{ measure }}_{{ window }}d, 0) as i_{{ measure }}_{{ window }}d,
            {%- endfor %}
        {%- endfor %}
        {%- for measure in behavior_measures() %}
            coalesce(windowed.i_{{ measure }}_all, 0) as i_{{ measure }}_all,
        {%- endfor %}
        {%- for window in var('feature_windows') %}
            coalesce(audience.i_users_{{ window }}d, 0) as i_users_{{ window }}d,
        {%- endfor %}
        coalesce(audience.i_users_all, 0) as i_users_all

    from candidate_items
    left join windowed
        on
            candidate_items.cutoff_date = windowed.cutoff_date
            and candidate_items.item_id = windowed.item_id
    left join audience
        on
            candidate_items.cutoff_date = audience.cutoff_date
            and candidate_items.item_id = audience.item_id

),

final as (

    select
        *,
        {{ smoothed_ratio('i_buys_all', 'i_clicks_all') }} as i_buy_per_click_all,
        {{ smoothed_ratio('i_buys_all', 'i_carts_all') }} as i_buy_per_cart_all,
        -- last day against the mean day of the longest window (> 1: rising)
        {{ smoothed_ratio('i_clicks_1d * ' ~ var('feature_windows') | max, 'i_clicks_' ~ (var('feature_windows') | max) ~ 'd') }}
            as i_click_trend

    from filled

)

select * from final
