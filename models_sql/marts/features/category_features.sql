{#- Category features for each (cutoff, category) of a candidate item: behaviour on every
    item of the category (inside and outside P), audience, conversion and trend. -#}

with

candidate_categories as (

    select distinct
        cutoff_date,
        item_category

    from {{ ref('int_pair_sample_keys') }}

),

pair_days as (

    select * from {{ ref('int_user_item_daily') }}

),

windowed as (

    select
        candidate_categories.cutoff_date,
        candidate_categories.item_category,
        {{ windowed_sums('c', behavior_measures()) }}
        {{ windowed_distinct('c', 'users', 'pair_days.user_id') }}
        count(distinct pair_days.item_id) as c_items_all

    from candidate_categories
    inner join pair_days
        on
            candidate_categories.item_category = pair_days.item_category
            and candidate_categories.cutoff_date >= pair_days.event_date
    group by 1, 2

),

final as (

    select
        *,
        {{ smoothed_ratio('c_buys_all', 'c_clicks_all') }} as c_buy_per_click_all,
        {{ smoothed_ratio('c_buys_all', 'c_carts_all') }} as c_buy_per_cart_all,
        {{ smoothed_ratio('c_clicks_1d * ' ~ var('feature_windows') | max, 'c_clicks_' ~ (var('feature_windows') | max) ~ 'd') }}
            as c_click_trend

    from windowed

)

select * from final
