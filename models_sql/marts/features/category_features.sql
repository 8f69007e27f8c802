{#- Category features for each (cutoff, category) of a candidate item: behaviour on every
    item of the category (inside and outside P), audience, conversion and trend. A category
    nobody touched by the cutoff (a retrieved candidate's) has every figure 0. -#}

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

-- every candidate category gets a row, an untouched one zeros
filled as (

    select
        candidate_categories.cutoff_date,
        candidate_categories.item_category,
        {%- for window in var('feature_windows') %}
            {%- for measure in behavior_measures() %}
                coalesce(windowed.c_{{ measure }}_{{ window }}d, 0) as c_{{ measure }}_{{ window }}d,
            {%- endfor %}
        {%- endfor %}
        {%- for measure in behavior_measures() %}
            coalesce(windowed.c_{{ measure }}_all, 0) as c_{{ measure }}_all,
        {%- endfor %}
        {%- for window in var('feature_windows') %}
            coalesce(windowed.c_users_{{ window }}d, 0) as c_users_{{ window }}d,
        {%- endfor %}
        coalesce(windowed.c_items_all, 0) as c_items_all

    from candidate_categories
    left join windowed
        on
            candidate_categories.cutoff_date = windowed.cutoff_date
            and candidate_categories.item_category = windowed.item_category

),

final as (

    select
        *,
        {{ smoothed_ratio('c_buys_all', 'c_clicks_all') }} as c_buy_per_click_all,
        {{ smoothed_ratio('c_buys_all', 'c_carts_all') }} as c_buy_per_cart_all,
        {{ smoothed_ratio('c_clicks_1d * ' ~ var('feature_windows') | max, 'c_clicks_' ~ (var('feature_windows') | max) ~ 'd') }}
            as c_click_trend

    from filled

)

select * from final
